from partnerships.api import views


def register(router) -> None:
    router.register("partners", views.PartnerViewSet)
    router.register("partnerships", views.PartnershipViewSet)
    router.register("services", views.ServiceViewSet)
    router.register("slas", views.SlaViewSet)
