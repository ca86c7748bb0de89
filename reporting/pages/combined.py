"""The combined view: partner health and coordination side by side, and how one follows
the other. SMT and auditors see the council; a head or officer their own departments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from departments import roles
from partnerships.models import Partnership
from reporting.charts.combined import combined_context
from reporting.figures.cache import cached_figures
from reporting.figures.combined import cached_combined_figures
from reporting.models import EarlyWarning
from reporting.pages.parameters import (
    chosen_month,
    chosen_partnership,
    for_ended_months,
    month_links,
)
from reporting.selectors import readable_departments


@login_required
@for_ended_months
def combined(request: HttpRequest) -> HttpResponse:
    if not roles.may_see_combined(request.user):
        raise PermissionDenied(
            "The combined view shows departments' coordination: it is for the council's "
            "departments, the SMT and auditors."
        )
    scope = roles.scope_for(request.user)
    month = chosen_month(request)
    partnership = chosen_partnership(request, scope.reads_council_figures)
    departments = readable_departments(request.user)
    council_wide = scope.reads_council_figures

    def page_context() -> dict:
        figures, _ = cached_combined_figures(
            month, departments=departments, partnership=partnership
        )
        return combined_context(figures, council_wide=council_wide)

    # What the page shows is drawn from the figures alone (its charts included): cached
    # beside them, under the same generation, so a reading from the cache draws nothing.
    figures_context, from_cache = cached_figures(
        "combined-page",
        month=month,
        scope=[
            partnership.pk if partnership else "all",
            council_wide,
            *(d.pk for d in departments),
        ],
        build=page_context,
    )
    warnings = (
        EarlyWarning.objects.visible_to(request.user)
        .open()
        .select_related("department", "partnership", "service", "indicator")
        .order_by("-raised_at")[:20]
    )
    return render(
        request,
        "reporting/combined.html",
        {
            **figures_context,
            **month_links(request.user, month),
            "warnings": list(warnings),
            "may_acknowledge": roles.may_acknowledge_warnings(request.user),
            "partnerships": list(Partnership.objects.order_by("name")) if council_wide else [],
            "from_cache": from_cache,
            # Only links the reader can open: an elected member reads neither the
            # coordination pages nor the referrals (roles.member_may_open_page).
            "may_open_coordination": roles.member_may_open_page(
                request.user, "reporting:coordination"
            ),
            "may_open_referrals": roles.member_may_open_page(request.user, "departments:referrals"),
        },
    )
