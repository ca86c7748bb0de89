from django.urls import register_converter

from departments.api import views
from departments.benchmarks import api as benchmarks
from departments.imports import api as imports
from departments.referrals import api as referrals
from departments.returns import api as returns
from departments.tokens import api as tokens


class PeriodKeyConverter:
    """A period's key in a path (``2025-26``, ``2025-26-P06``, ``2025-26-Q2``), in the
    shape only: the view parses it strictly and answers a key that names no period."""

    regex = "[0-9]{4}-[0-9]{2}(?:-[PQ][0-9]{1,2})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PeriodKeyConverter, "period_key")


def register(router) -> None:
    router.register("departments", views.DepartmentViewSet)
    router.register("indicators", views.IndicatorViewSet, basename="indicator")
    router.register("targets", views.TargetViewSet)
    router.register("returns", returns.ReturnViewSet, basename="return")
    router.register("periods", returns.PeriodViewSet, basename="period")
    router.register("imports", imports.ImportJobViewSet, basename="importjob")
    router.register("referrals", referrals.ReferralViewSet, basename="referral")
    router.register("tokens", tokens.ApiTokenViewSet, basename="apitoken")
    router.register(
        "comparator-groups", benchmarks.ComparatorGroupViewSet, basename="comparatorgroup"
    )
    router.register(
        "benchmark-metrics", benchmarks.BenchmarkMetricViewSet, basename="benchmarkmetric"
    )
    router.register("benchmark-values", benchmarks.BenchmarkValueViewSet, basename="benchmarkvalue")
