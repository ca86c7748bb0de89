"""The partnership's records (milestones, escalations, risks), included at the site's root
inside the ``partnerships`` namespace."""

from django.urls import path

from partnerships.records import views

# No app_name here: the names below live in the ``partnerships`` namespace.
urlpatterns = [
    path("partnerships/<int:pk>/records/", views.records, name="records"),
    path("milestones/<int:pk>/progress/", views.milestone_progress, name="milestone-progress"),
]
