"""The council overview's figures for a month, shared by the page and the API (cached in
``reporting/figures/overview.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from departments.models import Department, Dimension, PerformanceIndicator
from departments.periods import Period
from reporting.metrics.coordination import Coordination, council_coordination
from reporting.metrics.partner_health import CouncilPartnerHealth, council_partner_health
from reporting.metrics.returns import (
    Direction,
    IndicatorRow,
    ReturnStanding,
    indicator_rows,
    return_standings,
)
from reporting.metrics.scores import share_score
from reporting.metrics.status import FigureStatus, returns_status


@dataclass(frozen=True)
class OverviewFigures:
    month: Period
    departments: list[Department]
    counts: dict[int, Counter]  # department id → green, amber, red, not_rated, missing
    on_target: dict[tuple[int, str], tuple[int, int]]  # (department, dimension) → (green, rated)
    statutory: list[IndicatorRow]  # in full: value, a year earlier, direction
    travel: list[tuple[Direction, int]]
    health: list[CouncilPartnerHealth]  # council partner health, 24 months
    coordination: list[Coordination]  # council coordination, 24 months
    missing: list[ReturnStanding]  # the one rule's "Missing"
    late: list[ReturnStanding]  # the one rule's "Submitted late"
    returns_status: FigureStatus  # of the RAG counts and on-target shares of the month

    def on_target_share(self, department_id: int, dimension: str) -> Decimal | None:
        green, rated = self.on_target.get((department_id, dimension), (0, 0))
        return share_score(green, rated)


def overview_figures(
    month: Period, months: list[Period], today: date | None = None
) -> OverviewFigures:
    """Everything the overview shows, from the metric functions (fixed queries).
    ``today`` (default: London today) decides which deadlines have passed, and so which
    figures are rated and which provisional.

    The counts read each indicator's standing for the month (its period's return only);
    the statutory indicators, shown with a year earlier and the direction of travel, are
    read in full (``indicator_rows``): a council's thousand indicators cost the same as
    its few dozen statutory ones would in full."""
    today = today or timezone.localdate()
    departments = list(Department.objects.filter(is_active=True).order_by("name"))
    indicators = PerformanceIndicator.objects.all()
    rows = return_standings(indicators=indicators, month=month, today=today)
    counts: dict[int, Counter] = {d.pk: Counter() for d in departments}
    on_target: dict[tuple[int, str], tuple[int, int]] = {}
    for row in rows:
        counts.setdefault(row.department_id, Counter())[
            "missing" if row.missing else row.rag.value
        ] += 1
        if row.rag.value in ("green", "amber", "red"):
            key = (row.department_id, row.indicator.dimension)
            green, rated = on_target.get(key, (0, 0))
            on_target[key] = (green + (row.rag.value == "green"), rated + 1)
    statutory = [
        r
        for r in indicator_rows(
            indicators=indicators.filter(statutory=True), month=month, today=today
        )
        if r.period is not None
    ]
    travel = Counter(r.direction for r in statutory)
    return OverviewFigures(
        month=month,
        departments=departments,
        counts=counts,
        on_target=on_target,
        statutory=statutory,
        travel=[(d, travel.get(d, 0)) for d in Direction],
        health=council_partner_health(months=months, today=today),
        # The overview shows the council's index over the months, not its median days.
        coordination=council_coordination(periods=months, today=today, median_periods=[]),
        missing=[r for r in rows if r.missing],
        late=[r for r in rows if r.late],
        returns_status=returns_status(month=month, rows=rows, today=today),
    )


DIMENSIONS = list(Dimension)
