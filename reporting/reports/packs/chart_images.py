"""Chart images for PDF reports: the pages' own Plotly figures drawn to SVG by kaleido.

kaleido drives the Chromium installed on the machine (Debian's /usr/bin/chromium); it
cannot fetch one of its own. Where none is available, or drawing fails, the report says
so in place of the chart and keeps the chart's caption and data table, rather than
failing half-way. One kaleido server serves a whole report: starting Chromium takes
about two seconds, each figure after that a fraction of one.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings

from reporting.charts.base import Chart

logger = logging.getLogger(__name__)

NO_RENDERER = (
    "The chart could not be drawn on this server (no Chromium browser for the chart "
    "renderer), so it is left out; its caption and data table below give the figures."
)
# The image's size in CSS pixels: the PDF's text column (170 mm) is about 640 px, so the
# image is drawn a little wider and scaled down to fit; a chart that sets its own height
# (the RAG bars, taller for their wrapped department names) keeps it.
WIDTH, HEIGHT = 720, 340


@dataclass(frozen=True)
class ChartImage:
    chart: Chart
    data_uri: str  # "" when the chart could not be drawn
    problem: str

    @property
    def drawn(self) -> bool:
        return bool(self.data_uri)


Renderer = Callable[[Chart], ChartImage]


@contextlib.contextmanager
def chart_renderer() -> Iterator[Renderer]:
    """A function drawing charts for the length of the block; it never raises."""
    if not settings.REPORT_CHART_IMAGES:
        yield lambda chart: ChartImage(chart, "", NO_RENDERER)
        return
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # no kaleido or no Chromium: every chart says so instead
        logger.warning("Chart renderer unavailable", exc_info=True)
        yield lambda chart: ChartImage(chart, "", NO_RENDERER)
        return
    try:
        yield lambda chart: _draw(kaleido, chart)
    finally:
        with contextlib.suppress(Exception):
            kaleido.stop_sync_server(silence_warnings=True)


def _draw(kaleido, chart: Chart) -> ChartImage:
    import plotly.io

    try:
        # The figure JSON the page hands plotly.js ("<" escaped for a <script>, which
        # JSON reads back as the same character).
        figure = plotly.io.from_json(chart.figure_json)
        height = figure.layout.height or HEIGHT
        svg = kaleido.calc_fig_sync(
            figure, opts={"format": "svg", "width": WIDTH, "height": height}
        )
    except Exception:
        logger.warning("Chart %s could not be drawn", chart.dom_id, exc_info=True)
        return ChartImage(chart, "", NO_RENDERER)
    encoded = base64.b64encode(svg).decode("ascii")
    return ChartImage(chart, f"data:image/svg+xml;base64,{encoded}", "")
