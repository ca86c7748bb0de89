"""Every report a user can ask for, by identifier: a plain dict (STYLE.md point 6)."""

from __future__ import annotations

from reporting.reports.exports.audit import AuditTrailExporter
from reporting.reports.exports.base import Exporter
from reporting.reports.exports.coordination import CoordinationExporter, ReferralsExporter
from reporting.reports.exports.partnership import (
    ContractHealthExporter,
    ServiceCreditsExporter,
    SlaResultsExporter,
)
from reporting.reports.exports.records import EscalationsExporter, MilestonesExporter
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.exports.warnings import EarlyWarningsExporter
from reporting.reports.packs.annual import BestValueAnnualReport
from reporting.reports.packs.base import Pack, Progress, no_progress
from reporting.reports.packs.monthly_files import MonthlyPackReport
from reporting.reports.renderers import RENDERERS

REPORTS: dict[str, type[Exporter]] = {
    report.identifier: report
    for report in (
        MonthlyPackReport,
        BestValueAnnualReport,
        ReturnsExporter,
        SlaResultsExporter,
        ServiceCreditsExporter,
        ContractHealthExporter,
        MilestonesExporter,
        EscalationsExporter,
        ReferralsExporter,
        CoordinationExporter,
        EarlyWarningsExporter,
        AuditTrailExporter,
    )
}
FORMAT_LABELS = {"pdf": "PDF", "xlsx": "Excel workbook (.xlsx)", "csv": "CSV"}


def report_class(kind: str) -> type[Exporter]:
    try:
        return REPORTS[kind]
    except KeyError:
        raise ValueError(
            f"{kind!r} is not a report: expected one of {', '.join(REPORTS)}"
        ) from None


def report_title(kind: str) -> str:
    """A run's report by its title ("Monthly performance pack"), or its stored identifier
    when no report has that identifier any more."""
    report = REPORTS.get(kind)
    return report.title if report else kind


def available_reports(user) -> list[type[Exporter]]:
    return [report for report in REPORTS.values() if report.may_run(user)]


def build_file(
    report: Exporter, file_format: str, progress: Progress = no_progress
) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) of one report in one format."""
    if file_format not in report.formats:
        raise ValueError(f"{report.identifier} has no {file_format} format")
    if isinstance(report, Pack):
        return report.build(file_format, progress)
    return RENDERERS[file_format](report)
