"""Chart images for PDF reports: the pages' own Plotly figures drawn to SVG by kaleido.

kaleido drives the Chromium installed on the machine (Debian's /usr/bin/chromium); it
cannot fetch one of its own. Where none is available, or drawing fails, the report says
so in place of the chart and keeps the chart's caption and data table, rather than
failing half-way. One kaleido server serves a whole report: starting Chromium takes
about two seconds, each figure after that about a fifth of one.

The charts are drawn on a thread of their own, in the order asked, while the report's
HTML is rendered and WeasyPrint reads it: the HTML names each chart by a URL of its
own (``chart-image:1``), and WeasyPrint asks ``ChartRenderer.resource`` for it when it
reaches the image as it builds its boxes, by when it is usually drawn. Chromium draws
in its own process, so on two cores the drawing costs the report almost nothing (about
two seconds less for the large council's monthly pack).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import ModuleType
from xml.sax.saxutils import escape

from django.conf import settings

from core.digits import whole_number
from reporting.charts.base import Chart

logger = logging.getLogger(__name__)

NO_RENDERER = (
    "The chart could not be drawn on this server (no Chromium browser for the chart "
    "renderer), so it is left out; its caption and data table below give the figures."
)
DRAWING_FAILED = (
    "The chart could not be drawn on this server, so it is left out;",
    "its caption and data table below give the figures.",
)
# The image's size in CSS pixels: the PDF's text column (170 mm) is about 640 px, so the
# image is drawn a little wider and scaled down to fit; a chart that sets its own height
# (the RAG bars, taller for their wrapped department names) keeps it.
WIDTH, HEIGHT = 720, 340
SCHEME = "chart-image:"
# How long a report waits for all its charts, from the renderer's start: longer than
# kaleido's own limit of 90 s a figure, twice (a drawing is tried again once). A chart
# not drawn by then says so at once, so a browser that hangs costs the report its
# charts, not the report itself.
DEADLINE_SECONDS = 200.0
SVG = "image/svg+xml"


@dataclass(frozen=True)
class ChartImage:
    """A chart of a report: ``src`` is the URL its ``<img>`` names (``chart-image:N``),
    or "" when there is no renderer, and then ``problem`` says so."""

    chart: Chart
    src: str
    problem: str

    @property
    def drawn(self) -> bool:
        return bool(self.src)


class ChartRenderer:
    """Draws charts for one report on a background thread (see the module's text)."""

    def __init__(self, kaleido: ModuleType | None = None) -> None:
        self._kaleido = kaleido  # None: no renderer, every chart says so instead
        self._deadline = time.monotonic() + DEADLINE_SECONDS
        self._drawings: list[tuple[Chart, Future[bytes]]] = []
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-renderer")
            if kaleido is not None
            else None
        )

    def draw(self, chart: Chart) -> ChartImage:
        """The chart's image, at once: its drawing is queued. Never raises."""
        if self._executor is None:
            return ChartImage(chart, "", NO_RENDERER)
        self._drawings.append((chart, self._executor.submit(_draw, self._kaleido, chart)))
        return ChartImage(chart, f"{SCHEME}{len(self._drawings)}", "")

    def resource(self, url: str) -> tuple[bytes, str]:
        """(bytes, MIME type) of a ``chart-image:N`` URL, for ``core.pdf.pdf_from_html``;
        ``KeyError`` for any other URL."""
        number = whole_number(url.removeprefix(SCHEME)) if url.startswith(SCHEME) else None
        index = -1 if number is None else number - 1
        if not 0 <= index < len(self._drawings):
            raise KeyError(url)
        chart, drawing = self._drawings[index]
        try:
            return drawing.result(timeout=max(0.0, self._deadline - time.monotonic())), SVG
        except TimeoutError:
            logger.warning("Chart %s not drawn by the report's deadline", chart.dom_id)
            return _could_not_be_drawn(chart), SVG

    def last_chart_asked(self) -> None:
        """Stop the browser once the charts asked so far are drawn: its Python side (an
        event loop on a thread of its own) would otherwise take turns with WeasyPrint
        for the interpreter while the PDF is laid out, slowing it by a tenth."""
        if self._executor is not None:
            self._executor.submit(_stop, self._kaleido)

    def close(self) -> None:
        """Drop the drawings not started and stop the browser, without waiting for a
        drawing that hangs (stopping the browser is what can end it)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            _stop(self._kaleido)


@contextlib.contextmanager
def chart_renderer() -> Iterator[ChartRenderer]:
    """A ``ChartRenderer`` for the length of the block; its browser starts at once, in
    the background, and stops at the end of the block."""
    if not settings.REPORT_CHART_IMAGES:
        yield ChartRenderer()
        return
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception:  # no kaleido or no Chromium: every chart says so instead
        logger.warning("Chart renderer unavailable", exc_info=True)
        yield ChartRenderer()
        return
    renderer = ChartRenderer(kaleido)
    try:
        yield renderer
    finally:
        renderer.close()


def _stop(kaleido: ModuleType) -> None:
    """Stop kaleido's browser, if it is still running."""
    with contextlib.suppress(Exception):
        kaleido.stop_sync_server(silence_warnings=True)


def _draw(kaleido: ModuleType, chart: Chart) -> bytes:
    """The chart's SVG; drawn twice at most, since the first figure after Chromium
    starts now and then meets a page whose scripts are not loaded yet."""
    import plotly.io

    for attempt in (1, 2):
        try:
            # The figure JSON the page hands plotly.js ("<" escaped for a <script>,
            # which JSON reads back as the same character).
            figure = plotly.io.from_json(chart.figure_json)
            height = figure.layout.height or HEIGHT
            return kaleido.calc_fig_sync(
                figure, opts={"format": "svg", "width": WIDTH, "height": height}
            )
        except Exception:
            logger.warning(
                "Chart %s could not be drawn (attempt %s)", chart.dom_id, attempt, exc_info=True
            )
    return _could_not_be_drawn(chart)


def _could_not_be_drawn(chart: Chart) -> bytes:
    """An SVG the chart's size in words: its title and that it could not be drawn."""
    lines = "".join(
        f'<text x="16" y="{64 + 22 * i}" font-size="15">{escape(line)}</text>'
        for i, line in enumerate(DRAWING_FAILED)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="120" '
        f'viewBox="0 0 {WIDTH} 120" font-family="DejaVu Sans, sans-serif" fill="#0b0c0c">'
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="118" fill="none" stroke="#505a5f" '
        f'stroke-dasharray="6 4"/>'
        f'<text x="16" y="34" font-size="16" font-weight="bold">{escape(chart.title)}</text>'
        f"{lines}</svg>"
    ).encode()
