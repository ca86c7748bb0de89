"""The partnership page: the contract, its services, and contract health with its trend."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from departments import periods, roles
from partnerships.models import Partnership
from partnerships.records.selectors import services_with_departments
from reporting.charts.dashboards import contract_health_chart
from reporting.metrics.health import contract_health_series, credits_year_to_date, trailing_months
from reporting.metrics.status import next_ended


def chosen_month(request: HttpRequest) -> periods.Period:
    """The month in ``?period=`` (404 for a bad key), else the latest closed month.

    A month that has not ended raises ``periods.MonthNotEnded``, which a view wrapped in
    ``for_ended_months`` answers with a page saying so.
    """
    try:
        return periods.ended_month_or_latest(request.GET.get("period"))
    except periods.MonthNotEnded:
        raise
    except ValueError as error:
        raise Http404(str(error)) from error


def for_ended_months(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Figures pages rate ended months only (DESIGN.md section 3, "Which months are
    rated"). Asked for the current or a future month, the page answers 404 (there is no
    page for that month yet, as for any other month key it cannot show) with a message
    saying the month has not ended and a link to the same page for the latest ended
    month, never a figure."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except periods.MonthNotEnded as error:
            query = request.GET.copy()
            query["period"] = error.latest.key
            return render(
                request,
                "reporting/month_not_ended.html",
                {
                    "month": error.month,
                    "latest": error.latest,
                    "latest_url": f"{request.path}?{query.urlencode()}",
                    "first_day": error.month.end + timedelta(days=1),
                },
                status=404,
            )

    return wrapped


def visible_partnership(request: HttpRequest, pk: int) -> Partnership:
    """SMT, auditors and admins see every partnership, a partner manager their own."""
    partnership = get_object_or_404(
        Partnership.objects.visible_to(request.user).select_related("partner"), pk=pk
    )
    if not roles.may_see_partnership(request.user, partnership.pk):
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
            "previous_month": month.previous(),
            "next_month": next_ended(month),
            "may_enter": roles.may_enter_sla_results(request.user, partnership.pk),
        },
    )
