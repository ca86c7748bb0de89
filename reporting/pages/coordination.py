"""The coordination page: the index over 24 months, the department matrix, and the
partner services each department depends on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from departments import roles
from departments.models import Council, Department
from departments.numbers import whole_number
from reporting.charts.dashboards import coordination_chart, pair_heatmap
from reporting.figures.coordination import CoordinationFigures, cached_coordination_figures
from reporting.metrics.status import next_ended
from reporting.pages.parameters import chosen_month, for_ended_months
from reporting.selectors import readable_departments


@login_required
@for_ended_months
def coordination(request: HttpRequest) -> HttpResponse:
    """SMT and auditors see the council; a head or officer their own department."""
    scope = roles.scope_for(request.user)
    if not scope.sees_departments:
        raise PermissionDenied("Coordination is for the council's departments and SMT.")
    month = chosen_month(request)
    departments = readable_departments(request.user)
    focus = None
    if (department_id := whole_number(request.GET.get("department"))) is not None:
        # One of the departments shown: those have figures (an inactive one has none).
        focus = next((d for d in departments if d.pk == department_id), None)
        if focus is None:
            raise Http404("No such department.")
    elif not scope.council_wide:
        if not departments:  # every department of theirs has been made inactive
            raise PermissionDenied("None of your departments is active: there is nothing to show.")
        focus = departments[0]
    figures, _ = cached_coordination_figures(month, departments, council_wide=scope.council_wide)
    return render(request, "reporting/coordination.html", _coordination_context(figures, focus))


def _coordination_context(figures: CoordinationFigures, focus: Department | None) -> dict:
    month, months, by_department = figures.month, figures.months, figures.by_department
    if focus is not None:
        series = [by_department[(focus.pk, m.key)] for m in months]
    else:
        series = figures.council
    current = series[-1]
    subject = focus.name if focus else "Council"
    chart = coordination_chart(series, subject)
    rows = [
        (d, by_department[(d.pk, month.key)], figures.dependencies[(d.pk, month.key)])
        for d in figures.departments
    ]
    council_wide = figures.council is not None
    context = {
        "month": month,
        "focus": focus,
        "current": current,
        "chart": chart,
        "rows": rows,
        "departments": figures.departments,
        "council": Council.objects.first(),
        "previous_month": month.previous(),
        "next_month": next_ended(month),
        "council_wide": council_wide,
    }
    if council_wide:
        everyone, matrix = figures.everyone, figures.matrix
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
