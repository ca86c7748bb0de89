"""Chart text that reads: on every chart page, at a laptop's 1366 px and a tablet's 820 px,
and in the monthly pack's PDF, each chart's title, axis titles, tick labels and legend lie
inside the chart and clear of one another (tests/browser/chart_text.py measures them with
``getBoundingClientRect``). Run with ``-s`` to see each chart's tightest margin and the
closest gap between two of its texts, in pixels."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from departments import periods
from departments.models import PerformanceIndicator
from partnerships.models import Partnership
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.packs.chart_images import DRAWING_FAILED, chart_renderer
from reporting.reports.packs.monthly import monthly_pack
from tests.browser.chart_text import measure
from tests.browser.test_dashboards import _sign_in
from tests.demo_council import demo_council

LAPTOP, TABLET = 1366, 820


def _report(where: str, charts) -> list[str]:
    """Each chart's measurements printed (for ``-s``), and every problem found."""
    problems = []
    for chart in charts:
        print(
            f"{where} {chart.chart}: {chart.texts} texts, tightest margin "
            f"{chart.tightest_margin:.1f}px, closest gap {chart.closest_gap:.1f}px"
        )
        problems += [f"{where} {chart.chart}: {problem}" for problem in chart.problems]
    return problems


def _chart_pages() -> list[str]:
    month = periods.latest_closed(periods.PeriodKind.MONTH).previous()
    indicator = PerformanceIndicator.objects.get(code="BV212")
    partnership = Partnership.objects.get()
    return [
        f"/overview/?period={month.key}",
        f"/coordination/?period={month.key}",
        f"/combined/?period={month.key}",
        f"/partnerships/{partnership.pk}/?period={month.key}",
        f"/indicators/{indicator.pk}/",
    ]


@pytest.mark.parametrize("width", [LAPTOP, TABLET])
@pytest.mark.django_db(transaction=True)
def test_chart_text_stays_inside_its_chart_and_clear_of_other_text(page, live_server, width):
    demo_council(seed=2025, today=timezone.localdate())
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    _sign_in(page, base, "smt")
    problems: list[str] = []
    drawn = 0
    for path in _chart_pages():
        page.goto(f"{base}{path}")
        expected = page.locator("[data-chart]").count()
        assert expected, f"{path} has no chart"
        page.wait_for_function(
            f"document.querySelectorAll('[data-chart] svg.main-svg').length >= {expected}"
        )
        charts = measure(page)
        assert len(charts) == expected and all(chart.texts for chart in charts), path
        drawn += len(charts)
        problems += _report(f"{width}px {path}", charts)
    assert drawn == 10  # 4 on the overview, 2 each on coordination and combined, 1 and 1
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_monthly_packs_chart_images_keep_their_text_inside(page):
    """The pack's charts as kaleido draws them into the PDF (SVG at the image's own size),
    laid out again by the browser and measured as on the pages."""
    demo_council(seed=2025, today=timezone.localdate())
    month = periods.latest_closed(periods.PeriodKind.MONTH).previous()
    smt = get_user_model().objects.get(username="smt")
    pack = monthly_pack(user=smt, parameters=ReportParameters(month=month))
    charts = [
        *pack.overview_charts,
        *[section.chart for section in pack.partnerships],
        *[chart for section in pack.combined for chart in (section.trend, section.scatter)],
    ]
    with chart_renderer() as renderer:
        images = [renderer.draw(chart) for chart in charts]
        svgs = [renderer.resource(image.src)[0].decode() for image in images]
    assert all(image.drawn for image in images), [image.problem for image in images]
    assert not [svg for svg in svgs if DRAWING_FAILED[0] in svg]
    figures = "".join(
        f'<div class="image" data-chart="{image.chart.dom_id}">{svg}</div>'
        for image, svg in zip(images, svgs, strict=True)
    )
    page.set_content(f"<!doctype html><body style='margin:0'>{figures}</body>")
    measured = measure(page, ".image")
    assert len(measured) == len(charts) == 4  # RAG, contract health, combined trend, scatter
    problems = _report("PDF", measured)
    assert not problems, "\n".join(problems)
