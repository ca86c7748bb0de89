"""Today's base-row computation of the return ratings, kept as the reference the read
model of ratings is proven against (tests/departments/test_rating_read_model.py).

These are ``indicator_rows`` and ``return_standings`` as they were before the read model
(issue 17): they read every return and target of the window and rate them in Python with
the rule functions of ``departments.rating``. The product reads ``IndicatorRating``
instead; the test asserts the two give equal rows, to the decimal place.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from departments.models import KpiReturn, PerformanceIndicator, Target
from departments.numbers import round_half_up
from departments.periods import Period, PeriodKind
from departments.rating import (
    Rag,
    counted_value,
    period_target,
    rate_period_value,
    return_timeliness,
    year_to_date,
)
from reporting.metrics.returns import (
    ROW_FIELDS,
    IndicatorRow,
    ReturnStanding,
    _latest_ended,
    _trailing,
    direction_of_travel,
    indicator_period_for,
)

SERIES_LENGTH = 12


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


def _row(
    indicator: PerformanceIndicator,
    month: Period,
    own: dict[str, KpiReturn],
    target: Target | None,
    window: list[Period],
    today: date,
) -> IndicatorRow:
    series = [(p, counted_value(indicator, own.get(p.key))) for p in window]
    period = indicator_period_for(indicator, month)
    if period is None:
        return IndicatorRow.before_first_period(indicator, series)
    places = indicator.decimal_places
    kpi_return = own.get(period.key)
    value = counted_value(indicator, kpi_return)
    this_target = period_target(indicator, target, period)
    rag = rate_period_value(indicator, target, period, value)
    timeliness = return_timeliness(
        indicator=indicator, kpi_return=kpi_return, period=period, today=today
    )
    last_year = period.same_period_last_year()
    previous_value = counted_value(indicator, own.get(last_year.key))
    ytd = year_to_date(indicator, own, period, target=target)
    previous_ytd = year_to_date(indicator, own, last_year, target=None).value
    red = rag == Rag.RED  # a red value comes from a counted return, never from None
    return IndicatorRow(
        indicator=indicator,
        period=period,
        kpi_return=kpi_return,
        value=value,
        period_target=None if this_target is None else round_half_up(this_target, places),
        rag=rag,
        timeliness=timeliness,
        deadline=timeliness.deadline,
        year_to_date=ytd,
        previous_value=previous_value,
        previous_year_to_date=previous_ytd,
        direction=direction_of_travel(indicator, value, previous_value),
        year_to_date_direction=direction_of_travel(indicator, ytd.value, previous_ytd),
        commentary=kpi_return.commentary if red else "",
        improvement_action=kpi_return.improvement_action if red else "",
        series=series,
    )


def reference_indicator_rows(
    *, indicators: QuerySet, month: Period, today: date | None = None
) -> list[IndicatorRow]:
    """A row for each active indicator of ``indicators`` (an already scoped queryset)
    for the chosen month, ordered by department name and code.

    Three queries whatever the number of indicators: the indicators with their
    departments, their returns (this and last financial year to date and the 12-period
    sparkline windows, every kind at once), and their targets for the month's year.
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
    own: dict[int, dict[str, KpiReturn]] = defaultdict(dict)
    for kpi_return in KpiReturn.objects.filter(indicator__in=wanted, period__in=keys).only(
        *ROW_FIELDS
    ):
        own[kpi_return.indicator_id][kpi_return.period] = kpi_return
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator__in=wanted, financial_year=month.year)
    }
    return [
        _row(
            indicator,
            month,
            own[indicator.pk],
            targets.get(indicator.pk),
            windows[indicator.period_kind],
            today,
        )
        for indicator in chosen
    ]


def reference_return_standings(
    *, indicators: QuerySet, month: Period, today: date | None = None
) -> list[ReturnStanding]:
    """For each active indicator of ``indicators`` with a period of its kind ended in the
    month's year: its return for that period, its value and RAG, and whether it is
    missing, due, on time or late as of ``today`` (default: London today); ordered as
    ``indicator_rows``.

    The same answers as ``indicator_rows`` gives each row, read from the period's returns
    only (three queries: the indicators with their departments, the returns, the
    targets), for the overview's counts of a council of a thousand indicators and the
    early warnings that ask it of every past month.
    """
    if month.kind is not PeriodKind.MONTH:
        raise ValueError(f"{month} is not a month")
    today = today or timezone.localdate()
    chosen = list(
        indicators.active().select_related("department").order_by("department__name", "code")
    )
    periods = {i.pk: indicator_period_for(i, month) for i in chosen}
    keys = {p.key for p in periods.values() if p is not None}
    wanted = indicators.active().order_by().values("pk")
    returns = {
        (r.indicator_id, r.period): r
        for r in KpiReturn.objects.filter(indicator__in=wanted, period__in=keys).only(*ROW_FIELDS)
    }
    targets = {
        t.indicator_id: t
        for t in Target.objects.filter(indicator__in=wanted, financial_year=month.year)
    }
    standings = []
    for indicator in chosen:
        period = periods[indicator.pk]
        if period is None:
            continue
        kpi_return = returns.get((indicator.pk, period.key))
        value = counted_value(indicator, kpi_return)
        standings.append(
            ReturnStanding(
                indicator=indicator,
                period=period,
                kpi_return=kpi_return,
                value=value,
                rag=rate_period_value(indicator, targets.get(indicator.pk), period, value),
                timeliness=return_timeliness(
                    indicator=indicator, kpi_return=kpi_return, period=period, today=today
                ),
            )
        )
    return standings
