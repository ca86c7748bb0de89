from departments.api import views


def register(router) -> None:
    router.register("departments", views.DepartmentViewSet)
    router.register("indicators", views.IndicatorViewSet, basename="indicator")
    router.register("targets", views.TargetViewSet)
