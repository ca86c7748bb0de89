"""The combined view: partner health and coordination side by side, and how one follows
the other. SMT and auditors see the council; a head or officer their own departments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from departments import roles
from departments.models import Department
from partnerships.models import Partnership
from reporting.cache import cached_if_signed_off
from reporting.combined_charts import combined_context
from reporting.metrics.health import trailing_months
from reporting.models import EarlyWarning
from reporting.partnership_views import chosen_month


def chosen_partnership(request: HttpRequest, council_wide: bool) -> Partnership | None:
    """``?partnership=`` narrows the partner health to one partnership (404 if unknown)."""
    raw = request.GET.get("partnership", "")
    if not raw:
        return None
    if not (raw.isdigit() and council_wide):
        raise Http404("No such partnership.")
    partnership = Partnership.objects.filter(pk=int(raw)).first()
    if partnership is None:
        raise Http404("No such partnership.")
    return partnership


@login_required
def combined(request: HttpRequest) -> HttpResponse:
    scope = roles.scope_for(request.user)
    if not (scope.council_wide or scope.department_ids):
        raise PermissionDenied(
            "The combined view shows departments' coordination: it is for the council's "
            "departments, the SMT and auditors."
        )
    month = chosen_month(request)
    partnership = chosen_partnership(request, scope.council_wide)
    departments = list(
        Department.objects.visible_to(request.user).filter(is_active=True).order_by("name")
    )
    name = f"combined-{scope.council_wide}-{partnership.pk if partnership else 'all'}-" + "-".join(
        str(d.pk) for d in departments
    )
    figures_context, from_cache = cached_if_signed_off(
        name,
        month,
        trailing_months(month),
        lambda: combined_context(month, departments, partnership, scope.council_wide),
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
            "warnings": list(warnings),
            "may_acknowledge": roles.may_acknowledge_warnings(request.user),
            "partnerships": list(Partnership.objects.order_by("name"))
            if scope.council_wide
            else [],
            "from_cache": from_cache,
        },
    )
