"""The combined view's two charts: both scores over time with the below-green spells
shaded, and the scatter of month-on-month changes with the fitted line."""

from __future__ import annotations

from decimal import Decimal

from core.words import plural
from departments.periods import Period
from reporting.charts import base
from reporting.charts.base import Chart, plotly_figure, trace
from reporting.metrics.combined import (
    ChangePoint,
    CombinedFigures,
    Spell,
    below_green_spells,
    change_points,
    fitted_line,
)
from reporting.metrics.relation import CAVEAT, STRENGTH_SCALE, Relation, Series
from reporting.metrics.status import FigureStatus, next_ended

HEALTH_COLOUR = "#1d4f91"
COORDINATION_COLOUR = "#8a4b00"


def _signed(value: Decimal) -> str:
    return f"{value:+.1f}"


def combined_trend(
    *,
    dom_id: str,
    title: str,
    health: Series,
    coordination: Series,
    spells: list[Spell],
    health_noun: str,
    health_statuses: list[FigureStatus] | None = None,
) -> Chart:
    """Partner health and the coordination index on one 0-100 axis; the lines differ in
    dash and marker as well as colour, and the shaded spells are named in the caption.
    With ``health_statuses`` a provisional month's marker is hollow and the data table
    says each month's status (a month outside the contract is a gap, so labelled)."""
    labels = [month.short_label for month, _ in health]
    statuses = health_statuses or [None] * len(health)
    shading = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": spell.first.short_label,
            "x1": spell.last.short_label,
            "y0": 0,
            "y1": 1,
            "fillcolor": "#b1b4b6",
            "opacity": 0.35,
            "layer": "below",
            "line": {"width": 0},
        }
        for spell in spells
    ]
    figure = plotly_figure(
        data=[
            trace(
                "scatter",
                x=labels,
                y=[None if v is None else float(v) for _, v in health],
                name=health_noun,
                mode="lines+markers",
                line={"color": HEALTH_COLOUR, "width": 2},
                marker={
                    "symbol": [base.status_symbol("circle", status) for status in statuses],
                    "size": 8,
                },
                text=["" if status is None else str(status) for status in statuses],
                hovertemplate="%{x}: %{y:.1f} %{text}<extra></extra>",
                connectgaps=False,
            ),
            trace(
                "scatter",
                x=labels,
                y=[None if v is None else float(v) for _, v in coordination],
                name="Coordination index",
                mode="lines+markers",
                line={"color": COORDINATION_COLOUR, "width": 2, "dash": "dash"},
                marker={"symbol": "diamond", "size": 8},
                connectgaps=False,
            ),
        ],
        layout={
            **base.base_layout(title, "Score (0-100)"),
            "shapes": shading + base.threshold_lines(),
        },
    )
    coordination_by_month = dict(coordination)
    return Chart(
        dom_id,
        title,
        _trend_caption(health_noun, spells),
        base.figure_json(figure),
        ["Month", health_noun, "Coordination index", "Partner health below green"]
        + ([f"{health_noun} status"] if health_statuses else []),
        [
            [
                month.short_label,
                base.score_cell(value, status),
                base.score_text(coordination_by_month.get(month)),
                "yes" if any(_within(month, s) for s in spells) else "no",
            ]
            + ([str(status)] if health_statuses else [])
            for (month, value), status in zip(health, statuses, strict=True)
        ],
    )


def _within(month: Period, spell: Spell) -> bool:
    return spell.first.start <= month.start <= spell.last.start


def _trend_caption(health_noun: str, spells: list[Spell]) -> str:
    if not spells:
        return f"{health_noun} stayed green (80 or more) in every rated month shown."
    described = "; ".join(
        f"{s.first.short_label}"
        + (f" to {s.last.short_label}" if s.last != s.first else "")
        + f" ({plural(s.months, 'month')})"
        for s in spells
    )
    return f"Shaded: months when {health_noun.lower()} was below green (under 80): {described}."


