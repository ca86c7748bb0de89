"""KPI returns of a month with their RAG, year to date, direction of travel and commentary."""

from __future__ import annotations

from collections.abc import Iterator

from core.tabular import DATETIME, FIGURE, TEXT, Column
from departments.forecasts import Forecast
from departments.models import PerformanceIndicator
from reporting.metrics.returns import IndicatorRow, indicator_rows
from reporting.reports.exports.base import Exporter, page_link


def scoped_indicator_rows(exporter: Exporter) -> list[IndicatorRow]:
    """The month's indicator rows the user may see (optionally one department's), in the
    dashboards' order: department name, then indicator code. Rows of indicators with no
    period of their kind ended yet in the month's year are left out, as on the pages."""
    indicators = PerformanceIndicator.objects.visible_to(exporter.user)
    if exporter.parameters.department:
        indicators = indicators.filter(department=exporter.parameters.department)
    rows = indicator_rows(indicators=indicators, month=exporter.parameters.month)
    return [row for row in rows if row.period is not None]


def rag_text(row: IndicatorRow) -> str:
    """The RAG in words (a missing return is "Missing", the one rule's word, never a
    colour)."""
    return row.timeliness.label if row.missing else row.rag.label


# The year-end forecast beside the current status (issue 20): the same columns in every
# export and pack that lists returns, filled by ``forecast_cells``.
FORECAST_COLUMNS = [
    Column("Year-end forecast", 12, FIGURE),
    Column("Annual target", 12, FIGURE),
    Column("Forecast RAG", 10),
    Column("Forecast confidence", 12),
    Column("Forecast explanation", 40, TEXT),
    Column("Forecast to check", 30, TEXT),
]


def forecast_cells(forecast: Forecast | None) -> list:
    """The ``FORECAST_COLUMNS`` of one return: the forecast and the annual target rounded
    half-up to the indicator's places (as the rating compared them), its RAG and
    confidence in words, the explanation and the flag; empty without a forecast."""
    if forecast is None:
        return [None, None, "", "", "", ""]
    return [
        forecast.rounded_value,
        forecast.target,
        forecast.rag.label,
        forecast.confidence.label,
        forecast.note,
        forecast.flag,
    ]


class ReturnsExporter(Exporter):
    identifier = "returns"
    title = "KPI returns with RAG and commentary"
    description = (
        "Every indicator's return for the month: state, where it stands against its "
        "deadline, value, target, RAG, year to date, direction of travel against last "
        "year, commentary and improvement action, and the year-end forecast beside the "
        "current status: its value, the annual target, its RAG, the officer's confidence "
        "and explanation, and whether the head should check it."
    )
    columns = [
        Column("Department", 24),
        Column("Indicator", 12),
        Column("Title", 40),
        Column("Best Value dimension", 14),
        Column("Statutory", 9),
        Column("Period", 12),
        Column("State", 12),
        Column("Against the deadline", 18),
        Column("Value", 12, FIGURE),
        Column("Period target", 12, FIGURE),
        Column("RAG", 10),
        Column("Year to date", 12, FIGURE),
        Column("Year-to-date target", 12, FIGURE),
        Column("Year-to-date RAG", 10),
        Column("Year to date incomplete", 10),
        Column("Direction of travel", 14),
        Column("Submitted at", 17, DATETIME),
        Column("Commentary", 50, TEXT),
        Column("Improvement action", 50, TEXT),
        *FORECAST_COLUMNS,
        Column("Source", 40),
    ]

    @classmethod
    def may_run(cls, user) -> bool:
        return PerformanceIndicator.objects.visible_to(user).exists()

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        for row in scoped_indicator_rows(self):
            indicator, kpi_return, ytd = row.indicator, row.kpi_return, row.year_to_date
            yield [
                indicator.department.name,
                indicator.code,
                indicator.title,
                indicator.get_dimension_display(),
                indicator.statutory,
                row.period.key,
                kpi_return.get_state_display() if kpi_return else "Not started",
                row.timeliness.label,
                row.value,
                row.period_target,
                rag_text(row),
                ytd.value,
                ytd.target,
                ytd.rag.label,
                ytd.incomplete,
                row.direction.label,
                kpi_return.submitted_at if kpi_return else None,
                kpi_return.commentary if row.value is not None else "",
                kpi_return.improvement_action if row.value is not None else "",
                *forecast_cells(row.forecast),
                page_link("reporting:indicator", indicator.pk, query=f"period={month.key}"),
            ]
