"""The department dashboard: every indicator of a department for a month, its
coordination and the health of the partner services it depends on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from departments import roles
from departments.models import Department, PerformanceIndicator
from reporting.figures.cache import cached_figures
from reporting.metrics.coordination import coordination_by_department
from reporting.metrics.health import dependency_health
from reporting.metrics.returns import indicator_rows
from reporting.metrics.status import next_ended, returns_status
from reporting.pages.partnership import chosen_month, for_ended_months


@login_required
@for_ended_months
def department_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_object_or_404(Department.objects.visible_to(request.user), pk=pk)
    if not roles.may_see_department(request.user, department.pk):
        # A partner manager sees the departments its services serve by name only.
        raise Http404("No such department.")
    month = chosen_month(request)
    figures, from_cache = cached_department_figures(department, month)
    return render(
        request,
        "reporting/department.html",
        {
            "department": department,
            "month": month,
            **figures,
            "from_cache": from_cache,
            "previous_month": month.previous(),
            "next_month": next_ended(month),
        },
    )


def cached_department_figures(department: Department, month) -> tuple[dict, bool]:
    """``department_figures``, cached for a signed-off month (``reporting/figures/cache.py``): the
    page and the API read the same entry. The figures are the same for everyone allowed
    to see the department, so the department is the whole scope."""
    return cached_figures(
        "department",
        month=month,
        scope=[department.pk],
        build=lambda: department_figures(department, month),
    )


def department_figures(department: Department, month) -> dict:
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
