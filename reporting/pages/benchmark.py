"""Benchmarking on the pages: the indicator page's comparison with other councils, and
the benchmarking page listing the council's indicators by quartile band for a group.

The figures are ``reporting.metrics.benchmark_series``'s, as the API's are.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from departments import roles
from departments.benchmarks import selectors
from departments.models import BenchmarkMetric, Council, PerformanceIndicator
from reporting.charts.benchmark import distribution, spread_over_time
from reporting.metrics import benchmark
from reporting.metrics.benchmark import Band
from reporting.metrics.benchmark_series import benchmark_series, indicator_comparisons


def comparison_section(user, indicator: PerformanceIndicator, raw_group: str | None) -> dict:
    """What the indicator page shows of the comparison with other councils: {} when the
    indicator has no benchmark metric or there is no group; an unknown ``?group=`` is
    said, and the first group shown instead."""
    metric = BenchmarkMetric.objects.filter(indicator=indicator).order_by("code").first()
    if metric is None:
        return {}
    problem = ""
    try:
        group = selectors.chosen_group(user, raw_group)
    except ValueError as error:
        problem, group = str(error), selectors.groups_for(user).first()
    if group is None:
        return {}
    council = Council.objects.get(pk=indicator.council_id)
    figures = benchmark_series(metric=metric, group=group, council=council)
    latest = figures.latest
    unit = indicator.get_unit_display()
    places = metric.decimal_places
    section = {
        "metric": metric,
        "group": group,
        "groups": list(selectors.groups_for(user)),
        "group_problem": problem,
        "latest": latest,
        "methods": _methods(),
    }
    if latest is None:
        return section
    section["spread_chart"] = spread_over_time(
        dom_id="benchmark-spread",
        title=f"{council.name} against {group.name}, every year published",
        council=council.name,
        items=figures.periods,
        places=places,
        unit=unit,
    )
    section["distribution_chart"] = distribution(
        dom_id="benchmark-distribution",
        title=f"{latest.period.short_label}: every council of the group",
        council_code=council.area_code,
        item=latest,
        places=places,
        unit=unit,
    )
    return section


def _methods() -> list[tuple[str, str]]:
    return [
        ("The group", benchmark.GROUP_METHOD),
        ("Median and quartiles", benchmark.QUARTILE_METHOD),
        ("Rank", benchmark.RANK_METHOD),
        ("Quartile band", benchmark.BAND_METHOD),
        ("In words", benchmark.STATEMENT_METHOD),
        ("Direction of travel", benchmark.DIRECTION_METHOD),
    ]


BAND_ORDER = [Band.TOP, Band.SECOND, Band.THIRD, Band.BOTTOM]


@login_required
@roles.role_required
def benchmarking(request: HttpRequest) -> HttpResponse:
    """The council's indicators with a benchmark metric, by quartile band of the latest
    published period, against the chosen group (``?group=``)."""
    if not roles.scope_for(request.user).sees_departments:
        raise PermissionDenied("Benchmarking is shown to those who see departments' figures.")
    try:
        group = selectors.chosen_group(request.user, request.GET.get("group"))
    except ValueError as error:
        raise Http404(str(error)) from error
    indicators = PerformanceIndicator.objects.visible_to(request.user)
    council = Council.objects.first()
    rows = []
    if group is not None and council is not None:
        rows = indicator_comparisons(indicators=indicators, group=group, council=council)
    bands = [
        (band, [row for row in rows if row.item and row.item.comparison.band == band])
        for band in BAND_ORDER
    ]
    unbanded = [row for row in rows if not (row.item and row.item.comparison.band)]
    return render(
        request,
        "reporting/benchmarking.html",
        {
            "group": group,
            "groups": list(selectors.groups_for(request.user)),
            "bands": bands,
            "unbanded": unbanded,
            "council": council,
            "methods": _methods(),
        },
    )
