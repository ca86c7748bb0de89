"""Return and sign-off pages, included at the site's root inside the ``departments``
namespace."""

from django.urls import path

from departments.returns import views

# No app_name here: departments/urls.py includes this module, so the names below live in
# the ``departments`` namespace ("departments:my-returns").
urlpatterns = [
    path("returns/", views.my_returns, name="my-returns"),
    path("returns/<int:pk>/", views.return_detail, name="return-detail"),
    path("returns/<int:pk>/approve/", views.return_approve, name="return-approve"),
    path("returns/<int:pk>/send-back/", views.return_send_back, name="return-send-back"),
    path("returns/<int:pk>/reopen/", views.return_reopen, name="return-reopen"),
    path(
        "returns/enter/<int:indicator_id>/<str:period_key>/", views.return_edit, name="return-edit"
    ),
    path("periods/<str:period_key>/sign-off/", views.period_sign_off, name="period-sign-off"),
]
