"""The coordination page: the index over 24 months, the department matrix, and the
partner services each department depends on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.digits import whole_number
from departments import roles
from departments.models import Council, Department
from reporting.charts.dashboards import coordination_chart, pair_heatmap
from reporting.figures.cache import cached_figures
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

    def shown() -> dict:
        figures, _ = cached_coordination_figures(
            month, departments, council_wide=scope.council_wide
        )
        return {**_coordination_context(figures, focus), **_charts(figures, focus)}

    # What the page shows, its charts included, is drawn from the figures and the department
    # in focus alone: cached beside the figures, under the same generation, so a reading
    # from the cache neither draws a chart nor reads the figures of every department and
    # month. The key is taken before the figures are read, as every cached figure's is: a
    # write in between leaves what was drawn under a generation no longer asked for.
    page, _ = cached_figures(
        "coordination-page",
        month=month,
        scope=[scope.council_wide, focus.pk if focus else "council", *(d.pk for d in departments)],
        build=shown,
    )
    return render(
        request,
        "reporting/coordination.html",
        {**page, "focus": focus, "council": Council.objects.first()},
    )


def _series(figures: CoordinationFigures, focus: Department | None) -> list:
    """The index over the 24 months of the department in focus, or of the council."""
    if focus is None:
        return figures.council
    return [figures.by_department[(focus.pk, m.key)] for m in figures.months]


def _charts(figures: CoordinationFigures, focus: Department | None) -> dict:
    """The page's charts (``Chart``): the index over 24 months and, council-wide, the
    matrix of referrals between departments."""
    month, subject = figures.month, focus.name if focus else "Council"
    charts = {"chart": coordination_chart(_series(figures, focus), subject)}
    if figures.council is not None:
        everyone, matrix = figures.everyone, figures.matrix
        charts["matrix"] = pair_heatmap(
            dom_id="coordination-matrix",
            title=f"Referrals between departments, {month.short_label}",
            names=[d.name for d in everyone],
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
    return charts


def _coordination_context(figures: CoordinationFigures, focus: Department | None) -> dict:
    """What the page shows besides its charts, the department in focus and the council."""
    month, by_department = figures.month, figures.by_department
    current = _series(figures, focus)[-1]
    rows = [
        (d, by_department[(d.pk, month.key)], figures.dependencies[(d.pk, month.key)])
        for d in figures.departments
    ]
    return {
        "month": month,
        "current": current,
        "rows": rows,
        "departments": figures.departments,
        "previous_month": month.previous(),
        "next_month": next_ended(month),
        "council_wide": figures.council is not None,
    }
