"""Plotly figures built in Python from the metric dataclasses; drawn by plotly.js.

Never touches the ORM. Each chart carries a caption stating the finding in words and
the data table behind it, and shows RAG by marker shape and text as well as colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go

from departments.rating import Rag
from reporting.metrics.scores import AMBER_FROM, GREEN_FROM

RAG_COLOURS = {
    Rag.GREEN: "#00703c",
    Rag.AMBER: "#8a4b00",
    Rag.RED: "#b3261e",
    Rag.NOT_RATED: "#505a5f",
}
RAG_SYMBOLS = {Rag.GREEN: "circle", Rag.AMBER: "triangle-up", Rag.RED: "square", Rag.NOT_RATED: "x"}


@dataclass(frozen=True)
class Chart:
    dom_id: str
    title: str
    caption: str
    figure_json: str
    headers: list[str]
    rows: list[list[str]]


def _figure_json(figure: go.Figure) -> str:
    """The figure as JSON, with "<" escaped so no string can close the <script> it sits in."""
    return figure.to_json().replace("<", "\\u003c")


def _layout(title: str, y_title: str) -> dict:
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


def _threshold_lines() -> list[dict]:
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


def _fmt(value: Decimal | None) -> str:
    return "not rated" if value is None else f"{value:.1f}"


def score_trend(
    *,
    dom_id: str,
    title: str,
    labels: list[str],
    scores: list[Decimal | None],
    rags: list[Rag],
    noun: str,
) -> Chart:
    """A 0-100 score over months, markers shaped and labelled by RAG."""
    rated = [
        (label, s, r) for label, s, r in zip(labels, scores, rags, strict=True) if s is not None
    ]
    figure = go.Figure(
        data=[
            go.Scatter(
                x=labels,
                y=[float(s) if s is not None else None for s in scores],
                mode="lines+markers",
                name=noun,
                connectgaps=False,
                line={"color": "#1d4f91", "width": 2},
                marker={
                    "size": 10,
                    "symbol": [RAG_SYMBOLS[r] for r in rags],
                    "color": [RAG_COLOURS[r] for r in rags],
                },
                text=[f"{_fmt(s)} ({r.label})" for s, r in zip(scores, rags, strict=True)],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        ],
        layout={**_layout(title, f"{noun} (0-100)"), "shapes": _threshold_lines()},
    )
    return Chart(
        dom_id,
        title,
        _trend_caption(noun, rated),
        _figure_json(figure),
        ["Month", noun, "RAG"],
        [[label, _fmt(s), r.label] for label, s, r in zip(labels, scores, rags, strict=True)],
    )


def _trend_caption(noun: str, rated: list[tuple[str, Decimal, Rag]]) -> str:
    if not rated:
        return f"No month in this range has a {noun.lower()} figure."
    last_label, last, last_rag = rated[-1]
    low_label, low, low_rag = min(rated, key=lambda item: item[1])
    text = f"{noun} was {last:.1f} ({last_rag.label.lower()}) in {last_label}"
    if len(rated) > 1:
        previous = rated[-2][1]
        change = last - previous
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        text += (
            f", {direction} {abs(change):.1f} points on {rated[-2][0]}"
            if change
            else ", unchanged on the month before"
        )
    if len(rated) > 1:
        text += (
            f". Its lowest over these {len(rated)} months was {low:.1f} "
            f"({low_rag.label.lower()}) in {low_label}"
        )
    return text + "."


def pair_heatmap(
    *,
    dom_id: str,
    title: str,
    names: list[str],
    volumes: list[list[int]],
    shares: list[list[Decimal | None]],
) -> Chart:
    """Department × department: colour is the on-time share, each cell's text gives the
    share and the volume, so the figure reads without colour."""
    text = [
        [
            ("–" if v == 0 else f"{_fmt(s) if s is not None else 'n/a'}%<br>{v}")
            for v, s in zip(row_v, row_s, strict=True)
        ]
        for row_v, row_s in zip(volumes, shares, strict=True)
    ]
    z = [[float(s) if s is not None else None for s in row] for row in shares]
    figure = go.Figure(
        data=[
            go.Heatmap(
                z=z,
                x=names,
                y=names,
                text=text,
                texttemplate="%{text}",
                colorscale=[[0, "#b3261e"], [0.6, "#f0c36d"], [0.8, "#9bd3ae"], [1, "#00703c"]],
                zmin=0,
                zmax=100,
                colorbar={"title": "On time %"},
                hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
            )
        ],
        layout={
            **_layout(title, "From"),
            "height": 120 + 48 * len(names),
            "yaxis": {"title": "From", "autorange": "reversed", "type": "category"},
            "xaxis": {"title": "To", "type": "category"},
        },
    )
    pairs = [
        (names[i], names[j], volumes[i][j], shares[i][j])
        for i in range(len(names))
        for j in range(len(names))
        if volumes[i][j]
    ]
    worst = min((p for p in pairs if p[3] is not None), key=lambda p: p[3], default=None)
    busiest = max(pairs, key=lambda p: p[2], default=None)
    caption = "No referrals in this period."
    if busiest:
        caption = (
            f"The busiest route was {busiest[0]} to {busiest[1]} ({busiest[2]} "
            f"referrals, {_fmt(busiest[3])}% on time)"
        )
        if worst and worst is not busiest:
            caption += (
                f"; the least timely was {worst[0]} to {worst[1]} "
                f"({_fmt(worst[3])}% on time over {worst[2]})"
            )
        caption += "."
    return Chart(
        dom_id,
        title,
        caption,
        _figure_json(figure),
        ["From", "To", "Referrals", "On time %"],
        [[a, b, str(v), _fmt(s)] for a, b, v, s in pairs],
    )
