"""The dashboards' figures as JSON: a department's indicators, coordination and dependency
health, and one indicator's row with its trend. Built by the same functions as the pages
(``reporting/figures/department.py`` and ``reporting/figures/indicator.py``), so the numbers
are the pages' numbers.

Figures are decimal strings with the indicator's own decimal places ("83.1"), scores to
one place; ``period`` is a month key such as ``2025-26-P06`` (default: the latest closed
month), and a row's ``period`` the indicator's own period for that month.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.errors import error_responses
from departments.api.serializers import IndicatorSerializer
from departments.models import Department, ForecastConfidence, PerformanceIndicator
from departments.rating import Timeliness
from reporting.api.benchmark import (
    BENCHMARK_PARAMETERS,
    IndicatorBenchmarkSerializer,
    indicator_benchmark,
)
from reporting.api.metrics import (
    PERIOD_PARAMETER,
    CoordinationSerializer,
    month_from,
    status_fields,
)
from reporting.figures.department import cached_department_figures
from reporting.figures.indicator import indicator_history
from reporting.selectors import department_with_figures
from reporting.signed_off import history_for_reader

RAG_HELP = "green, amber, red or not_rated."
DIRECTION_HELP = "improved, unchanged, worse or no_comparison, against the same period last year."


def _figure(**kwargs) -> serializers.DecimalField:
    """A figure at the indicator's own decimal places (0 to 4), so no fixed places."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, **kwargs)


ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
ERRORS = {
    # 400 names the period when it is not a month key; 404 is a record outside scope.
    **error_responses(400, 404),
}


class ForecastSerializer(serializers.Serializer):
    """A counted return's year-end forecast beside its current status
    (``departments.forecasts.Forecast``)."""

    value = _figure(source="rounded_value", help_text="Rounded to the indicator's places.")
    target = _figure(allow_null=True, help_text="The annual target it is rated against.")
    rag = serializers.CharField(source="rag.value", help_text=RAG_HELP)
    confidence = serializers.ChoiceField(
        source="confidence.value", choices=ForecastConfidence.values
    )
    note = serializers.CharField()
    flag = serializers.CharField(
        help_text="Why the head of service should check it (a red status forecast on track, "
        "or a green one forecast off track); empty when there is nothing to check."
    )


class IndicatorYearToDateSerializer(serializers.Serializer):
    value = _figure(allow_null=True)
    target = _figure(allow_null=True, help_text="For sum indicators pro-rated to the period.")
    rag = serializers.CharField(source="rag.value", help_text=RAG_HELP)
    incomplete = serializers.BooleanField(help_text="A period in the range has no counted return.")
    periods_counted = serializers.IntegerField()
    periods_in_range = serializers.IntegerField()


class SparklinePointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = _figure(allow_null=True)


class SeriesField(serializers.ListField):
    """A series of (period, value) pairs as a list of {period, value}."""

    child = SparklinePointSerializer()

    def to_representation(self, data):
        return super().to_representation([{"period": p.key, "value": v} for p, v in data])


class IndicatorRowSerializer(serializers.Serializer):
    """``IndicatorRow``: the indicator read in its own period for the chosen month."""

    id = serializers.IntegerField(source="indicator.pk")
    code = serializers.CharField(source="indicator.code")
    title = serializers.CharField(source="indicator.title")
    period = serializers.CharField(
        source="period.key",
        allow_null=True,
        help_text="Null when no period of the indicator's kind has ended yet in the year.",
    )
    value = _figure(allow_null=True, help_text="Counted returns only: submitted or later.")
    period_target = _figure(allow_null=True)
    rag = serializers.CharField(source="rag.value", help_text=RAG_HELP)
    missing = serializers.BooleanField(
        help_text="Past its deadline without a counted return: timeliness is missing."
    )
    timeliness = serializers.ChoiceField(
        source="timeliness.state",
        choices=[t.value for t in Timeliness],
        allow_null=True,
        help_text="Where the period's return stands against its deadline, by the one rule: "
        + "; ".join(f"{t.value} ({t.label})" for t in Timeliness)
        + ". Null when no period of the indicator's kind has ended yet in the year.",
    )
    deadline = serializers.DateField(allow_null=True)
    year_to_date = IndicatorYearToDateSerializer(allow_null=True)
    previous_value = _figure(allow_null=True, help_text="The same period a year earlier.")
    previous_year_to_date = _figure(allow_null=True)
    direction = serializers.CharField(source="direction.value", help_text=DIRECTION_HELP)
    year_to_date_direction = serializers.CharField(
        source="year_to_date_direction.value", help_text=DIRECTION_HELP
    )
    commentary = serializers.CharField(help_text="Given for red periods only.")
    improvement_action = serializers.CharField(help_text="Given for red periods only.")
    forecast = ForecastSerializer(
        allow_null=True, help_text="The counted return's year-end forecast; null without one."
    )
    series = SeriesField(help_text="The sparkline: the last 12 periods, oldest first.")


