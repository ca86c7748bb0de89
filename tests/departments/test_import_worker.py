"""A returns import run by a real Celery worker process, through Redis, on the test database.

The worker is another process, so it must see what the test wrote: the test commits
(``transaction=True``) and the worker is pointed at the test database by DATABASE_URL,
and at the test's media directory by MEDIA_ROOT. SQLite's test database lives in memory,
out of the worker's reach, so this runs only with PostgreSQL and Redis (as CI has them).
"""

import os
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from departments import periods
from departments.imports.services import start_import
from departments.models import ImportJob, ImportStatus, KpiReturn
from departments.tasks import run_import_job
from tests.factories import IndicatorFactory
from tests.workers import celery_worker

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL (CI sets them)",
    ),
]


def test_database_url() -> str:
    """A URL for the database this test runs on (pytest-django's ``test_<name>``)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def worker_queue(settings, tmp_path, monkeypatch):
    """A worker on its own queue and media directory; the import task is routed to it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can reach: PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    with celery_worker(DATABASE_URL=test_database_url(), MEDIA_ROOT=str(tmp_path)) as queue:
        # Route the task to this worker alone.
        monkeypatch.setattr(
            run_import_job, "delay", lambda *args: run_import_job.apply_async(args, queue=queue)
        )
        yield queue


def wait_until_finished(job: ImportJob, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {job.pk} still {job.status} after {seconds} seconds")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_returns_file(worker_queue, alice, housing):
    repairs = IndicatorFactory(department=housing, code="HOU-01")
    rent = IndicatorFactory(department=housing, code="HOU-RATIO", year_to_date="ratio")
    months = periods.periods_of_year(periods.latest_closed().year - 1, periods.PeriodKind.MONTH)
    lines = ["indicator_code,period,value,numerator,denominator"]
    for number, month in enumerate(months, start=1):
        lines.append(f"HOU-01,{month.key},{80 + number}.5,,")
        lines.append(f"HOU-RATIO,{month.key},,{number},{number * 4}")
    upload = SimpleUploadedFile("year.csv", ("\n".join(lines) + "\n").encode())

    job = start_import(kind="returns", actor=alice, uploaded_file=upload)
    job = wait_until_finished(job)

    assert job.status == ImportStatus.SUCCEEDED, (job.message, job.errors)
    assert (job.created_count, job.updated_count, job.processed_rows) == (24, 0, 24)
    assert job.total_rows == 24
    last = months[-1].key
    assert KpiReturn.objects.get(indicator=repairs, period=last).value == Decimal("92.5")
    assert KpiReturn.objects.get(indicator=rent, period=last).value == Decimal("25.0")
    assert KpiReturn.objects.get(indicator=rent, period=last).history.latest().history_user == alice
