"""The coordination page's figures for a month, for its page
(``reporting/pages/coordination.py``) and ``GET /api/v1/metrics/coordination/``."""

from __future__ import annotations

from dataclasses import dataclass

from departments.models import Department
from departments.periods import Period
from reporting.figures.cache import cached_figures
from reporting.metrics.coordination import (
    Coordination,
    PairCell,
    coordination_by_department,
    council_coordination,
    department_matrix,
)
from reporting.metrics.dependency import DependencyHealth, dependency_health
from reporting.metrics.health import trailing_months


@dataclass(frozen=True)
class CoordinationFigures:
    """The coordination page's figures for a month (and its API's): every department shown,
    over the 24 months to the month."""

    month: Period
    months: list[Period]
    departments: list[Department]  # those shown: the active ones the reader may see
    by_department: dict[tuple[int, str], Coordination]  # (department id, month key)
    council: list[Coordination] | None  # the council's series, for council-wide readers
    dependencies: dict[tuple[int, str], DependencyHealth]  # the month only
    everyone: list[Department]  # every active department, for the matrix
    matrix: dict[tuple[int, int], PairCell] | None  # council-wide readers only


def cached_coordination_figures(
    month: Period, departments: list[Department], *, council_wide: bool
) -> tuple[CoordinationFigures, bool]:
    """``coordination_figures``, cached until a write retires it (``reporting/figures/cache.py``):
    the page and the API read the same entry. The figures depend on the departments shown
    and on whether the council's are wanted, never on the person."""
    return cached_figures(
        "coordination",
        month=month,
        scope=[council_wide, *(d.pk for d in departments)],
        build=lambda: coordination_figures(month, departments, council_wide=council_wide),
    )


def coordination_figures(
    month: Period, departments: list[Department], *, council_wide: bool
) -> CoordinationFigures:
    months = trailing_months(month)
    # Every department shown over the 24 months, aggregated once; the trends, the council
    # series and the table all read from it. Median days to resolve are shown for the
    # month only.
    by_department = coordination_by_department(
        periods=months, department_ids=[d.pk for d in departments], median_periods=[month]
    )
    return CoordinationFigures(
        month=month,
        months=months,
        departments=departments,
        by_department=by_department,
        council=council_coordination(
            periods=months, by_department=by_department, median_periods=[month]
        )
        if council_wide
        else None,
        dependencies=dependency_health(months=[month], department_ids=[d.pk for d in departments]),
        everyone=list(Department.objects.filter(is_active=True).order_by("name"))
        if council_wide
        else [],
        matrix=department_matrix(period=month) if council_wide else None,
    )
