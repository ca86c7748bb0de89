"""The combined view's figures (DESIGN.md section 3): partner health against coordination
over the trailing 24 months, for the council and for each department, and how the changes
of one follow the other. Shared by the page, the API, the exports and the early warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from departments.models import Department
from departments.periods import Period
from partnerships.models import Partnership
from reporting.metrics.coordination import (
    Coordination,
    coordination_by_department,
    council_coordination,
)
from reporting.metrics.dependency import DependencyHealth, dependency_health
from reporting.metrics.health import (
    ContractHealth,
    ServiceMonths,
    contract_health_series,
    service_months,
    trailing_months,
)
from reporting.metrics.partner_health import CouncilPartnerHealth, council_partner_health
from reporting.metrics.relation import (
    WINDOW,
    Relation,
    Series,
    changes,
    department_subjects,
    relation,
)
from reporting.metrics.scores import GREEN_FROM
from reporting.metrics.status import FigureStatus

# A fitted line needs the lag it is drawn for; without a best lag the scatter shows the
# changes of the same month.
DEFAULT_LAG = 0


@dataclass(frozen=True)
class Spell:
    """Consecutive months in which partner health was rated below green: the episodes
    the chart shades."""

    first: Period
    last: Period

    @property
    def months(self) -> int:
        count, month = 1, self.first
        while month != self.last:
            month, count = month.next(), count + 1
        return count


@dataclass(frozen=True)
class DepartmentRelation:
    """One department in the chosen month, and over the window its coordination index
    against its dependency health."""

    department: Department
    coordination: Coordination
    dependency: DependencyHealth
    relation: Relation
    coordination_series: Series
    dependency_series: Series

    def finding(self) -> str:
        """How the department's coordination follows its dependency health, in words."""
        return self.relation.finding(WINDOW, subjects=department_subjects(self.department.name))


@dataclass(frozen=True)
class ChangePoint:
    """One pair of the scatter: the health change in ``month`` and the coordination change
    ``lag`` months later."""

    month: Period
    later: Period
    health_change: Decimal
    coordination_change: Decimal
    provisional: bool = False  # the health change is to or from a provisional month


@dataclass(frozen=True)
class CombinedFigures:
    month: Period
    months: list[Period]
    partnership: Partnership | None  # None: the council's partner health
    health: Series  # partner health, council-level or the chosen partnership's
    health_statuses: list[FigureStatus]  # of each month of ``health``
    coordination: list[Coordination]  # council-wide
    relation: Relation
    departments: list[DepartmentRelation]

    @property
    def coordination_series(self) -> Series:
        return [(c.period, c.index) for c in self.coordination]

    @property
    def spells(self) -> list[Spell]:
        return below_green_spells(self.health)

    @property
    def lag_shown(self) -> int:
        return self.relation.best.lag if self.relation.best else DEFAULT_LAG

    @property
    def health_status(self) -> FigureStatus:
        """The status of partner health in the chosen month."""
        return self.health_statuses[-1]

    def change_points(self) -> list[ChangePoint]:
        """The scatter's pairs, each health change to or from a provisional month so
        labelled."""
        provisional = {
            month
            for (month, _), status in zip(self.health, self.health_statuses, strict=True)
            if status.provisional
        }
        return [
            replace(point, provisional=bool({point.month, point.month.previous()} & provisional))
            for point in change_points(self.health, self.coordination_series, self.lag_shown)
        ]

    def finding(self) -> str:
        return self.relation.finding(WINDOW)


def below_green_spells(series: Series) -> list[Spell]:
    spells: list[Spell] = []
    start = end = None
    for month, value in series:
        if value is not None and value < GREEN_FROM:
            start, end = start or month, month
        elif start is not None:
            spells.append(Spell(start, end))
            start = end = None
    if start is not None:
        spells.append(Spell(start, end))
    return spells


def change_points(health: Series, coordination: Series, lag: int) -> list[ChangePoint]:
    """The pairs the relation correlates at ``lag``, with their months, oldest first."""
    health_changes, coordination_changes = _decimal_changes(health), _decimal_changes(coordination)
    points = []
    for month in sorted(health_changes, key=lambda period: period.start):
        later = month
        for _ in range(lag):
            later = later.next()
        if later in coordination_changes:
            points.append(
                ChangePoint(month, later, health_changes[month], coordination_changes[later])
            )
    return points


