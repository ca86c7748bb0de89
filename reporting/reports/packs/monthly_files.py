"""The monthly performance pack as a PDF (for members) and a workbook (for analysts)."""

from __future__ import annotations

from collections import Counter

from core.tabular import DATE, DATETIME, WHOLE, XLSX_CONTENT_TYPE, Column, Sheet, workbook_bytes
from reporting.reports.exports.coordination import CoordinationExporter, coordination_row
from reporting.reports.exports.parameters import MONTH
from reporting.reports.exports.partnership import ContractHealthExporter, ServiceCreditsExporter
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.exports.warnings import EarlyWarningsExporter
from reporting.reports.packs.base import Pack, Progress, no_progress
from reporting.reports.packs.chart_images import chart_renderer
from reporting.reports.packs.monthly import MonthlyPack, monthly_pack
from reporting.reports.renderers import PDF_CONTENT_TYPE, about_rows, about_sheet

RAG_KEYS = ("green", "amber", "red", "not_rated", "missing")


class MonthlyPackReport(Pack):
    identifier = "monthly_pack"
    title = "Monthly performance pack"
    description = (
        "For SMT and elected members: the council overview, each department's indicators "
        "with commentary on red, contract health and service credits, coordination, the "
        "combined view, early warnings and a data-quality appendix."
    )
    needs = MONTH

    def build(self, file_format: str, progress: Progress = no_progress) -> tuple[str, str, bytes]:
        if file_format == "pdf":
            return self.filename("pdf"), PDF_CONTENT_TYPE, self._pdf(progress)
        pack = monthly_pack(user=self.user, parameters=self.parameters)
        progress(40)
        if file_format == "xlsx":
            return self.filename("xlsx"), XLSX_CONTENT_TYPE, self._workbook(pack)
        raise ValueError(f"the monthly pack has no {file_format} format")

    def _pdf(self, progress: Progress) -> bytes:
        # The chart renderer starts its browser in the background (about two seconds),
        # so it is opened before the pack's figures are gathered, not after; it draws
        # the charts while the HTML is written and read (chart_images).
        with chart_renderer() as charts:
            pack = monthly_pack(user=self.user, parameters=self.parameters)
            progress(40)
            context = {
                "pack": pack,
                "overview_images": [charts.draw(chart) for chart in pack.overview_charts],
                "partnership_images": [(s, charts.draw(s.chart)) for s in pack.partnerships],
                "combined_images": [
                    (c, charts.draw(c.trend), charts.draw(c.scatter)) for c in pack.combined
                ],
            }
            charts.last_chart_asked()
            return self.pdf(
                "reporting/reports/monthly_pack.html", context, charts.resource, progress
            )

    def _workbook(self, pack: MonthlyPack) -> bytes:
        """One sheet per section; the tables come from the exporters' rows."""
        about = about_rows(self.title, self.parameters.describe(), pack.signed_off_at)
        sheets = [about_sheet(about)]
        exporters = {
            "Indicators": ReturnsExporter,
            "Contract health": ContractHealthExporter,
            "Service credits": ServiceCreditsExporter,
        }
        if pack.council_wide:
            sheets.append(
                Sheet(
                    "Overview",
                    [
                        Column("Department", 28),
                        *[Column(k.replace("_", " ").capitalize(), 10, WHOLE) for k in RAG_KEYS],
                    ],
                    [
                        [s.department.name, *[Counter(s.counts).get(k, 0) for k in RAG_KEYS]]
                        for s in pack.departments
                    ],
                )
            )
        for title, exporter_class in exporters.items():
            if exporter_class.may_run(self.user):
                exporter = exporter_class(user=self.user, parameters=self.parameters)
                sheets.append(Sheet(title, exporter.columns, exporter.rows()))
        if pack.coordination:
            names = {s.department.pk: s.department.name for s in pack.departments}
            sheets.append(
                Sheet(
                    "Coordination",
                    _coordination_columns(),
                    [
                        coordination_row(names.get(c.department_id, "Council"), c, "")[:-1]
                        for c in pack.coordination
                    ],
                )
            )
        if pack.combined:
            sheets.append(
                Sheet(
                    "Combined view",
                    [
                        Column("Subject", 28),
                        Column("Finding", 90),
                        Column("Lag (months)", 8, WHOLE),
                        Column("r", 8, "0.00"),
                        Column("Pairs", 8, WHOLE),
                    ],
                    [
                        [subject, finding if lag.lag == 0 else "", lag.lag, lag.r, lag.pairs]
                        for subject, finding, relation in _relations(pack)
                        for lag in relation.lags
                    ],
                )
            )
        warnings = EarlyWarningsExporter(user=self.user, parameters=self.parameters)
        sheets.append(Sheet("Early warnings", warnings.columns, warnings.rows()))
        if pack.departments:
            sheets.append(_data_quality_sheet(pack))
        return workbook_bytes(sheets, fixed_time=self.fixed_time(), title=self.title)


def _relations(pack: MonthlyPack) -> list[tuple]:
    """(subject, finding, relation) of each combined view, and of each department inside
    the council's."""
    found = []
    for combined in pack.combined:
        found.append((combined.subject, combined.finding, combined.relation))
        found += [
            (row.department.name, row.finding(), row.relation) for row in combined.departments
        ]
    return found


def _coordination_columns() -> list[Column]:
    return CoordinationExporter.columns[:-1]  # without the page link: one page for all


def _data_quality_sheet(pack: MonthlyPack) -> Sheet:
    rows = [
        [
            r.indicator.department.name,
            r.indicator.code,
            r.indicator.title,
            r.period.key,
            r.timeliness.label,
            r.deadline,
            None,
        ]
        for r in pack.missing
    ] + [
        [
            r.indicator.department.name,
            r.indicator.code,
            r.indicator.title,
            r.period.key,
            r.timeliness.label,
            r.deadline,
            r.kpi_return.submitted_at,
        ]
        for r in pack.late
    ]
    return Sheet(
        "Data quality",
        [
            Column("Department", 24),
            Column("Indicator", 12),
            Column("Title", 40),
            Column("Period", 12),
            Column("Problem", 14),
            Column("Deadline", 12, DATE),
            Column("Submitted at", 17, DATETIME),
        ],
        rows,
    )
