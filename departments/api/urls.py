from departments.api import imports, referrals, returns, tokens, views


def register(router) -> None:
    router.register("departments", views.DepartmentViewSet)
    router.register("indicators", views.IndicatorViewSet, basename="indicator")
    router.register("targets", views.TargetViewSet)
    router.register("returns", returns.ReturnViewSet, basename="return")
    router.register("periods", returns.PeriodViewSet, basename="period")
    router.register("imports", imports.ImportJobViewSet, basename="importjob")
    router.register("referrals", referrals.ReferralViewSet, basename="referral")
    router.register("tokens", tokens.ApiTokenViewSet, basename="apitoken")
