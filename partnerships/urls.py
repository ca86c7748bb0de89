from django.urls import path

from partnerships.contracts import breach_views, kpi_views
from partnerships.contracts import views as contracts
from partnerships.records import views as records
from partnerships.sla_results import views as sla_results

app_name = "partnerships"

urlpatterns = [
    path(
        "partnerships/<int:pk>/sla-results/<str:period_key>/",
        sla_results.sla_results,
        name="sla-results",
    ),
    path(
        "partnerships/<int:pk>/sla-results/<str:period_key>/verify/",
        sla_results.results_verify,
        name="results-verify",
    ),
    path("partnerships/<int:pk>/records/", records.records, name="records"),
    path("partnerships/<int:pk>/contract/", contracts.contract, name="contract"),
    path("partnerships/<int:pk>/contract/kpis/new/", kpi_views.kpi_new, name="kpi-new"),
    path("contract-kpis/<int:pk>/edit/", kpi_views.kpi_edit, name="kpi-edit"),
    path("contract-assessments/<int:pk>/", contracts.assessment, name="assessment"),
    path("contract-assessments/<int:pk>/notice/", contracts.notice, name="notice"),
    path(
        "partnerships/<int:pk>/performance-notices/new/",
        breach_views.notice_new,
        name="performance-notice-new",
    ),
    path("performance-notices/<int:pk>/", breach_views.notice_detail, name="performance-notice"),
    path("rectification-plans/<int:pk>/progress/", contracts.plan_progress, name="plan-progress"),
    path("rectification-plans/<int:pk>/close/", contracts.plan_close, name="plan-close"),
    path("sla-results/<int:pk>/verify/", sla_results.result_verify, name="result-verify"),
    path("sla-results/<int:pk>/dispute/", sla_results.result_dispute, name="result-dispute"),
    path("sla-results/<int:pk>/resolve/", sla_results.result_resolve, name="result-resolve"),
    path("milestones/<int:pk>/progress/", records.milestone_progress, name="milestone-progress"),
]
