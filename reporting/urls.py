from django.urls import path

from reporting.audit import views as audit_views
from reporting.pages import benchmark as benchmark_views
from reporting.pages import combined as combined_views
from reporting.pages import coordination as coordination_views
from reporting.pages import dashboard as dashboard_views
from reporting.pages import indicator as indicator_views
from reporting.pages import overview as overview_views
from reporting.pages import partnership as partnership_views
from reporting.reports import views as report_views
from reporting.warnings import views as warning_views

app_name = "reporting"

urlpatterns = [
    path("partnerships/<int:pk>/", partnership_views.partnership_detail, name="partnership"),
    path("coordination/", coordination_views.coordination, name="coordination"),
    path("departments/<int:pk>/", dashboard_views.department_dashboard, name="department"),
    path("overview/", overview_views.overview, name="overview"),
    path("indicators/<int:pk>/", indicator_views.indicator_page, name="indicator"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/new/<slug:kind>/", report_views.report_request, name="report-request"),
    path("reports/runs/<int:pk>/", report_views.report_run, name="report-run"),
    path(
        "reports/runs/<int:pk>/progress/",
        report_views.report_run_progress,
        name="report-run-progress",
    ),
    path(
        "reports/runs/<int:pk>/download/",
        report_views.report_run_download,
        name="report-run-download",
    ),
    path("reports/runs/<int:pk>/retry/", report_views.report_run_retry, name="report-run-retry"),
    path("audit-trail/", audit_views.audit_trail, name="audit-trail"),
    path("audit-trail/<slug:kind>/<int:pk>/", audit_views.record_history, name="record-history"),
    path("combined/", combined_views.combined, name="combined"),
    path("benchmarking/", benchmark_views.benchmarking, name="benchmarking"),
    path("early-warnings/", warning_views.warning_list, name="early-warnings"),
    path("early-warnings/<int:pk>/", warning_views.warning_detail, name="early-warning"),
    path(
        "early-warnings/<int:pk>/acknowledge/",
        warning_views.warning_acknowledge,
        name="early-warning-acknowledge",
    ),
]
