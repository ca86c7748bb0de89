"""The partnership page: the contract, its services, and contract health with its trend."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from departments import roles
from partnerships.models import Partnership
from partnerships.records.selectors import services_with_departments
from reporting.charts.dashboards import contract_health_chart
from reporting.metrics.health import contract_health_series, credits_year_to_date, trailing_months
from reporting.pages.parameters import chosen_month, for_ended_months, month_links
from reporting.selectors import partnership_with_figures


def visible_partnership(request: HttpRequest, pk: int) -> Partnership:
    """SMT, auditors and admins see every partnership, a partner manager their own."""
    partnership = partnership_with_figures(request.user, pk)
    if partnership is None:
        raise Http404("No such partnership.")
    return partnership


@login_required
@for_ended_months
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = visible_partnership(request, pk)
    month = chosen_month(request)
    series = contract_health_series(partnership=partnership, months=trailing_months(month))
    current = series[-1]
    services = services_with_departments(partnership.pk)
    by_id = {s.service_id: s for s in current.services}
    ytd = credits_year_to_date(partnership=partnership, period=month)
    chart = contract_health_chart(series)
    today = timezone.localdate()
    remaining_days = (partnership.end_date - today).days
    return render(
        request,
        "reporting/partnership.html",
        {
            "partnership": partnership,
            "month": month,
            "health": current,
            "chart": chart,
            "service_rows": [(s, by_id.get(s.pk), ytd.get(s.pk)) for s in services],
            "credits_ytd": sum(ytd.values()),
            "remaining_years": round(remaining_days / 365.25, 1) if remaining_days > 0 else 0,
            **month_links(request.user, month),
            "may_enter": roles.may_enter_sla_results(request.user, partnership.pk),
        },
    )
