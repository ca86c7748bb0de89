"""One indicator's figures as of a chosen month (value against the period target, the same
period last year, the year to date as the indicator defines it, direction of travel) and
its trend against target over every period with returns.

``indicator_history`` gathers them for the indicator page (``reporting/pages/indicator.py``)
and for ``GET /api/v1/metrics/indicators/{id}/``, so the two cannot disagree. Neither
caches them: a month's figures come from five queries (``indicator_history``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from departments.models import KpiReturn, PerformanceIndicator
from departments.periods import Period, period_for_date, periods_between
from departments.rating import Rag
from reporting.metrics.returns import IndicatorRow, indicator_rows, stored_ratings


@dataclass(frozen=True)
class TrendPoint:
    """One period of an indicator's trend.

    ``value`` is the counted value (None without a counted return: no return, a draft or a
    return sent back) and ``target`` the period target, both rounded half-up to the
    indicator's places; ``rag`` rates the one against the other. ``kpi_return`` is the
    period's return in any state, or None.
    """

    period: Period
    value: Decimal | None
    target: Decimal | None
    rag: Rag
    kpi_return: KpiReturn | None

    @property
    def commentary(self) -> str:
        return self.kpi_return.commentary if self.value is not None else ""

    @property
    def improvement_action(self) -> str:
        return self.kpi_return.improvement_action if self.value is not None else ""


@dataclass(frozen=True)
class IndicatorHistory:
    """An indicator as of a chosen month.

    ``row`` is the indicator's row from ``indicator_rows`` (None for an inactive indicator,
    which the dashboards leave out). ``trend`` runs from the first period of the
    indicator's kind with a return up to the latest period of its kind that has ended by
    the month's last day, oldest first, every period in between included so that a gap
    shows. ``returns`` is every return of the indicator for a period ending by then,
    newest first, in any state.
    """

    indicator: PerformanceIndicator
    month: Period
    row: IndicatorRow | None
    trend: list[TrendPoint]
    returns: list[KpiReturn]

    @property
    def commentary(self) -> list[TrendPoint]:
        """Counted returns with commentary or an improvement action, newest first."""
        return [
            point for point in reversed(self.trend) if point.commentary or point.improvement_action
        ]


def indicator_history(
    *,
    indicators: QuerySet,
    indicator: PerformanceIndicator,
    month: Period,
    today: date | None = None,
) -> IndicatorHistory:
    """The indicator's figures as of ``month``; ``indicators`` is the user's scoped
    queryset and ``indicator`` one of it.

    Five queries whatever the number of periods: the three of ``indicator_rows``, then the
    indicator's returns and its stored ratings (``IndicatorRating``) for the trend's
    periods. Every figure comes from the read model of ratings, as the row's does.
    """
    rows = indicator_rows(indicators=indicators.filter(pk=indicator.pk), month=month, today=today)
    kind = indicator.period_kind
    last = period_for_date(month.end, kind)
    if last.end > month.end:  # still running at the month's end: the one before has ended
        last = last.previous()
    returns = list(
        KpiReturn.objects.filter(indicator=indicator, period_end__lte=month.end).order_by(
            "-period_end", "-period_start"
        )
    )
    own = {r.period: r for r in returns if Period.parse(r.period).kind == kind}
    trend = []
    if own:
        first = min(Period.parse(key) for key in own)
        shown = periods_between(first, last)
        rated = stored_ratings([indicator], {p.key for p in shown})[indicator.pk]
        for period in shown:
            stored = rated.get(period.key)
            trend.append(
                TrendPoint(
                    period=period,
                    value=stored.value if stored else None,
                    target=stored.period_target if stored else None,
                    rag=stored.rag if stored else Rag.NOT_RATED,
                    kpi_return=own.get(period.key),
                )
            )
    return IndicatorHistory(
        indicator=indicator,
        month=month,
        row=rows[0] if rows else None,
        trend=trend,
        returns=returns,
    )
