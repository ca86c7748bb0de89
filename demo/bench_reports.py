"""Report build times for ``manage.py bench``: the monthly pack and the Best Value annual
report, each format built as the demo auditor, timed, then built again under tracemalloc
for its peak memory (tracing slows Python several times over, so they are measured
apart). Nothing is stored: the files are built in memory and dropped."""

from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from departments import periods
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.kinds import build_file, report_class


@dataclass(frozen=True)
class ReportMeasure:
    label: str
    seconds: float
    peak_mib: float
    size_kib: float


def _measure(label: str, kind: str, file_format: str, user, parameters) -> ReportMeasure:
    report = report_class(kind)(user=user, parameters=parameters)
    started = time.perf_counter()
    _, _, content = build_file(report, file_format)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        build_file(report_class(kind)(user=user, parameters=parameters), file_format)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return ReportMeasure(label, seconds, peak / 2**20, len(content) / 1024)


def measure_reports(username: str = "auditor") -> list[ReportMeasure]:
    """The latest signed-off-style month (the month before the latest closed one, whose
    data is complete in the demo) and the last whole financial year."""
    user = get_user_model().objects.get(username=username)
    month = periods.latest_closed(periods.PeriodKind.MONTH).previous()
    year = month.year - 1
    monthly = ReportParameters(month=month)
    annual = ReportParameters(year=year)
    return [
        _measure(f"monthly pack {month.key} PDF", "monthly_pack", "pdf", user, monthly),
        _measure(f"monthly pack {month.key} XLSX", "monthly_pack", "xlsx", user, monthly),
        _measure(
            f"annual report {periods.Period.financial_year(year).key} PDF",
            "annual_report",
            "pdf",
            user,
            annual,
        ),
        _measure(
            f"annual report {periods.Period.financial_year(year).key} XLSX",
            "annual_report",
            "xlsx",
            user,
            annual,
        ),
    ]
