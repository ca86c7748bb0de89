"""The council overview: SMT's home for a month, every tile linking to the page behind."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from departments import roles
from partnerships.models import Partnership
from reporting.charts.dashboards import (
    coordination_chart,
    partner_health_chart,
    rag_by_department_chart,
    share_heatmap,
)
from reporting.figures.cache import cached_figures
from reporting.figures.overview import cached_overview_figures
from reporting.metrics.overview import DIMENSIONS, OverviewFigures
from reporting.metrics.status import next_ended
from reporting.models import EarlyWarning
from reporting.pages.parameters import chosen_month, for_ended_months, month_links


@login_required
@for_ended_months
def overview(request: HttpRequest) -> HttpResponse:
    """For SMT, auditors and administrators: the council for the chosen month.

    The month's figures are served from the cache; any write of the figures' inputs
    retires what it holds (``reporting/figures/cache.py``).
    """
    if not roles.scope_for(request.user).reads_council_figures:
        raise PermissionDenied("The council overview is for SMT and auditors.")
    month = chosen_month(request)
    read = functools.cache(lambda: cached_overview_figures(month))  # once in this request
    # The charts are drawn from the figures alone: cached beside them, under the same
    # generation, so a reading from the cache does not draw them again. Their key is taken
    # before the figures are read, as every cached figure's is: a write in between leaves
    # them under a generation no longer asked for, never newer than what they show.
    charts, _ = cached_figures("overview-charts", month=month, build=lambda: _charts(read()[0]))
    figures, from_cache = read()
    context = {**_overview_context(figures), **charts}
    warnings = EarlyWarning.objects.visible_to(request.user).open().order_by("-raised_at")[:20]
    return render(
        request,
        "reporting/overview.html",
        {
            **context,
            **month_links(request.user, month),
            "warnings": list(warnings),
            "from_cache": from_cache,
            # An elected member does not open the coordination page: not linked for them.
            "may_open_coordination": roles.member_may_open_page(
                request.user, "reporting:coordination"
            ),
        },
    )


QUALITY_ROWS_LISTED = 25


def _periods_of(rows) -> list:
    """The distinct periods of the rows, earliest first, then the shorter first."""
    return sorted({row.period for row in rows}, key=lambda p: (p.start, p.end))


def _charts(figures: OverviewFigures) -> dict:
    """The overview's charts (``Chart``: figure JSON, caption, data table) by name."""
    month = figures.month
    names = [d.name for d in figures.departments]
    return {
        "rag_chart": rag_by_department_chart(month, figures.departments, figures.counts),
        "dimension_chart": share_heatmap(
            dom_id="on-target-by-dimension",
            title=f"Share of indicators on target, {month.short_label}",
            rows=names,
            columns=[d.label for d in DIMENSIONS],
            shares=[
                [figures.on_target_share(d.pk, dim.value) for dim in DIMENSIONS]
                for d in figures.departments
            ],
            counts=[
                [figures.on_target.get((d.pk, dim.value), (0, 0))[1] for dim in DIMENSIONS]
                for d in figures.departments
            ],
        ),
        "health_chart": partner_health_chart(figures.health),
        "coordination_chart": coordination_chart(
            figures.coordination, "Council", dom_id="coordination-index-trend"
        ),
    }


def _overview_context(figures: OverviewFigures) -> dict:
    """Everything the overview shows except what depends on the user, and the charts."""
    month = figures.month
    health, coordination = figures.health, figures.coordination
    return {
        "month": month,
        "previous_month": month.previous(),
        "next_month": next_ended(month),
        "departments": figures.departments,
        "counts": figures.counts,
        "statutory": figures.statutory,
        "travel": figures.travel,
        "health_now": health[-1],
        "coordination_now": coordination[-1],
        "returns_status": figures.returns_status,
        "missing_rows": figures.missing,
        "late_rows": figures.late,
        # A council of a thousand indicators can have hundreds missing: the overview names
        # the first ones and links to the returns page for the rest.
        "listed": QUALITY_ROWS_LISTED,
        # The rows are each indicator's own period (a quarter for a quarterly one): the
        # returns page lists one period at a time, so there is a link for each.
        "missing_periods": _periods_of(figures.missing),
        "late_periods": _periods_of(figures.late),
        "partnerships": list(Partnership.objects.order_by("pk")),
    }
