"""A person's own account pages, included at /account/ inside the ``departments``
namespace; their API tokens' pages are the tokens capability's (``tokens/urls.py``)."""

from django.urls import include, path

from departments.accounts import views

# No app_name here: departments/urls.py includes this module, so the names below live in
# the ``departments`` namespace ("departments:account").
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("tokens/", include("departments.tokens.urls")),
]
