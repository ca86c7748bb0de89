"""The pack's chart renderer when the browser hangs: each chart not drawn by the report's
deadline says so at once, and closing the renderer stops the browser without waiting for
the drawing that hangs. (A real browser's drawings: tests/reporting/test_packs.py.)"""

import json
import threading
import time
from types import SimpleNamespace

import pytest

from reporting.charts.base import Chart
from reporting.reports.packs import chart_images
from reporting.reports.packs.chart_images import DRAWING_FAILED, ChartRenderer


def _chart(n: int) -> Chart:
    figure = json.dumps({"data": [{"type": "bar", "x": ["A"], "y": [n]}], "layout": {}})
    return Chart(f"chart-{n}", f"Chart {n}", "A caption", figure, ["Name"], [["A"]])


@pytest.fixture
def hanging_browser():
    """kaleido's two calls as the renderer makes them: drawing hangs until the browser
    is stopped, then fails, as a drawing does when its browser goes."""
    stopped = threading.Event()

    def calc_fig_sync(figure, opts):
        stopped.wait(timeout=30)
        raise RuntimeError("the browser went away")

    browser = SimpleNamespace(
        calc_fig_sync=calc_fig_sync,
        stop_sync_server=lambda silence_warnings: stopped.set(),
        stopped=stopped,
    )
    yield browser
    stopped.set()  # whatever happened, no thread is left waiting


def test_charts_not_drawn_by_the_deadline_say_so_and_closing_does_not_wait(
    hanging_browser, monkeypatch
):
    monkeypatch.setattr(chart_images, "DEADLINE_SECONDS", 0.5)
    renderer = ChartRenderer(hanging_browser)
    images = [renderer.draw(_chart(n)) for n in (1, 2, 3)]
    assert [image.src for image in images] == ["chart-image:1", "chart-image:2", "chart-image:3"]
    began = time.monotonic()
    answers = [renderer.resource(image.src) for image in images]
    waited = time.monotonic() - began
    assert 0.3 < waited < 1.2  # the deadline once for the report (0.5 s), not per chart
    for n, (body, content_type) in enumerate(answers, start=1):
        assert content_type == "image/svg+xml"
        assert f"Chart {n}".encode() in body and DRAWING_FAILED[0].encode() in body
    began = time.monotonic()
    renderer.close()
    assert time.monotonic() - began < 5
    assert hanging_browser.stopped.is_set()


def test_the_renderer_answers_only_its_own_charts(hanging_browser):
    renderer = ChartRenderer(hanging_browser)
    renderer.draw(_chart(1))
    for url in (
        "chart-image:2",
        "chart-image:0",
        "chart-image:x",
        "chart-image:²",  # a digit to str.isdigit, not to int
        "data:,",
        "file:///etc/passwd",
    ):
        with pytest.raises(KeyError):
            renderer.resource(url)
    renderer.close()
