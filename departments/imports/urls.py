"""Bulk import pages, included at /imports/ inside the ``departments`` namespace."""

from django.urls import path

from departments.imports import views as import_views

# No app_name here: departments/urls.py includes this module, so the names below live in
# the ``departments`` namespace ("departments:import-start").
urlpatterns = [
    path("", import_views.import_start, name="import-start"),
    path("template/", import_views.import_template, name="import-template"),
    path("<int:pk>/", import_views.import_status, name="import-status"),
    path("<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("<int:pk>/retry/", import_views.import_retry, name="import-retry"),
]
