"""The department dashboard's figures for a month, for its page
(``reporting/pages/dashboard.py``) and ``GET /api/v1/metrics/departments/{id}/``."""

from __future__ import annotations

from django.utils import timezone

from departments.models import Department, PerformanceIndicator
from departments.periods import Period
from reporting.figures.cache import cached_figures
from reporting.metrics.coordination import coordination_by_department
from reporting.metrics.dependency import dependency_health
from reporting.metrics.returns import indicator_rows
from reporting.metrics.status import returns_status


def cached_department_figures(department: Department, month: Period) -> tuple[dict, bool]:
    """``department_figures``, cached until a write retires it (``reporting/figures/cache.py``): the
    page and the API read the same entry. The figures are the same for everyone allowed
    to see the department, so the department is the whole scope."""
    return cached_figures(
        "department",
        month=month,
        scope=[department.pk],
        build=lambda: department_figures(department, month),
    )


def department_figures(department: Department, month: Period) -> dict:
    """The indicator rows, coordination and dependency health of a department."""
    indicators = PerformanceIndicator.objects.filter(department=department)
    rows = indicator_rows(indicators=indicators, month=month)
    return {
        "rows": rows,
        "returns_status": returns_status(month=month, rows=rows, today=timezone.localdate()),
        "coordination": coordination_by_department(periods=[month], department_ids=[department.pk])[
            (department.pk, month.key)
        ],
        "dependency": dependency_health(months=[month], department_ids=[department.pk])[
            (department.pk, month.key)
        ],
    }
