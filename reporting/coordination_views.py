"""The coordination page: the index over 24 months, the department matrix, and the
partner services each department depends on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from departments import roles
from departments.models import Council, Department
from reporting.cache import cached_if_signed_off
from reporting.charts import coordination_chart, pair_heatmap
from reporting.metrics.coordination import (
    coordination_by_department,
    council_coordination,
    department_matrix,
)
from reporting.metrics.health import dependency_health, trailing_months
from reporting.metrics.status import next_ended
from reporting.partnership_views import chosen_month, for_ended_months


@login_required
@for_ended_months
def coordination(request: HttpRequest) -> HttpResponse:
    """SMT and auditors see the council; a head or officer their own department."""
    scope = roles.scope_for(request.user)
    if not scope.sees_departments:
        raise PermissionDenied("Coordination is for the council's departments and SMT.")
    month = chosen_month(request)
    months = trailing_months(month)
    departments = list(
        Department.objects.visible_to(request.user).filter(is_active=True).order_by("name")
    )
    focus = None
    if request.GET.get("department", "").isdigit():
        focus = get_object_or_404(
            Department.objects.visible_to(request.user), pk=int(request.GET["department"])
        )
    elif not scope.council_wide:
        focus = departments[0]
    # The figures depend on the departments shown and the focus, never on the person.
    name = f"coordination-{focus.pk if focus else 'council'}-" + "-".join(
        str(d.pk) for d in departments
    )
    context, _ = cached_if_signed_off(
        name,
        month,
        months,
        lambda: _coordination_context(month, months, departments, focus, scope.council_wide),
    )
    return render(request, "reporting/coordination.html", context)


def _coordination_context(month, months, departments, focus, council_wide: bool) -> dict:
    # Every visible department over the 24 months, aggregated once; the trend, the
    # council series and the table all read from it.
    by_department = coordination_by_department(
        periods=months, department_ids=[d.pk for d in departments]
    )
    if focus is not None:
        series = [by_department[(focus.pk, m.key)] for m in months]
    else:
        series = council_coordination(periods=months, by_department=by_department)
    current = series[-1]
    subject = focus.name if focus else "Council"
    chart = coordination_chart(series, subject)
    dependencies = dependency_health(months=[month], department_ids=[d.pk for d in departments])
    rows = [
        (d, by_department[(d.pk, month.key)], dependencies[(d.pk, month.key)]) for d in departments
    ]
    context = {
        "month": month,
        "focus": focus,
        "current": current,
        "chart": chart,
        "rows": rows,
        "departments": departments,
        "council": Council.objects.first(),
        "previous_month": month.previous(),
        "next_month": next_ended(month),
        "council_wide": council_wide,
    }
    if council_wide:
        everyone = list(Department.objects.filter(is_active=True).order_by("name"))
        matrix = department_matrix(period=month)
        names = [d.name for d in everyone]
        context["matrix"] = pair_heatmap(
            dom_id="coordination-matrix",
            title=f"Referrals between departments, {month.short_label}",
            names=names,
            volumes=[
                [matrix[(a.pk, b.pk)].volume if (a.pk, b.pk) in matrix else 0 for b in everyone]
                for a in everyone
            ],
            shares=[
                [
                    matrix[(a.pk, b.pk)].on_time_share if (a.pk, b.pk) in matrix else None
                    for b in everyone
                ]
                for a in everyone
            ],
        )
    return context
