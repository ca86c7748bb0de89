"""Import throughput for ``manage.py bench``: real files through the real importer,
inside a transaction that is rolled back, so the benchmark council is left unchanged."""

from __future__ import annotations

import contextlib
import csv
import io
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.cells import ImportRejected
from core.importer import iter_rows, run_import
from departments import periods
from departments.models import Department, PerformanceIndicator
from departments.referrals.imports import ReferralRowHandler
from departments.returns.imports import ReturnRowHandler


@dataclass(frozen=True)
class Measured:
    rows: int
    seconds: float
    peak_mib: float  # traced Python allocations over a tenth of the file


def _run(text: str, handler, max_rows: int) -> Measured:
    """Time the import, then run it again under tracemalloc for its peak memory (tracing
    slows Python several times over, so the two are measured apart)."""
    data = io.BytesIO(text.encode())
    started = time.perf_counter()
    with transaction.atomic():
        summary = run_import(iter_rows(data, "csv"), handler(), max_rows=max_rows)
        transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    sample = io.BytesIO(text.encode()[: len(text) // 10])  # a tenth of the file suffices
    tracemalloc.start()
    with transaction.atomic():
        # The cut last line may be refused: the memory used is what is measured here.
        with contextlib.suppress(ImportRejected):
            run_import(iter_rows(sample, "csv"), handler(), max_rows=max_rows)
        transaction.set_rollback(True)
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return Measured(summary.rows, seconds, peak)


def _admin():
    return get_user_model().objects.get(username="admin")


def measure_returns_import(rows: int = 10_000) -> Measured:
    """New returns for monthly indicators in the two years before the seeded ones."""
    indicators = list(
        PerformanceIndicator.objects.filter(
            frequency="monthly", year_to_date__in=["mean", "latest"], unit="percent"
        ).values_list("code", flat=True)
    )
    first = periods.latest_closed(periods.PeriodKind.MONTH).year - 12
    months = [m for y in (first, first + 1) for m in periods.periods_of_year(y, "month")]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator_code", "period", "value", "commentary", "improvement_action"])
    written = 0
    for month in months:
        for code in indicators:
            if written == rows:
                break
            writer.writerow([code, month.key, "91.5", "On target.", ""])
            written += 1
    return _run(out.getvalue(), lambda: ReturnRowHandler(_admin()), rows)


def measure_referral_import(rows: int = 100_000) -> Measured:
    codes = list(Department.objects.values_list("code", flat=True))
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "from_department",
            "to_department",
            "category",
            "raised_on",
            "acknowledged_on",
            "resolved_on",
            "agreed_days",
            "channel",
        ]
    )
    for n in range(rows):
        raised = today - timedelta(days=30 + n % 300)
        writer.writerow(
            [
                codes[n % len(codes)],
                codes[(n + 1) % len(codes)],
                "Housing needs assessment",
                raised.isoformat(),
                (raised + timedelta(days=min(1, n % 12))).isoformat(),
                (raised + timedelta(days=n % 12)).isoformat(),
                10,
                "case-management" if n % 5 else "email",
            ]
        )
    return _run(out.getvalue(), lambda: ReferralRowHandler(_admin()), rows)
