"""Plotly figures built in Python from the metric dataclasses; drawn by plotly.js.

Never touches the ORM. Each chart carries a caption stating the finding in words and
the data table behind it, and shows RAG by marker shape and text as well as colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from departments.rating import Rag
from reporting.charts.base import (
    TICK_CHARACTERS,
    Chart,
    base_layout,
    figure_json,
    plotly_figure,
    score_cell,
    score_text,
    status_symbol,
    threshold_lines,
    trace,
    wrapped,
    y_axis_title,
)
from reporting.metrics.status import FigureStatus

RAG_COLOURS = {
    Rag.GREEN: "#00703c",
    Rag.AMBER: "#8a4b00",
    Rag.RED: "#b3261e",
    Rag.NOT_RATED: "#505a5f",
}
RAG_SYMBOLS = {Rag.GREEN: "circle", Rag.AMBER: "triangle-up", Rag.RED: "square", Rag.NOT_RATED: "x"}


def score_trend(
    *,
    dom_id: str,
    title: str,
    labels: list[str],
    scores: list[Decimal | None],
    rags: list[Rag],
    noun: str,
    statuses: list[FigureStatus] | None = None,
) -> Chart:
    """A 0-100 score over months, markers shaped and labelled by RAG.

    With ``statuses`` (one per month), a provisional point is drawn hollow and labelled
    provisional, and a month without a figure (not ended, outside the contract) is a gap
    that the hover text and the data table name; the table gains a Status column.
    """
    states = statuses or [None] * len(labels)
    points = list(zip(labels, scores, rags, states, strict=True))
    rated = [(label, s, r, st) for label, s, r, st in points if s is not None]

    figure = plotly_figure(
        data=[
            trace(
                "scatter",
                x=labels,
                y=[float(s) if s is not None else None for s in scores],
                mode="lines+markers",
                name=noun,
                connectgaps=False,
                line={"color": "#1d4f91", "width": 2},
                marker={
                    "size": 10,
                    "symbol": [status_symbol(RAG_SYMBOLS[r], st) for _, _, r, st in points],
                    "color": [RAG_COLOURS[r] for r in rags],
                },
                text=[_point_text(s, r, st) for _, s, r, st in points],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        ],
        layout={**base_layout(title, f"{noun} (0-100)"), "shapes": threshold_lines()},
    )
    headers = ["Month", noun, "RAG"] + (["Status"] if statuses else [])
    return Chart(
        dom_id,
        title,
        _trend_caption(noun, rated),
        figure_json(figure),
        headers,
        [
            [label, score_cell(s, st), r.label] + ([str(st)] if statuses else [])
            for label, s, r, st in points
        ],
    )


def _point_text(value: Decimal | None, rag: Rag, status: FigureStatus | None) -> str:
    if status is None:
        return f"{score_text(value)} ({rag.label})"
    if not status.has_figure:
        return str(status)
    if status.provisional:
        return f"{score_text(value)} ({rag.label}, provisional: {status.reason})"
    return f"{score_text(value)} ({rag.label})"


def _trend_caption(noun: str, rated: list[tuple[str, Decimal, Rag, FigureStatus | None]]) -> str:
    """The latest figure, its change on the month before it that has a figure, and the
    lowest of the range. The series ends at an ended month, so the change never steps
    into a month that is still running; a change to or from a provisional month is said
    to be provisional."""
    if not rated:
        return f"No month in this range has a {noun.lower()} figure."
    last_label, last, last_rag, last_status = rated[-1]
    low_label, low, low_rag, _ = min(rated, key=lambda item: item[1])
    provisional = last_status is not None and last_status.provisional
    state = f", provisional: {last_status.reason}" if provisional else ""
    text = f"{noun} was {last:.1f} ({last_rag.label.lower()}{state}) in {last_label}"
    if len(rated) > 1:
        previous_label, previous, _, previous_status = rated[-2]
        change = last - previous
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        either = provisional or (previous_status is not None and previous_status.provisional)
        text += (
            f", {direction} {abs(change):.1f} points on {previous_label}"
            if change
            else ", unchanged on the month before"
        ) + (" (a provisional change)" if either else "")
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
            ("–" if v == 0 else f"{score_text(s) if s is not None else 'n/a'}%<br>{v}")
            for v, s in zip(row_v, row_s, strict=True)
        ]
        for row_v, row_s in zip(volumes, shares, strict=True)
    ]
    z = [[float(s) if s is not None else None for s in row] for row in shares]
    figure = plotly_figure(
        data=[
            trace(
                "heatmap",
                z=z,
                x=names,
                y=names,
                text=text,
                texttemplate="%{text}",
                colorscale=[[0, "#b3261e"], [0.6, "#f0c36d"], [0.8, "#9bd3ae"], [1, "#00703c"]],
                zmin=0,
                zmax=100,
                colorbar={"title": {"text": "On time %"}},
                hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
            )
        ],
        layout={
            **base_layout(title, "From"),
            "height": 120 + 48 * len(names),
            "yaxis": {
                "title": {"text": "From"},
                "autorange": "reversed",
                "type": "category",
                "automargin": True,
            },
            "xaxis": {"title": {"text": "To"}, "type": "category", "automargin": True},
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
            f"referrals, {score_text(busiest[3])}% on time)"
        )
        if worst and worst is not busiest:
            caption += (
                f"; the least timely was {worst[0]} to {worst[1]} "
                f"({score_text(worst[3])}% on time over {worst[2]})"
            )
        caption += "."
    return Chart(
        dom_id,
        title,
        caption,
        figure_json(figure),
        ["From", "To", "Referrals", "On time %"],
        [[a, b, str(v), score_text(s)] for a, b, v, s in pairs],
    )


RAG_STACK = [
    ("green", "Green", "#00703c", "/"),
    ("amber", "Amber", "#f0c36d", "."),
    ("red", "Red", "#b3261e", "x"),
    ("not_rated", "Not rated", "#b1b4b6", ""),
    ("missing", "Missing", "#505a5f", "-"),
]


def rag_stacked_bar(*, dom_id: str, title: str, names: list[str], counts: list[dict]) -> Chart:
    """RAG counts per department: each band has a pattern and a legend word, not colour
    alone."""
    figure = plotly_figure(
        data=[
            trace(
                "bar",
                name=label,
                x=names,
                y=[c.get(key, 0) for c in counts],
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate=f"%{{x}}: %{{y}} {label.lower()}<extra></extra>",
            )
            for key, label, colour, pattern in RAG_STACK
        ],
        layout={
            **base_layout(title, "Indicators"),
            # Taller than the other charts: the department names take up to three lines.
            "height": 400,
            "barmode": "stack",
            "yaxis": {"title": y_axis_title("Indicators"), "automargin": True},
            # Each name wrapped to sit under its own bar (hover keeps the whole name).
            "xaxis": {
                "type": "category",
                "automargin": True,
                "tickmode": "array",
                "tickvals": names,
                "ticktext": [wrapped(name, TICK_CHARACTERS) for name in names],
            },
        },
    )
    worst = max(zip(names, counts, strict=True), key=lambda nc: nc[1].get("red", 0), default=None)
    total = {key: sum(c.get(key, 0) for c in counts) for key, *_ in RAG_STACK}
    caption = (
        f"Across the council: green {total['green']}, amber {total['amber']}, "
        f"red {total['red']}, missing {total['missing']}"
    )
    if worst and worst[1].get("red", 0):
        caption += f"; {worst[0]} has the most red ({worst[1]['red']})"
    return Chart(
        dom_id,
        title,
        caption + ".",
        figure_json(figure),
        ["Department", *[label for _, label, *_ in RAG_STACK]],
        [
            [n, *[str(c.get(key, 0)) for key, *_ in RAG_STACK]]
            for n, c in zip(names, counts, strict=True)
        ],
    )


def share_heatmap(
    *,
    dom_id: str,
    title: str,
    rows: list[str],
    columns: list[str],
    shares: list[list[Decimal | None]],
    counts: list[list[int]],
) -> Chart:
    """Share of indicators on target, department × Best Value dimension, with the figure
    written in each cell."""
    text = [
        [("–" if n == 0 else f"{score_text(s)}%<br>of {n}") for s, n in zip(rs, rc, strict=True)]
        for rs, rc in zip(shares, counts, strict=True)
    ]
    figure = plotly_figure(
        data=[
            trace(
                "heatmap",
                z=[[float(s) if s is not None else None for s in r] for r in shares],
                x=columns,
                y=rows,
                text=text,
                texttemplate="%{text}",
                zmin=0,
                zmax=100,
                colorscale=[[0, "#b3261e"], [0.6, "#f0c36d"], [0.8, "#9bd3ae"], [1, "#00703c"]],
                colorbar={"title": {"text": "On target %"}},
                hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
            )
        ],
        layout={
            **base_layout(title, "Department"),
            "height": 140 + 40 * len(rows),
            "yaxis": {"autorange": "reversed", "type": "category", "automargin": True},
            "xaxis": {"type": "category", "automargin": True},
        },
    )
    cells = [
        (r, c, s, n)
        for r, rs, rc in zip(rows, shares, counts, strict=True)
        for c, s, n in zip(columns, rs, rc, strict=True)
        if n
    ]
    low = min(
        (cell for cell in cells if cell[2] is not None), key=lambda cell: cell[2], default=None
    )
    caption = "No rated indicators in this period."
    if low:
        caption = (
            f"The lowest share on target is {low[0]}'s {low[1].lower()} indicators: "
            f"{score_text(low[2])}% of {low[3]}."
        )
    return Chart(
        dom_id,
        title,
        caption,
        figure_json(figure),
        ["Department", "Dimension", "On target %", "Rated indicators"],
        [[r, c, score_text(s), str(n)] for r, c, s, n in cells],
    )


RECENT_PERIODS = 12  # the indicator trend's caption counts red over the last 12 periods


@dataclass(frozen=True)
class TrendWords:
    """The words of an indicator trend: the staff's (``STAFF_WORDS``) or the residents'
    (the public portal's), for a period without a figure and for the rating."""

    missing: str = "No counted return"
    rating_heading: str = "RAG"
    ratings: dict | None = None  # Rag to its words; None: Rag's own label

    def rating(self, rag: Rag) -> str:
        return self.ratings[rag] if self.ratings else rag.label


STAFF_WORDS = TrendWords()


def _indicator_figure(value: Decimal, places: int) -> str:
    # Values and targets reach here already rounded half-up to the indicator's places, so
    # formatting adds the separators and never rounds again.
    return f"{value:,.{places}f}"


def indicator_trend(
    *,
    dom_id: str,
    title: str,
    code: str,
    labels: list[str],
    values: list[Decimal | None],
    targets: list[Decimal | None],
    rags: list[Rag],
    decimal_places: int,
    unit: str,
    words: TrendWords = STAFF_WORDS,
) -> Chart:
    """One indicator's value in every period against the period target, oldest first.

    ``values`` are the counted values (None for a period without a counted return, drawn
    as a gap) and ``targets`` the period targets (None without a target for that year),
    both rounded half-up to ``decimal_places``. The value markers are shaped and coloured
    by RAG; the target is a dashed line.
    """
    points = list(zip(labels, values, targets, rags, strict=True))

    def shown(value: Decimal | None, empty: str) -> str:
        return empty if value is None else _indicator_figure(value, decimal_places)

    figure = plotly_figure(
        data=[
            trace(
                "scatter",
                x=labels,
                y=[None if t is None else float(t) for t in targets],
                mode="lines",
                name="Target",
                connectgaps=False,
                line={"color": "#505a5f", "width": 2, "dash": "dash"},
                text=[shown(t, "no target") for t in targets],
                hovertemplate="%{x}: target %{text}<extra></extra>",
            ),
            trace(
                "scatter",
                x=labels,
                y=[None if v is None else float(v) for v in values],
                mode="lines+markers",
                name=code,
                connectgaps=False,
                line={"color": "#1d4f91", "width": 2},
                marker={
                    "size": 10,
                    "symbol": [RAG_SYMBOLS[r] for r in rags],
                    "color": [RAG_COLOURS[r] for r in rags],
                },
                text=[
                    f"{shown(v, words.missing.lower())} ({words.rating(r)})"
                    for _, v, _, r in points
                ],
                hovertemplate="%{x}: %{text}<extra></extra>",
            ),
        ],
        layout={
            **base_layout(title, unit),
            "yaxis": {"title": y_axis_title(unit), "rangemode": "tozero", "automargin": True},
        },
    )
    return Chart(
        dom_id,
        title,
        _indicator_caption(code, points, decimal_places, words),
        figure_json(figure),
        ["Period", "Value", "Target", words.rating_heading],
        [
            [label, shown(v, words.missing), shown(t, "No target"), words.rating(r)]
            for label, v, t, r in points
        ],
    )


def _indicator_caption(
    code: str,
    points: list[tuple[str, Decimal | None, Decimal | None, Rag]],
    places: int,
    words: TrendWords = STAFF_WORDS,
) -> str:
    """The finding in words: "LPI-HOU-03 was 83.1 (red) in Oct 2025 against a target of
    88.9; 4 of the last 12 periods were red." A latest period without a counted return is
    said first, so a gap is never passed over."""
    missing = words.missing.lower()
    counted = [point for point in points if point[1] is not None]
    if not counted:
        return f"{code} has {missing} in these periods."
    label, value, target, rag = counted[-1]
    found = f"{_indicator_figure(value, places)} ({words.rating(rag).lower()}) in {label}"
    found += (
        " with no target set"
        if target is None
        else f" against a target of {_indicator_figure(target, places)}"
    )
    if points[-1][1] is None:
        text = f"{code} has {missing} for {points[-1][0]}; it was last {found}"
    else:
        text = f"{code} was {found}"
    recent = points[-RECENT_PERIODS:]
    if len(recent) > 1:
        red = sum(1 for *_, r in recent if r == Rag.RED)
        text += (
            f"; {red} of the last {len(recent)} periods {'was' if red == 1 else 'were'} "
            f"{words.rating(Rag.RED).lower()}"
        )
        uncounted = sum(1 for _, v, _, _ in recent if v is None)
        if uncounted:
            text += f" and {uncounted} had {missing}"
    return text + "."


# --- the named trends: one definition each, for the pages and the PDF reports ----------


def contract_health_chart(series) -> Chart:
    """A partnership's contract health (ContractHealth per month) on its page and in packs."""
    return score_trend(
        dom_id="contract-health-trend",
        title="Contract health over the last 24 months",
        labels=[h.period.short_label for h in series],
        scores=[h.score for h in series],
        rags=[h.rag for h in series],
        noun="Contract health",
        statuses=[h.status for h in series],
    )


def coordination_chart(series, subject: str, *, dom_id: str = "coordination-trend") -> Chart:
    """A coordination index over months (Coordination per month), council or department."""
    return score_trend(
        dom_id=dom_id,
        title=f"{subject} coordination index over the last 24 months",
        labels=[c.period.short_label for c in series],
        scores=[c.index for c in series],
        rags=[c.rag for c in series],
        noun="Coordination index",
        statuses=[c.status for c in series],
    )


def partner_health_chart(health) -> Chart:
    """Council-level partner health (CouncilPartnerHealth per month), on the overview and
    in packs."""
    return score_trend(
        dom_id="partner-health-trend",
        title="Partner health over 24 months",
        labels=[h.period.short_label for h in health],
        scores=[h.score for h in health],
        rags=[h.rag for h in health],
        noun="Partner health",
        statuses=[h.status for h in health],
    )


def rag_by_department_chart(month, departments, counts: dict) -> Chart:
    """RAG counts of each department's indicators for the month (overview and packs)."""
    return rag_stacked_bar(
        dom_id="rag-by-department",
        title=f"RAG by department, {month.short_label}",
        names=[d.name for d in departments],
        counts=[counts[d.pk] for d in departments],
    )
