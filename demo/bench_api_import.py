"""Throughput of ``POST /api/v1/returns/import/`` with 10,000 JSON rows: the request (rows
checked and kept as the job's file) and the import task it queues, run in process, inside
a transaction that is rolled back so the council is left unchanged.

    DATABASE_URL=postgres://... python manage.py shell -c \\
        "from demo.bench_api_import import report; report()"

needs a seeded council (``seed_demo``) with its ``admin`` user.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from departments import periods
from departments.models import ImportJob, PerformanceIndicator
from departments.tasks import run_import_job


@dataclass(frozen=True)
class ApiImportMeasured:
    rows: int
    request_seconds: float
    import_seconds: float
    status: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / (self.request_seconds + self.import_seconds)


def _rows(count: int) -> list[dict[str, str]]:
    """New returns for monthly percentage indicators in years before the seeded ones."""
    codes = list(
        PerformanceIndicator.objects.filter(
            frequency="monthly", year_to_date__in=["mean", "latest"], unit="percent"
        ).values_list("code", flat=True)
    )
    first = periods.latest_closed(periods.PeriodKind.MONTH).year - 12
    rows: list[dict[str, str]] = []
    year = first
    while len(rows) < count:
        for month in periods.periods_of_year(year, "month"):
            for code in codes:
                if len(rows) == count:
                    return rows
                rows.append(
                    {
                        "indicator_code": code,
                        "period": month.key,
                        "value": "91.5",
                        "commentary": "On target.",
                    }
                )
        year -= 1
    return rows


def measure_returns_api_import(rows: int = 10_000) -> ApiImportMeasured:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    body = json.dumps({"rows": _rows(rows)})
    with transaction.atomic():
        started = time.perf_counter()
        response = client.post("/api/v1/returns/import/", body, content_type="application/json")
        requested = time.perf_counter()
        if response.status_code != 202:
            raise RuntimeError(
                f"The import was refused: {response.status_code} {response.content[:500]!r}"
            )
        job_id = response.json()["id"]
        # The task is queued on commit; run it here, in the same rolled-back transaction.
        run_import_job(job_id)
        finished = time.perf_counter()
        status = ImportJob.objects.get(pk=job_id).status
        transaction.set_rollback(True)
    return ApiImportMeasured(rows, requested - started, finished - requested, status)


def report(rows: int = 10_000) -> None:
    result = measure_returns_api_import(rows)
    print(
        f"returns/import/ {result.rows:,} JSON rows: request {result.request_seconds:.1f} s, "
        f"import {result.import_seconds:.1f} s, {result.rows_per_second:,.0f} rows/s "
        f"end to end ({result.status})"
    )
