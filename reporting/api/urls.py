from reporting.api import combined, dashboards, home, metrics, reports


def register(router) -> None:
    router.register(
        "metrics/partnerships", metrics.PartnershipMetricsViewSet, basename="metrics-partnership"
    )
    router.register(
        "metrics/coordination",
        metrics.CoordinationMetricsViewSet,
        basename="metrics-coordination",
    )
    router.register("metrics/overview", metrics.OverviewMetricsViewSet, basename="metrics-overview")
    router.register(
        "metrics/departments", dashboards.DepartmentMetricsViewSet, basename="metrics-department"
    )
    router.register(
        "metrics/indicators", dashboards.IndicatorMetricsViewSet, basename="metrics-indicator"
    )
    router.register(
        "metrics/combined", combined.CombinedMetricsViewSet, basename="metrics-combined"
    )
    router.register("early-warnings", combined.EarlyWarningViewSet, basename="early-warning")
    router.register("reports", reports.ReportRunViewSet, basename="report")
    router.register("home", home.HomeViewSet, basename="home")