def change_scatter(
    *,
    dom_id: str,
    title: str,
    points: list[ChangePoint],
    lag: int,
    relation: Relation,
    finding: str,
) -> Chart:
    """Each month's health change against the coordination change ``lag`` months later,
    with the least-squares line when there is one; its summary is ``finding`` (the
    relation's, in the words of its subjects) and the statistics behind it."""
    later = "the same month" if lag == 0 else f"{plural(lag, 'month')} later"
    xs = [float(p.health_change) for p in points]
    data = [
        trace(
            "scatter",
            x=xs,
            y=[float(p.coordination_change) for p in points],
            mode="markers",
            name="Months",
            marker={"size": 9, "color": HEALTH_COLOUR, "symbol": "circle"},
            text=[f"{p.month.short_label} → {p.later.short_label}" for p in points],
            hovertemplate="%{text}: health %{x:+.1f}, coordination %{y:+.1f}<extra></extra>",
        )
    ]
    line = fitted_line(points)
    if line is not None and relation.best is not None:
        slope, intercept = line
        ends = [min(xs), max(xs)]
        data.append(
            trace(
                "scatter",
                x=ends,
                y=[slope * x + intercept for x in ends],
                mode="lines",
                name=f"Fitted line (r = {relation.best.r})",
                line={"color": COORDINATION_COLOUR, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    layout = base.base_layout(title, f"Coordination change {later} (points)")
    layout["yaxis"] = {
        "title": base.y_axis_title(f"Coordination change {later} (points)"),
        "zeroline": True,
        "automargin": True,
    }
    layout["xaxis"] = {
        "title": {"text": "Partner health change (points)"},
        "zeroline": True,
        "automargin": True,
    }
    return Chart(
        dom_id,
        title,
        f"{finding} {relation.statistics()}",
        base.figure_json(plotly_figure(data=data, layout=layout)),
        [
            "Health change in",
            "Partner health change",
            "Coordination change in",
            "Coordination change",
        ],
        [
            [
                p.month.short_label + (" (provisional)" if p.provisional else ""),
                _signed(p.health_change),
                p.later.short_label,
                _signed(p.coordination_change),
            ]
            for p in points
        ],
    )


def combined_context(figures: CombinedFigures, *, council_wide: bool) -> dict:
    """What the combined view shows (the page, and the monthly pack's section) from its
    figures (``reporting/figures/combined.py``): the council's figures and charts for
    council-wide readers, a department's own otherwise."""
    month, partnership = figures.month, figures.partnership
    health_noun = f"{partnership.name} contract health" if partnership else "Partner health"
    context = {
        "month": month,
        "previous_month": month.previous(),
        "next_month": next_ended(month),
        "partnership": partnership,
        "council_wide": council_wide,
        "rows": figures.departments,
        "spells": figures.spells,
        "caveat": CAVEAT,
        "strength_scale": STRENGTH_SCALE,
    }
    if council_wide:
        context.update(
            relation=figures.relation,
            finding=figures.finding(),
            trend=combined_trend(
                dom_id="combined-trend",
                title=f"{health_noun} and the council coordination index, 24 months",
                health=figures.health,
                coordination=figures.coordination_series,
                spells=figures.spells,
                health_noun=health_noun,
                health_statuses=figures.health_statuses,
            ),
            scatter=change_scatter(
                dom_id="combined-changes",
                title="Month-on-month changes: partner health against coordination",
                points=figures.change_points(),
                lag=figures.lag_shown,
                relation=figures.relation,
                finding=figures.finding(),
            ),
            health_now=figures.health[-1][1],
            health_status=figures.health_status,
            coordination_now=figures.coordination[-1],
        )
    elif figures.departments:
        # A department's own view: its dependency health against its coordination.
        row = figures.departments[0]
        spells = below_green_spells(row.dependency_series)
        lag = row.relation.best.lag if row.relation.best else 0
        context.update(
            relation=row.relation,
            finding=row.finding(),
            trend=combined_trend(
                dom_id="combined-trend",
                title=f"{row.department.name}: dependency health and coordination index",
                health=row.dependency_series,
                coordination=row.coordination_series,
                spells=spells,
                health_noun="Dependency health",
            ),
            scatter=change_scatter(
                dom_id="combined-changes",
                title="Month-on-month changes: dependency health against coordination",
                points=change_points(row.dependency_series, row.coordination_series, lag),
                lag=lag,
                relation=row.relation,
                finding=row.finding(),
            ),
            spells=spells,
        )
    return context
