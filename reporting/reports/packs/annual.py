"""The Best Value annual report for a financial year.

Statutory indicators with their outturn (the year-to-date figure at the year's last
period, formed as each indicator defines), target, RAG and direction of travel against
last year, grouped by economy, efficiency and effectiveness; the partnership's year
(contract health month by month, service credits, milestones); and the improvement
actions recorded on the year's returns. Figures come from the metric functions the
pages use, read at March (P12) of the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from core.tabular import FIGURE, MONEY, SCORE, XLSX_CONTENT_TYPE, Column, Sheet, workbook_bytes
from departments.benchmarks.selectors import groups_for
from departments.models import (
    ComparatorGroup,
    Council,
    Dimension,
    KpiReturn,
    PerformanceIndicator,
)
from departments.periods import Period
from departments.rating import COUNTED_STATES
from partnerships.models import Partnership
from partnerships.outcomes import NO_CREDIT
from reporting.metrics.benchmark_series import IndicatorComparison, indicator_comparisons
from reporting.metrics.health import ContractHealth, contract_health_series, credits_year_to_date
from reporting.metrics.returns import IndicatorRow, indicator_rows
from reporting.metrics.scores import fraction_score
from reporting.metrics.status import FigureStatus, mean_status
from reporting.reports.exports.base import page_link
from reporting.reports.exports.parameters import YEAR, ReportParameters
from reporting.reports.exports.records import MilestonesExporter
from reporting.reports.packs.base import Pack, Progress, no_progress
from reporting.reports.renderers import PDF_CONTENT_TYPE, about_rows, about_sheet

ON_TIME_COLUMN = [c.heading for c in MilestonesExporter.columns].index("Delivered by its due date")


@dataclass(frozen=True)
class PartnershipYear:
    partnership: Partnership
    months: list[ContractHealth]
    credits: Decimal
    milestones_due: int
    milestones_on_time: int

    @property
    def counted_months(self) -> list[ContractHealth]:
        """The months that have a figure (rated or provisional: not those outside the
        contract or not yet ended)."""
        return [m for m in self.months if m.exact is not None]

    @property
    def mean_health(self) -> Decimal | None:
        """The mean of the exact contract health of the counted months, rounded once to one
        decimal place."""
        counted = [m.exact for m in self.counted_months]
        return fraction_score(sum(counted, Fraction(0)) / len(counted)) if counted else None

    @property
    def mean_health_status(self) -> FigureStatus:
        """Provisional when any counted month is, not rated when none is counted."""
        return mean_status([m.status for m in self.counted_months])


@dataclass(frozen=True)
class AnnualReport:
    year: Period
    statutory: dict[str, list[IndicatorRow]]  # dimension label → rows
    partnerships: list[PartnershipYear]
    improvement_actions: list[KpiReturn]
    signed_off_at: datetime | None
    # The statutory indicators against the first comparator group, where published.
    benchmarks: list[IndicatorComparison] = field(default_factory=list)
    benchmark_group: ComparatorGroup | None = None


def annual_report(*, user, parameters: ReportParameters) -> AnnualReport:
    year = Period.financial_year(parameters.year)
    march = Period.month(parameters.year, 12)
    indicators = PerformanceIndicator.objects.visible_to(user).filter(statutory=True)
    if parameters.department:
        indicators = indicators.filter(department=parameters.department)
    rows = [r for r in indicator_rows(indicators=indicators, month=march) if r.period]
    statutory = {
        dimension.label: [r for r in rows if r.indicator.dimension == dimension.value]
        for dimension in Dimension
    }
    partnerships = Partnership.objects.visible_to(user).order_by("pk")
    if parameters.partnership:
        partnerships = partnerships.filter(pk=parameters.partnership.pk)
    month_parameters = _at_march(parameters)
    years = []
    for partnership in partnerships:
        milestones = list(
            MilestonesExporter(
                user=user, parameters=replace(month_parameters, partnership=partnership)
            ).rows()
        )
        years.append(
            PartnershipYear(
                partnership,
                contract_health_series(partnership=partnership, months=year.months()),
                sum(
                    credits_year_to_date(partnership=partnership, period=march).values(), NO_CREDIT
                ),
                len(milestones),
                sum(1 for row in milestones if row[ON_TIME_COLUMN]),
            )
        )
    actions = (
        KpiReturn.objects.visible_to(user)
        .filter(financial_year=parameters.year, state__in=COUNTED_STATES)
        .exclude(improvement_action="")
        .select_related("indicator", "department")
        .order_by("department__name", "indicator__code", "period_start")
    )
    if parameters.department:
        actions = actions.filter(department=parameters.department)
    group = groups_for(user).first()
    council = Council.objects.first()
    compared = (
        indicator_comparisons(
            indicators=indicators, group=group, council=council, period_key=year.key
        )
        if group is not None and council is not None
        else []
    )
    return AnnualReport(
        year,
        statutory,
        years,
        list(actions),
        month_parameters.signed_off_at(),
        compared,
        group,
    )


def _at_march(parameters: ReportParameters) -> ReportParameters:
    """The year's parameters read at its last month (P12), for the monthly row sources."""
    return replace(parameters, year=None, month=Period.month(parameters.year, 12))


