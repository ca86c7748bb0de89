"""Import throughput for ``manage.py bench``: real files through the real importer,
inside a transaction that is rolled back, so the benchmark council is left unchanged."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
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
    """Time the import as an import job runs it (``read_again``: a handler that checks
    the whole file before it writes reads it twice), then run it again under tracemalloc
    for its peak memory (tracing slows Python several times over, so the two are
    measured apart)."""
    data = io.BytesIO(text.encode())

    def read_again():
        data.seek(0)
        return iter_rows(data, "csv")

    started = time.perf_counter()
    with transaction.atomic():
        summary = run_import(
            iter_rows(data, "csv"), handler(), max_rows=max_rows, read_again=read_again
        )
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
    """``rows`` new returns (a value and a commentary each) of the monthly percent
    indicators whose year to date is a mean or the latest, in financial years before the
    seeded ones: the two years that start twelve years before the latest closed month,
    and as many years before those as ``rows`` needs. The large council's 104 such
    indicators fill 1,248 rows a year, the demo council's 5 only 60, so 10,000 rows go
    back 9 and 167 years (the periods are valid all the same; the file is rolled back).
    Raises ValueError when the council has no such indicator."""
    indicators = list(
        PerformanceIndicator.objects.filter(
            frequency="monthly", year_to_date__in=["mean", "latest"], unit="percent"
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not indicators:
        raise ValueError("The council has no monthly percent indicator to import returns for.")
    last = periods.latest_closed(periods.PeriodKind.MONTH).year - 11
    years = max(2, math.ceil(rows / (12 * len(indicators))))
    months = [
        month
        for year in range(last - years + 1, last + 1)
        for month in periods.periods_of_year(year, periods.PeriodKind.MONTH)
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator_code", "period", "value", "commentary", "improvement_action"])
    for month, code in itertools.islice(itertools.product(months, indicators), rows):
        writer.writerow([code, month.key, "91.5", "On target.", ""])
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
