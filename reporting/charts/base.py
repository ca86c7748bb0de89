"""What every chart shares: the ``Chart`` a page and a pack show (a figure with its caption
and data table), the layout and threshold lines of a 0-100 score, how a score is written
in a table, and how a provisional point is drawn.

Never touches the ORM.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from decimal import Decimal

import plotly.io as pio

from reporting.metrics.scores import AMBER_FROM, GREEN_FROM
from reporting.metrics.status import FigureStatus


@dataclass(frozen=True)
class Chart:
    dom_id: str
    title: str
    caption: str
    figure_json: str
    headers: list[str]
    rows: list[list[str]]


# Figures are plain data, as plotly.js reads them: Plotly's figure classes check every
# property as it is set, and building a page's four charts through them cost about 12 ms
# of a 100 ms page. What they would give is kept: the traces and layout are written in
# the form Plotly's own JSON takes (tests/reporting/test_chart_figures.py reads each
# chart back through Plotly's checks), under Plotly's default template.


def trace(kind: str, **properties) -> dict:
    """A Plotly trace of ``kind`` ("scatter", "bar", "heatmap") with its properties."""
    return {"type": kind, **properties}


def plotly_figure(*, data: list[dict], layout: dict) -> dict:
    """A figure as plotly.js draws it: the traces and the layout, under Plotly's default
    template (``plotly.io.templates.default``), as ``plotly.graph_objects.Figure`` sets it."""
    return {"data": data, "layout": {**layout, "template": _default_template()}}


@functools.cache
def _default_template() -> dict:
    return pio.templates[pio.templates.default].to_plotly_json()


def figure_json(figure: dict) -> str:
    """The figure as JSON, with "<" escaped so no string can close the <script> it sits in."""
    return pio.to_json(figure, validate=False).replace("<", "\\u003c")


# Plotly never wraps text, so chart text is wrapped here, to widths that fit the narrowest
# place a chart is drawn: half of a tablet's 820 px (the pages' two-column grid) for titles
# and the height of a 340 px chart's plot area for a y-axis title. Measured by
# tests/browser/test_chart_text.py at 1366 and 820 px and at the PDF's size.
TITLE_FONT_SIZE = 15
TITLE_CHARACTERS = 40  # about 300 px of 15 px text
AXIS_TITLE_CHARACTERS = 20  # about 140 px of 13 px text: a plot area squeezed by rotated ticks
TICK_CHARACTERS = 12  # a category label (a department's name) under its own bar
LINE_HEIGHT = 20  # px per line of a wrapped title


def wrapped(text: str, characters: int) -> str:
    """``text`` broken at spaces into lines of at most ``characters`` (a longer word keeps
    its own line), joined with Plotly's line break ``<br>``."""
    return "<br>".join(textwrap.wrap(text, characters, break_long_words=False)) or text


def base_layout(title: str, y_title: str) -> dict:
    """The layout of a chart on a 0-100 axis; a chart of other units overrides ``yaxis``
    (through ``y_axis_title`` for its title).

    Text is kept clear of the data and of itself: the title is wrapped and the top margin
    sized for its lines; the legend sits at the foot of the figure (``yref`` container),
    where Plotly widens the bottom margin for it below the tick labels instead of laying it
    over them; axes widen their margins for their labels (``automargin``).
    """
    title_lines = wrapped(title, TITLE_CHARACTERS)
    return {
        "title": {
            "text": title_lines,
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "pad": {"l": 4},
            "font": {"size": TITLE_FONT_SIZE},
        },
        "margin": {
            "l": 56,
            "r": 16,
            "t": 24 + LINE_HEIGHT * (title_lines.count("<br>") + 1),
            "b": 40,
        },
        "height": 340,
        "yaxis": {"title": y_axis_title(y_title), "range": [0, 105], "automargin": True},
        "xaxis": {"type": "category", "automargin": True},
        "legend": {
            "orientation": "h",
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
        },
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "plot_bgcolor": "#ffffff",
    }


def y_axis_title(text: str) -> dict:
    """A y-axis title wrapped to fit beside the plot area, never over the chart's title."""
    return {"text": wrapped(text, AXIS_TITLE_CHARACTERS)}


def threshold_lines() -> list[dict]:
    """Dotted lines at the green and amber thresholds of a 0-100 score."""
    return [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": float(level),
            "y1": float(level),
            "line": {"dash": "dot", "width": 1, "color": "#505a5f"},
        }
        for level in (GREEN_FROM, AMBER_FROM)
    ]


def score_text(value: Decimal | None) -> str:
    """A score to one place, or "not rated" without one."""
    return "not rated" if value is None else f"{value:.1f}"


def score_cell(value: Decimal | None, status: FigureStatus | None) -> str:
    """A score for a table cell; a month without a figure says why in a word or two."""
    if value is None and status is not None and not status.has_figure:
        return status.label.lower()
    return score_text(value)


def status_symbol(symbol: str, status: FigureStatus | None) -> str:
    """A point's marker: hollow when its figure is provisional, so the chart tells a figure
    that may still move from a rated one without colour."""
    return f"{symbol}-open" if status is not None and status.provisional else symbol
