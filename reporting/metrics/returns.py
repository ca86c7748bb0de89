"""KPI return metrics: year to date, RAG, direction of travel and the indicator table
(DESIGN.md section 3, "Indicator", "Target", "RAG" and "Direction of travel").

Which returns count: a return counts once it has been submitted, so its state is
submitted, approved or locked, with its figures (``departments.rating.is_counted``). A
draft, or a return sent back for correction, is still with the department: it gives no
value, no RAG and no year-to-date contribution. Whether it is missing, due, submitted on
time or late is the one rule's answer (``departments.rating.return_timeliness``).

Rounding: every figure is rounded half-up to the indicator's decimal places before it is
rated or compared (a period value, a year-to-date figure and its target, the values a
direction of travel compares).

Periods: financial years run 1 April to 31 March; a month is chosen (``2025-26-P06``)
and each indicator is read in periods of its own kind. Deadlines are working days in
England and Wales, judged against today's date in Europe/London.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db.models import QuerySet
from django.utils import timezone

from departments.forecasts import Forecast, forecast_of
from departments.models import IndicatorRating, KpiReturn, PerformanceIndicator, Polarity, Target
from departments.numbers import round_half_up
from departments.periods import Period, PeriodKind, period_for_date
from departments.rating import (
    COUNTED_FIELDS,
    Rag,
    ReturnTimeliness,
    Timeliness,
    YearToDateFigure,
    is_counted,
    return_timeliness,
)
from departments.rating import counted_value as counted_value  # re-exported for its callers
from departments.rating import year_to_date_target as year_to_date_target
from departments.returns.ratings import rated_as
from departments.returns.selectors import targets_of

# The name pages, exports and tests have always used for a year-to-date figure.
YearToDate = YearToDateFigure

SERIES_LENGTH = 12  # periods of the indicator's own kind in a sparkline
# The columns of a return that rows read (its value, rating, timeliness and what a page
# says of it): a council's table reads thousands of returns, and the rest (who and when
# of each step, the period's dates) would only be decoded to be thrown away.
ROW_FIELDS = (
    "indicator",
    "department",
    "period",
    *COUNTED_FIELDS,
    "commentary",
    "improvement_action",
    "forecast_value",
    "forecast_confidence",
    "forecast_note",
    "financial_year",  # which year's annual target rates the forecast
    "version",
    "submitted_at",
)
# What a standing (``return_standings``) reads of a return: its state and submission
# (timeliness), its figures (whether it counts) and its id (the late list links to it).
STANDING_FIELDS = ("indicator", "period", *COUNTED_FIELDS, "submitted_at")
RAG_COUNT_KEYS = ("green", "amber", "red", "not_rated", "missing")


class Direction(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"
    NO_COMPARISON = "no_comparison"

    @property
    def label(self) -> str:
        return {
            "improved": "Improved",
            "unchanged": "Unchanged",
            "worse": "Worse",
            "no_comparison": "No comparison",
        }[self]


def _latest_ended(kind: PeriodKind, month: Period) -> Period:
    """The latest period of ``kind`` that has ended by the last day of ``month`` (a
    quarter ending on that very day counts: September's end closes Q2)."""
    containing = period_for_date(month.end, kind)
    return containing if containing.end <= month.end else containing.previous()


def indicator_period_for(indicator: PerformanceIndicator, month: Period) -> Period | None:
    """The indicator's own period to show for a chosen month.

    A monthly indicator: the month itself. A quarterly or annual one: the latest period
    of its kind that has ended by the month's last day (P04, P05 and P06 give Q1, Q1 and
    Q2; P12 gives the year). None when no period of its kind has ended yet in the month's
    financial year (a quarterly indicator in P01 or P02, an annual one before P12): the
    month's page is about that year, so last year's figure is not passed off as this
    year's.
    """
    if month.kind is not PeriodKind.MONTH:
        raise ValueError(f"{month} is not a month")
    latest = _latest_ended(indicator.period_kind, month)
    return latest if latest.year == month.year else None


def direction_of_travel(
    indicator: PerformanceIndicator, current: Decimal | None, previous: Decimal | None
) -> Direction:
    """``current`` against ``previous`` (the same period a year earlier), with the
    indicator's polarity, on values rounded half-up to its places: values equal once
    rounded are unchanged. No comparison when either is missing."""
    if current is None or previous is None:
        return Direction.NO_COMPARISON
    current = round_half_up(current, indicator.decimal_places)
    previous = round_half_up(previous, indicator.decimal_places)
    if current == previous:
        return Direction.UNCHANGED
    better = current > previous if indicator.polarity == Polarity.HIGHER else current < previous
    return Direction.IMPROVED if better else Direction.WORSE


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator on a month's dashboard, read in its own period for the month.

    ``period`` is None when no period of the indicator's kind has ended yet in the
    month's financial year; then only ``series`` is filled. ``value`` and the figures
    built on it use counted returns only; ``kpi_return`` is the period's return in any
    state, so a page can say "Draft". ``timeliness``: the one rule's answer for that
    return (None without a period); ``missing`` and ``late`` read it. A missing return's
    ``rag`` is not rated, never green. ``series`` is the last 12 periods of the
    indicator's kind up to the latest that has ended by the month's end, oldest first,
    with counted values.
    """

    indicator: PerformanceIndicator
    period: Period | None
    kpi_return: KpiReturn | None
    value: Decimal | None
    period_target: Decimal | None
    rag: Rag
    timeliness: ReturnTimeliness | None
    deadline: date | None
    year_to_date: YearToDate | None
    previous_value: Decimal | None  # the same period a year earlier
    previous_year_to_date: Decimal | None
    direction: Direction
    year_to_date_direction: Direction
    commentary: str  # commentary and improvement action are shown for red returns only
    improvement_action: str
    series: list[tuple[Period, Decimal | None]]
    # The counted return's year-end forecast beside ``rag``, its current status, with
    # the flag for the head to check (departments.forecasts); None without one.
    forecast: Forecast | None = None

    @classmethod
    def before_first_period(
        cls, indicator: PerformanceIndicator, series: list[tuple[Period, Decimal | None]]
    ) -> IndicatorRow:
        """The row of an indicator none of whose periods has ended yet in the month's
        financial year: its ``series`` only, nothing rated, nothing to compare."""
        return cls(
            indicator=indicator,
            period=None,
            kpi_return=None,
            value=None,
            period_target=None,
            rag=Rag.NOT_RATED,
            timeliness=None,
            deadline=None,
            year_to_date=None,
            previous_value=None,
            previous_year_to_date=None,
            direction=Direction.NO_COMPARISON,
            year_to_date_direction=Direction.NO_COMPARISON,
            commentary="",
            improvement_action="",
            series=series,
        )

    @property
    def department_id(self) -> int:
        return self.indicator.department_id

    @property
    def missing(self) -> bool:
        """Past the deadline and not submitted (the one rule)."""
        return self.timeliness is not None and self.timeliness.state is Timeliness.MISSING

    @property
    def late(self) -> bool:
        """Submitted, but after the deadline day in London time (the one rule)."""
        return self.timeliness is not None and self.timeliness.state is Timeliness.LATE


def _trailing(last: Period, count: int) -> list[Period]:
    periods = [last]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return periods


def _keys_needed(kind: PeriodKind, month: Period) -> tuple[list[Period], set[str]]:
    """The sparkline window for ``kind`` and every period key the rows of that kind read:
    the window, and this year's and last year's periods to date."""
    latest = _latest_ended(kind, month)
    window = _trailing(latest, SERIES_LENGTH)
    keys = {p.key for p in window}
    if latest.year == month.year:
        keys |= {p.key for p in latest.periods_to_date()}
        keys |= {p.key for p in latest.same_period_last_year().periods_to_date()}
    return window, keys


@dataclass(frozen=True)
class _Rated:
    """An indicator's stored rating in one period (``IndicatorRating``), its figures
    rounded to the indicator's places as the rules give them."""

    value: Decimal | None
    period_target: Decimal | None
    rag: Rag
    year_to_date: Decimal | None
    year_to_date_target: Decimal | None
    year_to_date_rag: Rag
    periods_counted: int


# A period without a stored rating: no counted value, no target, nothing rated.
_UNRATED = _Rated(None, None, Rag.NOT_RATED, None, None, Rag.NOT_RATED, 0)
_RATING_FIELDS = (
    "value",
    "period_target",
    "rag",
    "year_to_date",
    "year_to_date_target",
    "year_to_date_rag",
    "periods_counted",
)


def stored_ratings(
    indicators: list[PerformanceIndicator], keys: set[str]
) -> dict[int, dict[str, _Rated]]:
    """The stored ratings (``IndicatorRating``) of ``indicators`` in the periods ``keys``,
    by indicator id and period key, figures rounded to each indicator's places; a period
    without a row is absent (nothing counted, nothing rated). One query."""
    wanted = [i.pk for i in indicators]
    return _ratings(wanted, keys, {i.pk: i.decimal_places for i in indicators})


def _stored_ratings(wanted, keys: set[str], places: dict[int, int], fields: tuple[str, ...]):
    """The one read of the stored ratings (``IndicatorRating``) of the ``wanted``
    indicators (ids, or a queryset of them) in the periods ``keys``: (indicator id, period
    key, the indicator's places, ``fields`` of the row) for each indicator of ``places``.
    One query."""
    rows = IndicatorRating.objects.filter(indicator__in=wanted, period__in=keys)
    for indicator_id, key, *figures in rows.values_list("indicator", "period", *fields):
        if indicator_id in places:
            yield indicator_id, key, places[indicator_id], figures


def _ratings(wanted, keys: set[str], places: dict[int, int]) -> dict[int, dict[str, _Rated]]:
    """The stored ratings of the ``wanted`` indicators in the periods ``keys``, by
    indicator id and period key, figures rounded to each indicator's places; one query."""
    found: dict[int, dict[str, _Rated]] = defaultdict(dict)
    for indicator_id, key, n, figures in _stored_ratings(wanted, keys, places, _RATING_FIELDS):
        value, target, rag, ytd, ytd_target, ytd_rag, counted = figures
        found[indicator_id][key] = _Rated(
            rated_as(value, n),
            rated_as(target, n),
            Rag(rag),
            rated_as(ytd, n),
            rated_as(ytd_target, n),
            Rag(ytd_rag),
            counted,
        )
    return found


def _period_ratings(
    wanted, keys: set[str], places: dict[int, int]
) -> dict[tuple[int, str], tuple[Decimal | None, Rag]]:
    """``_ratings``' value and RAG alone, keyed (indicator id, period key): what a
    standing shows, read from the same rows and rounded the same way; one query."""
    return {
        (indicator_id, key): (rated_as(value, n), Rag(rag))
        for indicator_id, key, n, (value, rag) in _stored_ratings(
            wanted, keys, places, ("value", "rag")
        )
    }


def _row(
    indicator: PerformanceIndicator,
    month: Period,
    rated: dict[str, _Rated],
    kpi_return: KpiReturn | None,
    window: list[Period],
    today: date,
    forecast_targets: dict[tuple[int, int], Target],
) -> IndicatorRow:
    series = [(p, rated.get(p.key, _UNRATED).value) for p in window]
    period = indicator_period_for(indicator, month)
    if period is None:
        return IndicatorRow.before_first_period(indicator, series)
    this = rated.get(period.key, _UNRATED)
    last_year = rated.get(period.same_period_last_year().key, _UNRATED)
    timeliness = return_timeliness(
        indicator=indicator, kpi_return=kpi_return, period=period, today=today
    )
    in_range = len(period.periods_to_date())
    ytd = YearToDate(
        value=this.year_to_date,
        target=this.year_to_date_target,
        rag=this.year_to_date_rag,
        incomplete=this.periods_counted < in_range,
        periods_counted=this.periods_counted,
        periods_in_range=in_range,
    )
    red = this.rag == Rag.RED  # a red value comes from a counted return, never from None
    return IndicatorRow(
        indicator=indicator,
        period=period,
        kpi_return=kpi_return,
        value=this.value,
        period_target=this.period_target,
        rag=this.rag,
        timeliness=timeliness,
        deadline=timeliness.deadline,
        year_to_date=ytd,
        previous_value=last_year.value,
        previous_year_to_date=last_year.year_to_date,
        direction=direction_of_travel(indicator, this.value, last_year.value),
        year_to_date_direction=direction_of_travel(indicator, ytd.value, last_year.year_to_date),
        commentary=kpi_return.commentary if red else "",
        improvement_action=kpi_return.improvement_action if red else "",
        series=series,
        forecast=_shown_forecast(indicator, kpi_return, forecast_targets, this.rag),
    )


def _shown_forecast(
    indicator: PerformanceIndicator,
    kpi_return: KpiReturn | None,
    targets: dict[tuple[int, int], Target],
    current: Rag,
) -> Forecast | None:
    """The forecast of a counted return, rated against its year's annual target from
    ``targets`` (``targets_of``); None for a draft's, which is still with the department."""
    if not is_counted(indicator, kpi_return):
        return None
    target = targets.get((indicator.pk, kpi_return.financial_year))
    return forecast_of(indicator, kpi_return, target, current)


def _periods_for(chosen: list[PerformanceIndicator], month: Period) -> dict[int, Period | None]:
    """``indicator_period_for`` of each indicator, by id: worked out once per kind of
    period (three at most), not once per indicator of a thousand."""
    by_kind: dict[PeriodKind, Period | None] = {}
    for indicator in chosen:
        if indicator.period_kind not in by_kind:
            by_kind[indicator.period_kind] = indicator_period_for(indicator, month)
    return {i.pk: by_kind[i.period_kind] for i in chosen}


def _own_returns(
    wanted: QuerySet, periods: dict[int, Period | None], fields: tuple[str, ...] = ROW_FIELDS
) -> dict[int, KpiReturn]:
    """Each indicator's return (any state) for its period of the month, by indicator id;
    one query, reading ``fields`` of each."""
    keys = {p.key for p in periods.values() if p is not None}
    return {
        r.indicator_id: r
        for r in KpiReturn.objects.filter(indicator__in=wanted, period__in=keys).only(*fields)
        if (p := periods.get(r.indicator_id)) is not None and p.key == r.period
    }


def indicator_rows(
    *, indicators: QuerySet, month: Period, today: date | None = None
) -> list[IndicatorRow]:
    """A row for each active indicator of ``indicators`` (an already scoped queryset)
    for the chosen month, ordered by department name and code.

    Three queries whatever the number of indicators: the indicators with their
    departments, their stored ratings (``IndicatorRating``: the month's period, the same
    period a year earlier and the 12-period sparkline windows, every kind at once), and
    the month's returns themselves (their state, submission, commentary and forecast);
    a fourth, the annual targets (``targets_of``), when a counted return has a year-end
    forecast to rate.
    ``today`` (default: today in Europe/London) decides which deadlines have passed.
    """
    if month.kind is not PeriodKind.MONTH:
        raise ValueError(f"{month} is not a month")
    today = today or timezone.localdate()
    active = indicators.active()
    chosen = list(active.select_related("department").order_by("department__name", "code"))
    if not chosen:
        return []
    windows: dict[PeriodKind, list[Period]] = {}
    keys: set[str] = set()
    for kind in {indicator.period_kind for indicator in chosen}:
        windows[kind], kind_keys = _keys_needed(kind, month)
        keys |= kind_keys
    # A subquery rather than a list of ids, so a council of thousands of indicators
    # does not meet the database's limit on query parameters.
    wanted = active.order_by().values("pk")
    ratings = _ratings(wanted, keys, {i.pk: i.decimal_places for i in chosen})
    returns = _own_returns(wanted, _periods_for(chosen, month))
    # The targets that rate the forecasts shown: those of counted returns only.
    forecast_targets = targets_of(
        [
            kpi_return
            for indicator in chosen
            if (kpi_return := returns.get(indicator.pk)) is not None
            and kpi_return.has_forecast
            and is_counted(indicator, kpi_return)
        ]
    )
    return [
        _row(
            indicator,
            month,
            ratings[indicator.pk],
            returns.get(indicator.pk),
            windows[indicator.period_kind],
            today,
            forecast_targets,
        )
        for indicator in chosen
    ]


@dataclass(frozen=True)
class ReturnStanding:
    """Where an indicator's return for a month's own period stands: its counted value
    and RAG, and the one rule's answer (``return_timeliness``), as an ``IndicatorRow``
    gives them, without the year to date, the year-earlier comparison and the series."""

    indicator: PerformanceIndicator
    period: Period
    kpi_return: KpiReturn | None
    value: Decimal | None
    rag: Rag
    timeliness: ReturnTimeliness

    @property
    def department_id(self) -> int:
        return self.indicator.department_id

    @property
    def deadline(self) -> date:
        return self.timeliness.deadline

    @property
    def missing(self) -> bool:
        return self.timeliness.state is Timeliness.MISSING

    @property
    def late(self) -> bool:
        return self.timeliness.state is Timeliness.LATE


def return_standings(
    *, indicators: QuerySet, month: Period, today: date | None = None
) -> list[ReturnStanding]:
    """For each active indicator of ``indicators`` with a period of its kind ended in the
    month's year: its return for that period, its value and RAG, and whether it is
    missing, due, on time or late as of ``today`` (default: London today); ordered as
    ``indicator_rows``.

    The same answers as ``indicator_rows`` gives each row, for the period only (three
    queries: the indicators with their departments, the stored ratings, the returns),
    for the overview's counts of a council of a thousand indicators and the early
    warnings that ask it of every past month.
    """
    if month.kind is not PeriodKind.MONTH:
        raise ValueError(f"{month} is not a month")
    today = today or timezone.localdate()
    # A council's thousand indicators share a few dozen departments: each is read once
    # (prefetched), not built again for every indicator (joined).
    chosen = list(
        indicators.active().prefetch_related("department").order_by("department__name", "code")
    )
    periods = _periods_for(chosen, month)
    keys = {p.key for p in periods.values() if p is not None}
    wanted = indicators.active().order_by().values("pk")
    ratings = _period_ratings(wanted, keys, {i.pk: i.decimal_places for i in chosen})
    returns = _own_returns(wanted, periods, STANDING_FIELDS)
    standings = []
    for indicator in chosen:
        period = periods[indicator.pk]
        if period is None:
            continue
        kpi_return = returns.get(indicator.pk)
        value, rag = ratings.get((indicator.pk, period.key), (None, Rag.NOT_RATED))
        standings.append(
            ReturnStanding(
                indicator=indicator,
                period=period,
                kpi_return=kpi_return,
                value=value,
                rag=rag,
                timeliness=return_timeliness(
                    indicator=indicator, kpi_return=kpi_return, period=period, today=today
                ),
            )
        )
    return standings


def rag_counts(
    *, indicators: QuerySet, month: Period, today: date | None = None
) -> dict[int, Counter]:
    """Per department id: how many of its indicators are green, amber, red, not rated or
    missing for the month (each indicator counted once: a missing return counts as
    missing, not as not rated). Indicators with no period of their kind ended yet in the
    month's year are not counted, though their department still appears. Three queries,
    as ``indicator_rows``."""
    return counts_by_department(indicator_rows(indicators=indicators, month=month, today=today))


def counts_by_department(rows: list[IndicatorRow]) -> dict[int, Counter]:
    """``rag_counts`` of rows already read (a report that also shows the rows)."""
    result: dict[int, Counter] = {}
    for row in rows:
        tally = result.setdefault(row.department_id, Counter(dict.fromkeys(RAG_COUNT_KEYS, 0)))
        if row.period is None:
            continue
        tally["missing" if row.missing else row.rag.value] += 1
    return result
