from reporting.api import metrics


def register(router) -> None:
    router.register(
        "metrics/partnerships", metrics.PartnershipMetricsViewSet, basename="metrics-partnership"
    )
