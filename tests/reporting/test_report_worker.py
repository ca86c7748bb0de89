"""A report run built by a real Celery worker process, through Redis, on the test database.

As with the import worker test: the test commits (``transaction=True``), the worker is
pointed at the test database and media directory, so this runs only with PostgreSQL and
Redis (as CI has them).
"""

import hashlib
import os
import time

import pytest
import time_machine
from django.db import connection

from reporting.models import ReportRun, ReportState
from reporting.reports import services
from reporting.tasks import build_report_run
from tests.departments.test_import_worker import test_database_url
from tests.reporting.report_data import MONTH, NOW, build_evidence
from tests.workers import celery_worker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL (CI sets them)",
    ),
]


@pytest.fixture
def worker_queue(settings, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can reach: PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    with celery_worker(
        DATABASE_URL=test_database_url(), MEDIA_ROOT=str(tmp_path), REPORT_CHART_IMAGES="0"
    ) as queue:
        monkeypatch.setattr(
            build_report_run, "delay", lambda *args: build_report_run.apply_async(args, queue=queue)
        )
        yield queue


def wait_until_finished(run: ReportRun, seconds: float = 90) -> ReportRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"report run {run.pk} still {run.state} after {seconds} seconds")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_monthly_pack(
    worker_queue, housing, finance, partnership, sam, audrey
):
    with time_machine.travel(NOW, tick=False):
        build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)
    runs = services.request_report(
        actor=audrey,
        kind="monthly_pack",
        file_formats=["pdf", "xlsx"],
        parameters={"period": MONTH.key},
    )
    for run in runs:
        finished = wait_until_finished(run)
        assert finished.state == ReportState.DONE, finished.error
        with finished.file.open("rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == finished.sha256
    assert runs[0].file.name.endswith(".pdf") and runs[1].file.name.endswith(".xlsx")
