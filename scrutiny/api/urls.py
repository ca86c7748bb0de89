from scrutiny.api import views


def register(router) -> None:
    router.register("scrutiny-items", views.ScrutinyItemViewSet, basename="scrutiny-item")
    router.register("scrutiny-committees", views.CommitteeViewSet, basename="scrutiny-committee")