class BestValueAnnualReport(Pack):
    identifier = "annual_report"
    title = "Best Value annual report"
    description = (
        "For a financial year: statutory indicators with outturn, target, RAG and direction "
        "of travel by Best Value dimension; the partnership's year; improvement actions."
    )
    needs = YEAR

    def signed_off_at(self) -> datetime | None:
        return _at_march(self.parameters).signed_off_at()

    def build(self, file_format: str, progress: Progress = no_progress) -> tuple[str, str, bytes]:
        report = annual_report(user=self.user, parameters=self.parameters)
        progress(50)
        if file_format == "pdf":
            content = self.pdf("reporting/reports/annual_report.html", {"report": report})
            return self.filename("pdf"), PDF_CONTENT_TYPE, content
        if file_format == "xlsx":
            return self.filename("xlsx"), XLSX_CONTENT_TYPE, self._workbook(report)
        raise ValueError(f"the annual report has no {file_format} format")

    def _workbook(self, report: AnnualReport) -> bytes:
        march = Period.month(report.year.year, 12)
        statutory = Sheet(
            "Statutory indicators",
            [
                Column("Dimension", 14),
                Column("Department", 24),
                Column("Indicator", 12),
                Column("Title", 40),
                Column("Outturn", 12, FIGURE),
                Column("Target", 12, FIGURE),
                Column("RAG", 10),
                Column("Outturn incomplete", 10),
                Column("Last year", 12, FIGURE),
                Column("Direction of travel", 14),
                Column("Source", 40),
            ],
            [
                [
                    dimension,
                    r.indicator.department.name,
                    r.indicator.code,
                    r.indicator.title,
                    r.year_to_date.value,
                    r.year_to_date.target,
                    r.year_to_date.rag.label,
                    r.year_to_date.incomplete,
                    r.previous_year_to_date,
                    r.year_to_date_direction.label,
                    page_link("reporting:indicator", r.indicator.pk, query=f"period={march.key}"),
                ]
                for dimension, rows in report.statutory.items()
                for r in rows
            ],
        )
        partnership = Sheet(
            "Partnership year",
            [
                Column("Partnership", 30),
                Column("Month", 12),
                Column("Contract health", 10, SCORE),
                Column("RAG", 10),
                Column("Status", 12),
                Column("Status reason", 40),
                Column("Credits", 12, MONEY),
            ],
            [
                [
                    p.partnership.name,
                    m.period.key,
                    m.score,
                    m.rag.label,
                    m.status.label,
                    m.status.reason,
                    m.credits,
                ]
                for p in report.partnerships
                for m in p.months
            ],
        )
        actions = Sheet(
            "Improvement actions",
            [
                Column("Department", 24),
                Column("Indicator", 12),
                Column("Period", 12),
                Column("Commentary", 50),
                Column("Improvement action", 50),
            ],
            [
                [a.department.name, a.indicator.code, a.period, a.commentary, a.improvement_action]
                for a in report.improvement_actions
            ],
        )
        sheets = [
            about_sheet(about_rows(self.title, self.parameters.describe(), report.signed_off_at)),
            statutory,
        ]
        if report.benchmarks:
            sheets.append(_benchmark_sheet(report))
        sheets.append(partnership)
        if MilestonesExporter.may_run(self.user):
            milestones = MilestonesExporter(user=self.user, parameters=_at_march(self.parameters))
            sheets.append(Sheet("Milestones", milestones.columns, milestones.rows()))
        sheets.append(actions)
        return workbook_bytes(sheets, fixed_time=self.fixed_time(), title=self.title)


def _benchmark_sheet(report: AnnualReport) -> Sheet:
    """The statutory indicators against the comparator group, one row each: exact figures
    (the sheet's cells keep their places), the rank, band and statement."""
    rows = []
    for row in report.benchmarks:
        c = row.item.comparison if row.item else None
        rows.append(
            [
                row.indicator.code,
                row.metric.code,
                report.benchmark_group.name,
                row.item.group.model_year if row.item else None,
                c.council_value if c else None,
                c.quartiles.lower if c and c.quartiles else None,
                c.median if c else None,
                c.quartiles.upper if c and c.quartiles else None,
                c.rank if c else None,
                c.reporting if c else None,
                c.band.label if c and c.band else "",
                row.item.statement if row.item else "No figures published for the year yet.",
            ]
        )
    return Sheet(
        "Compared with others",
        [
            Column("Indicator", 12),
            Column("Metric", 12),
            Column("Group", 28),
            Column("Model year", 10),
            Column("Council", 12, FIGURE),
            Column("Lower quartile", 12, FIGURE),
            Column("Median", 12, FIGURE),
            Column("Upper quartile", 12, FIGURE),
            Column("Rank", 8),
            Column("Of", 8),
            Column("Quartile band", 16),
            Column("In words", 80),
        ],
        rows,
    )