def _decimal_changes(series: Series) -> dict[Period, Decimal]:
    # The same months as relation.changes, kept exact for the table beside the scatter.
    values = dict(series)
    return {month: values[month] - values[month.previous()] for month in changes(series)}


def fitted_line(points: list[ChangePoint]) -> tuple[float, float] | None:
    """Least-squares slope and intercept of coordination change on health change."""
    if len(points) < 2:
        return None
    xs = [float(p.health_change) for p in points]
    ys = [float(p.coordination_change) for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x


def partner_health_months(
    months: list[Period],
    partnership: Partnership | None,
    today: date | None = None,
    by_service: ServiceMonths | None = None,
) -> list[CouncilPartnerHealth] | list[ContractHealth]:
    """Council-level partner health, or one partnership's contract health, per month;
    each has ``period``, ``score``, ``rag`` and ``status``. ``by_service``: the service
    months already read (``service_months``), if any."""
    if partnership is None:
        return council_partner_health(months=months, today=today, by_service=by_service)
    return contract_health_series(
        partnership=partnership, months=months, today=today, by_service=by_service
    )


def partner_health_series(
    months: list[Period], partnership: Partnership | None, today: date | None = None
) -> Series:
    """``partner_health_months`` as (month, score) pairs; a month without a figure (outside
    the contract, not ended) is None."""
    return [(h.period, h.score) for h in partner_health_months(months, partnership, today)]


def exact_health(health) -> Fraction | None:
    """A month's partner health unrounded (an exact fraction), or None where it has no
    figure (not ended, outside the contract): the lag correlation is measured on exact
    values."""
    return health.exact if health.score is not None else None


def combined_figures(
    month: Period,
    *,
    departments: list[Department],
    partnership: Partnership | None = None,
    today: date | None = None,
) -> CombinedFigures:
    """The combined view for ``month``: ``departments`` are the ones the reader may see,
    each with its own relation. Fixed queries whatever the number of referrals. ``today``
    (default: today in London) decides which referrals are late and which deadlines
    have passed."""
    months = trailing_months(month, WINDOW)
    # Every active department's coordination at once: the council series needs them all.
    # The view shows no median days, so the histogram behind them is not read.
    by_department = coordination_by_department(periods=months, today=today, median_periods=[])
    council = council_coordination(
        periods=months, today=today, by_department=by_department, median_periods=[]
    )
    # The services' SLA results, read once for partner health and dependency health.
    by_service = service_months(partnership_ids=Partnership.objects.values("pk"), months=months)
    health_months = partner_health_months(months, partnership, today, by_service)
    dependencies = dependency_health(
        months=months,
        department_ids=[d.pk for d in departments],
        today=today,
        by_service=by_service,
    )
    rows = []
    for department in departments:
        coordination_series = [(m, by_department[(department.pk, m.key)].index) for m in months]
        dependency_series = [(m, dependencies[(department.pk, m.key)].score) for m in months]
        rows.append(
            DepartmentRelation(
                department=department,
                coordination=by_department[(department.pk, month.key)],
                dependency=dependencies[(department.pk, month.key)],
                # The relation uses the exact monthly figures (DESIGN.md 3, "Combined
                # view"); the series shown beside it are the rounded ones people read.
                relation=relation(
                    [(m, dependencies[(department.pk, m.key)].exact) for m in months],
                    [(m, by_department[(department.pk, m.key)].index_exact) for m in months],
                ),
                coordination_series=coordination_series,
                dependency_series=dependency_series,
            )
        )
    return CombinedFigures(
        month=month,
        months=months,
        partnership=partnership,
        health=[(h.period, h.score) for h in health_months],
        health_statuses=[h.status for h in health_months],
        coordination=council,
        relation=relation(
            [(h.period, exact_health(h)) for h in health_months],
            [(c.period, c.index_exact) for c in council],
        ),
        departments=rows,
    )
