"""One metric against one comparator group's series, period by period, from the database.

The figures are those of ``reporting.metrics.benchmark`` (its docstring states every
method); this module reads what they need in a constant number of queries (the series'
groups, their members, the metric's periods, the values), whatever the number of
councils or periods, and picks the group in force for each period.

The council's own figure is its published value (the row of its ONS area code), not
its returns: peers are compared on the publisher's definition, the council too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from departments import periods
from departments.benchmarks import selectors
from departments.models import BenchmarkMetric, ComparatorGroup, Council
from reporting.metrics import benchmark
from reporting.metrics.returns import Direction


@dataclass(frozen=True)
class PeriodComparison:
    """The council against the group in force for one period."""

    period: periods.Period
    group: ComparatorGroup
    # True when every model of the series is later than the period: its earliest model
    # is used, and the page says so.
    before_first_model: bool
    comparison: benchmark.Comparison
    areas: tuple[benchmark.Area, ...]  # the group with the council, for the distribution
    direction: Direction
    statement: str


@dataclass(frozen=True)
class BenchmarkSeries:
    metric: BenchmarkMetric
    council: Council
    group: ComparatorGroup  # the group asked for; each period has the one in force
    periods: list[PeriodComparison]  # oldest first

    def at(self, key: str) -> PeriodComparison | None:
        """The comparison of period ``key``, or None when the metric has no value then."""
        return next((item for item in self.periods if item.period.key == key), None)

    @property
    def latest(self) -> PeriodComparison | None:
        return self.periods[-1] if self.periods else None

    def latest_ended_by(self, day: date) -> PeriodComparison | None:
        """The comparison of the latest period that had ended by ``day``, or None."""
        ended = [item for item in self.periods if item.period.end <= day]
        return ended[-1] if ended else None


def benchmark_series(
    *,
    metric: BenchmarkMetric,
    group: ComparatorGroup,
    council: Council,
    extra_period: str | None = None,
) -> BenchmarkSeries:
    """Every period the metric has values for (and ``extra_period``, a key, if asked),
    each compared with the group of ``group``'s series in force that year. Four queries:
    the series with its members, the metric's periods, the values."""
    return _all_series([metric], group, council, extra_period)[metric.pk]


def _all_series(
    metrics: list[BenchmarkMetric],
    group: ComparatorGroup,
    council: Council,
    extra_period: str | None = None,
) -> dict[int, BenchmarkSeries]:
    """``benchmark_series`` of each metric, by metric id, read together: the same four
    queries for one metric or fifty."""
    series = selectors.series_of(group)
    ids = [metric.pk for metric in metrics]
    keys_of = selectors.periods_with_values(ids)
    keys = {metric.pk: set(keys_of.get(metric.pk, ())) for metric in metrics}
    if extra_period:
        for wanted in keys.values():
            wanted.add(extra_period)
    codes = {member.area_code for g in series for member in g.members.all()}
    if council.area_code:
        codes.add(council.area_code)
    stored = selectors.values_by_area(ids, codes, set().union(*keys.values()))
    return {
        metric.pk: _series(metric, group, council, series, keys[metric.pk], stored)
        for metric in metrics
    }


def _series(
    metric: BenchmarkMetric,
    group: ComparatorGroup,
    council: Council,
    series: list[ComparatorGroup],
    keys: set[str],
    stored: dict,
) -> BenchmarkSeries:
    ordered = sorted(periods.Period.parse(key) for key in keys)
    compared: dict[str, PeriodComparison] = {}
    items: list[PeriodComparison] = []
    for period in ordered:
        in_force = selectors.in_force(series, period.year)
        chosen = in_force or series[0]
        areas = [
            benchmark.Area(code, name, _value(stored.get((metric.pk, code, period.key))))
            for code, name in selectors.councils_of(chosen, council)
        ]
        comparison = benchmark.compare(
            council_code=council.area_code,
            areas=areas,
            polarity=metric.polarity,
            midpoint=metric.midpoint,
        )
        # A period of the earliest year a key can hold has none before it (a value
        # stored before imports refused such years must not break the page).
        earlier = (
            compared.get(period.same_period_last_year().key)
            if period.year > periods.MIN_YEAR
            else None
        )
        direction = benchmark.direction_against_median(
            comparison.gap_to_median,
            earlier.comparison.gap_to_median if earlier else None,
            metric.decimal_places,
        )
        item = PeriodComparison(
            period=period,
            group=chosen,
            before_first_model=in_force is None,
            comparison=comparison,
            areas=tuple(areas),
            direction=direction,
            statement=benchmark.statement(
                comparison,
                council=council.name,
                group=f"{chosen.name} under the {chosen.model_year} model",
                places=metric.decimal_places,
                midpoint=metric.midpoint,
                area_code_set=bool(council.area_code),
            ),
        )
        compared[period.key] = item
        items.append(item)
    return BenchmarkSeries(metric=metric, council=council, group=group, periods=items)


def _value(row) -> Decimal | None:
    return None if row is None else row.value


@dataclass(frozen=True)
class IndicatorComparison:
    """An indicator's benchmark metric and its comparison for one period (None when
    nothing is published for it then)."""

    indicator: object  # a PerformanceIndicator
    metric: BenchmarkMetric
    item: PeriodComparison | None


def indicator_comparisons(
    *,
    indicators,
    group: ComparatorGroup,
    council: Council,
    period_key: str | None = None,
    ended_by: date | None = None,
) -> list[IndicatorComparison]:
    """For each of ``indicators`` (a queryset) with a benchmark metric, its comparison with
    ``group``'s series for ``period_key`` (a key), or for its latest published period
    (that had ended by ``ended_by``, when given: a pack for a past month shows what was
    known then, not a later year). Five queries, whatever the number of metrics, councils
    and periods: the metrics, then ``benchmark_series``'s four for all of them at once."""
    metrics = list(
        BenchmarkMetric.objects.filter(indicator__in=indicators)
        .select_related("indicator", "indicator__department")
        .order_by("indicator__code", "code")
    )
    every = _all_series(metrics, group, council) if metrics else {}
    found = []
    for metric in metrics:
        figures = every[metric.pk]
        if period_key:
            item = figures.at(period_key)
        elif ended_by:
            item = figures.latest_ended_by(ended_by)
        else:
            item = figures.latest
        found.append(IndicatorComparison(metric.indicator, metric, item))
    return found
