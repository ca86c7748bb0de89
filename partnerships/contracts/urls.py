"""Contract pages (KPIs, assessments, notices, rectification plans), included at the site's
root inside the ``partnerships`` namespace."""

from django.urls import path

from partnerships.contracts import breach_views, kpi_views, views

# No app_name here: the names below live in the ``partnerships`` namespace.
urlpatterns = [
    path("partnerships/<int:pk>/contract/", views.contract, name="contract"),
    path("partnerships/<int:pk>/contract/kpis/new/", kpi_views.kpi_new, name="kpi-new"),
    path("contract-kpis/<int:pk>/edit/", kpi_views.kpi_edit, name="kpi-edit"),
    path("contract-assessments/<int:pk>/", views.assessment, name="assessment"),
    path("contract-assessments/<int:pk>/notice/", views.notice, name="notice"),
    path(
        "partnerships/<int:pk>/performance-notices/new/",
        breach_views.notice_new,
        name="performance-notice-new",
    ),
    path("performance-notices/<int:pk>/", breach_views.notice_detail, name="performance-notice"),
    path("rectification-plans/<int:pk>/progress/", views.plan_progress, name="plan-progress"),
    path("rectification-plans/<int:pk>/close/", views.plan_close, name="plan-close"),
]
