from django.urls import path

from partnerships import views

app_name = "partnerships"

urlpatterns = [
    path(
        "partnerships/<int:pk>/sla-results/<str:period_key>/", views.sla_results, name="sla-results"
    ),
    path("partnerships/<int:pk>/records/", views.records, name="records"),
    path("sla-results/<int:pk>/verify/", views.result_verify, name="result-verify"),
    path("sla-results/<int:pk>/dispute/", views.result_dispute, name="result-dispute"),
    path("sla-results/<int:pk>/resolve/", views.result_resolve, name="result-resolve"),
    path("milestones/<int:pk>/progress/", views.milestone_progress, name="milestone-progress"),
]
