"""The indicator page: one indicator for a chosen month, its trend against target over
every period with returns, and its commentary and improvement actions over time, each
return linked to its page and audit trail. The figures are ``indicator_history``'s
(``reporting/figures/indicator.py``), as the API's are.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from departments import roles
from departments.models import PerformanceIndicator
from reporting.charts.dashboards import indicator_trend
from reporting.figures.indicator import indicator_history
from reporting.pages.benchmark import comparison_section
from reporting.pages.parameters import chosen_month, for_ended_months, month_links
from reporting.signed_off import history_for_reader
from scrutiny.selectors import items_on_indicator


@login_required
@for_ended_months
def indicator_page(request: HttpRequest, pk: int) -> HttpResponse:
    indicators = PerformanceIndicator.objects.visible_to(request.user)
    indicator = get_object_or_404(indicators.select_related("department"), pk=pk)
    month = chosen_month(request, department_id=indicator.department_id)
    history = history_for_reader(
        request.user, indicator_history(indicators=indicators, indicator=indicator, month=month)
    )
    chart = indicator_trend(
        dom_id="indicator-trend",
        title=f"{indicator.code} against target, every period with returns",
        code=indicator.code,
        labels=[point.period.short_label for point in history.trend],
        values=[point.value for point in history.trend],
        targets=[point.target for point in history.trend],
        rags=[point.rag for point in history.trend],
        decimal_places=indicator.decimal_places,
        unit=indicator.get_unit_display(),
    )
    # A return owed by another department (the indicator has since moved) stays in the
    # figures, but its page is only linked for those who may open it.
    openable = {
        r.pk for r in history.returns if roles.may_see_department(request.user, r.department_id)
    }
    return render(
        request,
        "reporting/indicator.html",
        {
            "indicator": indicator,
            "month": month,
            "history": history,
            "row": history.row,
            "chart": chart,
            "openable": openable,
            **month_links(request.user, month, department_id=indicator.department_id),
            "benchmark": comparison_section(request.user, indicator, request.GET.get("group")),
            "signed_off_only": roles.scope_for(request.user).signed_off_only,
            "may_ask": roles.may_ask_scrutiny(request.user),
            "scrutiny_items": items_on_indicator(request.user, indicator.pk),
        },
    )
