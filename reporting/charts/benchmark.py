"""Benchmarking charts: the council against its group's spread over time, and the latest
period's distribution. Each with its caption (the statement in words) and data table.

Never touches the ORM: it draws ``reporting.metrics.benchmark_series`` results.
"""

from __future__ import annotations

from decimal import Decimal

from departments.numbers import format_figure
from reporting.charts.base import (
    Chart,
    base_layout,
    figure_json,
    plotly_figure,
    trace,
    y_axis_title,
)
from reporting.metrics.benchmark_series import PeriodComparison

COUNCIL_COLOUR = "#1d4f91"
SPREAD_COLOUR = "rgba(80, 90, 95, 0.18)"
MEDIAN_COLOUR = "#505a5f"


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def spread_over_time(
    *, dom_id: str, title: str, council: str, items: list[PeriodComparison], places: int, unit: str
) -> Chart:
    """The council's published figure each period (a line with markers) over the group's
    spread: the band between lower and upper quartiles shaded, the median dashed. A period
    without the council's figure is a gap, never a zero."""
    labels = [item.period.short_label for item in items]
    quartiles = [item.comparison.quartiles for item in items]
    lower = [_float(q.lower) if q else None for q in quartiles]
    upper = [_float(q.upper) if q else None for q in quartiles]
    median = [_float(q.median) if q else None for q in quartiles]
    mine = [_float(item.comparison.council_value) for item in items]
    figure = plotly_figure(
        data=[
            trace(
                "scatter",
                x=labels,
                y=lower,
                mode="lines",
                line={"width": 0},
                name="Lower quartile",
                showlegend=False,
                hoverinfo="skip",
            ),
            trace(
                "scatter",
                x=labels,
                y=upper,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=SPREAD_COLOUR,
                name="Middle half of the group (quartiles)",
                hoverinfo="skip",
            ),
            trace(
                "scatter",
                x=labels,
                y=median,
                mode="lines",
                name="Group median",
                line={"color": MEDIAN_COLOUR, "width": 2, "dash": "dash"},
                hovertemplate="%{x}: median %{y}<extra></extra>",
            ),
            trace(
                "scatter",
                x=labels,
                y=mine,
                mode="lines+markers",
                name=council,
                connectgaps=False,
                line={"color": COUNCIL_COLOUR, "width": 2},
                marker={"size": 9},
                hovertemplate="%{x}: %{y}<extra></extra>",
            ),
        ],  # fmt: skip
        layout={
            **base_layout(title, unit),
            "yaxis": {"title": y_axis_title(unit), "rangemode": "tozero", "automargin": True},
        },
    )
    latest = items[-1].statement if items else "There are no published figures yet."
    return Chart(
        dom_id,
        title,
        latest,
        figure_json(figure),
        [
            "Period",
            council,
            "Lower quartile",
            "Median",
            "Upper quartile",
            "Rank",
            "Quartile band",
            "Councils with a figure",
            "Against the median, a year earlier",
        ],
        [_table_row(item, places) for item in items],
    )


def _table_row(item: PeriodComparison, places: int) -> list[str]:
    c = item.comparison
    q = c.quartiles
    return [
        item.period.short_label,
        _figure_or_none(c.council_value, places),
        format_figure(q.lower if q else None, places),
        format_figure(q.median if q else None, places),
        format_figure(q.upper if q else None, places),
        f"{c.rank} of {c.reporting}" if c.rank else "–",
        c.band.label if c.band else "–",
        f"{c.reporting} of {c.councils}",
        item.direction.label,
    ]


def distribution(
    *, dom_id: str, title: str, council_code: str, item: PeriodComparison, places: int, unit: str
) -> Chart:
    """One period's figures of every council of the group, sorted, the council's bar
    picked out; councils without a figure are named in the caption, not drawn as zero."""
    reported = sorted(
        (area for area in item.areas if area.value is not None), key=lambda area: area.value
    )
    colours = [COUNCIL_COLOUR if a.area_code == council_code else "#b1b4b6" for a in reported]
    # The group's median across the plot, as Plotly's ``add_hline`` draws it.
    median = (
        [
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": float(item.comparison.median),
                "y1": float(item.comparison.median),
                "line": {"dash": "dash", "color": MEDIAN_COLOUR, "width": 1},
            }
        ]
        if item.comparison.median is not None
        else []
    )
    figure = plotly_figure(
        data=[
            trace(
                "bar",
                x=[area.area_name for area in reported],
                y=[float(area.value) for area in reported],
                marker={"color": colours},
                hovertemplate="%{x}: %{y}<extra></extra>",
                name=item.period.short_label,
            )
        ],
        layout={
            **base_layout(title, unit),
            "yaxis": {"title": y_axis_title(unit), "rangemode": "tozero", "automargin": True},
            "showlegend": False,
            **({"shapes": median} if median else {}),
        },
    )
    return Chart(
        dom_id,
        title,
        item.statement,
        figure_json(figure),
        ["Council", "Figure"],
        [
            [
                area.area_name,
                format_figure(area.value, places) if area.value is not None else "No figure",
            ]
            for area in sorted(item.areas, key=lambda area: area.area_name)
        ],
    )


def _figure_or_none(value: Decimal | None, places: int) -> str:
    return "No figure" if value is None else format_figure(value, places)
