from django.urls import path

from scrutiny import views

app_name = "scrutiny"

urlpatterns = [
    path("scrutiny/", views.item_list, name="items"),
    path("scrutiny/ask/", views.ask, name="ask"),
    path("scrutiny/items/<int:pk>/", views.item_detail, name="item"),
    path("scrutiny/items/<int:pk>/close/", views.item_close, name="item-close"),
    path("scrutiny/committees/<int:pk>/", views.committee_agenda, name="committee"),
    path(
        "scrutiny/committees/<int:pk>/papers.<str:file_format>",
        views.committee_papers,
        name="committee-papers",
    ),
]
