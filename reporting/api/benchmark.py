"""``metrics/indicators/{id}/benchmark/``: the indicator against a comparator group.

The same figures as the indicator page's comparison section (reporting.metrics.
benchmark_series), each with the method that made it. Figures are exact decimals as
text (a median of two one-place figures has two places); the statement rounds them to
the metric's places.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError

from departments import periods
from departments.benchmarks import selectors
from departments.models import BenchmarkMetric, ComparatorGroup, Council, PerformanceIndicator
from reporting.metrics import benchmark
from reporting.metrics.benchmark_series import BenchmarkSeries, PeriodComparison, benchmark_series

BENCHMARK_PARAMETERS = [
    OpenApiParameter(
        "group",
        OpenApiTypes.INT,
        description=(
            "A comparator group's id; the group of its series (same name and kind) in "
            "force for each period's year is used. Default: the first group by name."
        ),
        required=False,
    ),
    OpenApiParameter(
        "period",
        OpenApiTypes.STR,
        description=(
            "A period such as 2021-22 (or 2021/22) or 2022-23-Q1 (or 2022-23;Q1); "
            "default: the latest with values."
        ),
        required=False,
    ),
    OpenApiParameter(
        "metric",
        OpenApiTypes.STR,
        description="The code of one of the benchmark metrics mapped to the indicator; "
        "default: the first by code.",
        required=False,
    ),
]


def _exact(help_text: str = "An exact decimal, as text.") -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text=help_text)


class BenchmarkPeriodSerializer(serializers.Serializer):
    period = serializers.CharField()
    period_label = serializers.CharField()
    group = serializers.IntegerField(help_text="The group in force for this period.")
    group_name = serializers.CharField()
    model_year = serializers.IntegerField()
    before_first_model = serializers.BooleanField(
        help_text="Every model of the series is later than this period: its earliest is used."
    )
    council_value = _exact()
    councils = serializers.IntegerField(help_text="Councils in the group, the council included.")
    reporting = serializers.IntegerField(help_text="Of them, those with a figure.")
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Councils of the group without a figure."
    )
    lowest = _exact()
    lower_quartile = _exact()
    median = _exact()
    upper_quartile = _exact()
    highest = _exact()
    mad = _exact(help_text="Median absolute deviation (better-is-higher scale), exact.")
    mads_from_median = _exact(help_text="Better is positive; null when the MAD is 0.")
    gap_to_median = _exact(help_text="Better is positive.")
    rank = serializers.IntegerField(allow_null=True, help_text="1 is best; ties share the best.")
    rank_of = serializers.IntegerField()
    band = serializers.CharField(allow_null=True)
    band_label = serializers.CharField(allow_null=True)
    likeness = serializers.CharField(allow_null=True)
    direction = serializers.CharField(help_text="Against the group median, a year earlier.")
    statement = serializers.CharField()


class BenchmarkMetricSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    polarity = serializers.CharField()
    midpoint = _exact()
    decimal_places = serializers.IntegerField()


class BenchmarkGroupSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    model_year = serializers.IntegerField()


class BenchmarkMethodsSerializer(serializers.Serializer):
    group = serializers.CharField()
    quartiles = serializers.CharField()
    rank = serializers.CharField()
    band = serializers.CharField()
    statement = serializers.CharField()
    direction = serializers.CharField()


class IndicatorBenchmarkSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    council = serializers.CharField()
    area_code = serializers.CharField()
    metric = BenchmarkMetricSummarySerializer()
    group = BenchmarkGroupSummarySerializer()
    comparison = BenchmarkPeriodSerializer(allow_null=True)
    series = BenchmarkPeriodSerializer(many=True)
    methods = BenchmarkMethodsSerializer()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def period_row(item: PeriodComparison) -> dict:
    """One period's figures as the API and the page's data table give them."""
    c = item.comparison
    q = c.quartiles
    return {
        "period": item.period.key,
        "period_label": item.period.label,
        "group": item.group.pk,
        "group_name": item.group.name,
        "model_year": item.group.model_year,
        "before_first_model": item.before_first_model,
        "council_value": _text(c.council_value),
        "councils": c.councils,
        "reporting": c.reporting,
        "missing": list(c.missing),
        "lowest": _text(c.lowest),
        "lower_quartile": _text(q.lower if q else None),
        "median": _text(q.median if q else None),
        "upper_quartile": _text(q.upper if q else None),
        "highest": _text(c.highest),
        "mad": _text(c.mad),
        "mads_from_median": _text(c.mads_from_median),
        "gap_to_median": _text(c.gap_to_median),
        "rank": c.rank,
        "rank_of": c.reporting,
        "band": c.band.value if c.band else None,
        "band_label": c.band.label if c.band else None,
        "likeness": c.likeness.value if c.likeness else None,
        "direction": item.direction.value,
        "statement": item.statement,
    }


def choose_metric(indicator: PerformanceIndicator, code: str | None) -> BenchmarkMetric:
    """The metric mapped to the indicator (``code``, or the first by code); 404 if none."""
    metrics = BenchmarkMetric.objects.filter(indicator=indicator).order_by("code")
    metric = metrics.filter(code=code).first() if code else metrics.first()
    if metric is None:
        raise NotFound(
            f"No benchmark metric {code!r} is mapped to this indicator."
            if code
            else "No benchmark metric is mapped to this indicator."
        )
    return metric


def choose_group(user, raw: str | None) -> ComparatorGroup:
    """The ``?group=`` comparator group the user sees (default: the first by name)."""
    try:
        group = selectors.chosen_group(user, raw)
    except ValueError as error:
        raise ValidationError({"group": [str(error)]}) from error
    if group is None:
        raise NotFound("There are no comparator groups yet.")
    return group


def chosen_period(raw: str | None) -> str | None:
    """The ``?period=`` key (a year, quarter or month), or None; 400 naming the problem.
    The period may be written as the imported files write it (2021/22, 2022-23;Q1), so
    a figure is asked for as it was published (``periods.key_from_published``)."""
    if raw in (None, ""):
        return None
    try:
        return periods.key_from_published(raw)
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from error


def indicator_benchmark(*, indicator: PerformanceIndicator, user, params) -> dict:
    """The body of ``metrics/indicators/{id}/benchmark/``."""
    metric = choose_metric(indicator, params.get("metric"))
    group = choose_group(user, params.get("group"))
    period_key = chosen_period(params.get("period"))
    council = Council.objects.get(pk=indicator.council_id)
    figures: BenchmarkSeries = benchmark_series(
        metric=metric, group=group, council=council, extra_period=period_key
    )
    chosen = figures.at(period_key) if period_key else figures.latest
    return {
        "indicator": indicator.pk,
        "council": council.name,
        "area_code": council.area_code,
        "metric": {
            "id": metric.pk,
            "code": metric.code,
            "title": metric.title,
            "polarity": metric.polarity,
            "midpoint": _text(metric.midpoint),
            "decimal_places": metric.decimal_places,
        },
        "group": {
            "id": group.pk,
            "name": group.name,
            "kind": group.kind,
            "model_year": group.model_year,
        },
        "comparison": period_row(chosen) if chosen else None,
        "series": [period_row(item) for item in figures.periods],
        "methods": {
            "group": benchmark.GROUP_METHOD,
            "quartiles": benchmark.QUARTILE_METHOD,
            "rank": benchmark.RANK_METHOD,
            "band": benchmark.BAND_METHOD,
            "statement": benchmark.STATEMENT_METHOD,
            "direction": benchmark.DIRECTION_METHOD,
        },
    }