class DependencyServiceSerializer(serializers.Serializer):
    """One partner service the department relies on, in the month."""

    service = serializers.IntegerField(source="service.pk")
    name = serializers.CharField(source="service.name")
    monthly_charge = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="service.monthly_charge"
    )
    entered = serializers.IntegerField(source="month.entered")
    missing = serializers.IntegerField(source="month.missing")
    health = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, source="month.health"
    )
    rag = serializers.CharField(source="month.rag.value", help_text=RAG_HELP)


class DependencyHealthSerializer(serializers.Serializer):
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Mean health of the rated services, weighted by monthly charge.",
    )
    rag = serializers.CharField(source="rag.value", help_text=RAG_HELP)
    status, status_reason = status_fields("status")
    services = serializers.SerializerMethodField()

    @extend_schema_field(DependencyServiceSerializer(many=True))
    def get_services(self, health) -> list:
        pairs = [{"service": service, "month": month} for service, month in health.services]
        return DependencyServiceSerializer(pairs, many=True).data


class DepartmentMetricsSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department.pk")
    name = serializers.CharField(source="department.name")
    period = serializers.CharField(source="month.key")
    returns_status, returns_status_reason = status_fields("returns_status")
    indicators = IndicatorRowSerializer(many=True, source="rows")
    coordination = CoordinationSerializer()
    dependency_health = DependencyHealthSerializer(source="dependency")


class DepartmentMetricsViewSet(viewsets.ViewSet):
    """A department's dashboard for a month: every active indicator's row, its
    coordination index and the dependency health of the partner services it relies on."""

    queryset = Department.objects.none()  # tells the schema the id is an integer

    @extend_schema(
        parameters=[ID_PARAMETER, PERIOD_PARAMETER],
        responses={200: DepartmentMetricsSerializer, **ERRORS},
    )
    def retrieve(self, request, pk=None):
        department = department_with_figures(request.user, pk)
        if department is None:
            raise NotFound("No such department.")
        month = month_from(request, department_id=department.pk)
        figures, _ = cached_department_figures(department, month)
        body = {"department": department, "month": month, **figures}
        return Response(DepartmentMetricsSerializer(body).data)


class IndicatorTrendPointSerializer(serializers.Serializer):
    """One period of the indicator's trend (``TrendPoint``)."""

    period = serializers.CharField(source="period.key")
    value = _figure(allow_null=True, help_text="Null without a counted return.")
    target = _figure(allow_null=True)
    rag = serializers.CharField(source="rag.value", help_text=RAG_HELP)
    state = serializers.CharField(
        source="kpi_return.state", allow_null=True, help_text="Null: no return for the period."
    )
    kpi_return = serializers.IntegerField(source="kpi_return.pk", allow_null=True)
    commentary = serializers.CharField(help_text="Of a counted return.")
    improvement_action = serializers.CharField(help_text="Of a counted return.")


class IndicatorMetricsSerializer(serializers.Serializer):
    indicator = IndicatorSerializer()
    period = serializers.CharField(source="month.key")
    row = IndicatorRowSerializer(
        allow_null=True, help_text="Null for an inactive indicator, which dashboards leave out."
    )
    trend = IndicatorTrendPointSerializer(
        many=True,
        help_text="Every period of the indicator's kind from its first return to the latest "
        "ended by the month's end, oldest first.",
    )


class IndicatorMetricsViewSet(viewsets.ViewSet):
    """One indicator for a month: its dashboard row (value, target, RAG, year to date,
    direction of travel) and its trend against target over every period with returns."""

    queryset = PerformanceIndicator.objects.none()  # tells the schema the id is an integer

    @extend_schema(
        parameters=[ID_PARAMETER, PERIOD_PARAMETER],
        responses={200: IndicatorMetricsSerializer, **ERRORS},
    )
    def retrieve(self, request, pk=None):
        indicators = PerformanceIndicator.objects.visible_to(request.user)
        indicator = indicators.filter(pk=pk).first()
        if indicator is None:
            raise NotFound("No such indicator.")
        month = month_from(request, department_id=indicator.department_id)
        history = history_for_reader(
            request.user, indicator_history(indicators=indicators, indicator=indicator, month=month)
        )
        return Response(IndicatorMetricsSerializer(history).data)

    @extend_schema(
        parameters=[ID_PARAMETER, *BENCHMARK_PARAMETERS],
        responses={200: IndicatorBenchmarkSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="benchmark")
    def benchmark(self, request, pk=None):
        """The indicator's benchmark metric against a comparator group: the council's
        value, the group's quartiles, rank, band, statement and direction, each period,
        with the methods."""
        indicator = PerformanceIndicator.objects.visible_to(request.user).filter(pk=pk).first()
        if indicator is None:
            raise NotFound("No such indicator.")
        body = indicator_benchmark(
            indicator=indicator, user=request.user, params=request.query_params
        )
        return Response(IndicatorBenchmarkSerializer(body).data)
