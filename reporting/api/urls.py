from reporting.api import metrics


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
