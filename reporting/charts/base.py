"""What every chart shares: the ``Chart`` a page and a pack show (a figure with its caption
and data table), the layout and threshold lines of a 0-100 score, how a score is written
in a table, and how a provisional point is drawn.

Never touches the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go

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


def figure_json(figure: go.Figure) -> str:
    """The figure as JSON, with "<" escaped so no string can close the <script> it sits in."""
    return figure.to_json().replace("<", "\\u003c")


def base_layout(title: str, y_title: str) -> dict:
    """The layout of a chart on a 0-100 axis; a chart of other units overrides ``yaxis``."""
    return {
        "title": {"text": title, "x": 0},
        "margin": {"l": 56, "r": 16, "t": 48, "b": 48},
        "height": 340,
        "yaxis": {"title": y_title, "range": [0, 105]},
        "xaxis": {"type": "category"},
        "legend": {"orientation": "h", "y": -0.2},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "plot_bgcolor": "#ffffff",
    }


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
