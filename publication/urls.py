from django.urls import path

from publication import management, views

app_name = "publication"

urlpatterns = [
    path("public/", views.portal_home, name="portal"),
    path("public/indicators/<str:code>/", views.public_indicator, name="indicator"),
    path("public/data/", views.open_data_page, name="open-data"),
    path("public/data/council-performance.csv", views.council_csv, name="council-csv"),
    path("public/data/council-performance.json", views.council_json, name="council-json"),
    path("public/data/indicators/<str:code>.csv", views.indicator_csv, name="indicator-csv"),
    path("public/data/indicators/<str:code>.json", views.indicator_json, name="indicator-json"),
    path("publication/", management.publication_list, name="manage"),
    path("publication/<int:pk>/", management.publication_edit, name="manage-edit"),
]
