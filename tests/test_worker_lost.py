"""A real worker's pool process killed mid-import, and a task stopped at its time limit
(issue 22, item 2).

The worker (``tests.worker_faults``: the project's app, whose first import sleeps) runs on
the test database through the real Redis. Killed with SIGKILL, as the kernel's
out-of-memory killer does, its pool process takes the import down with it: the message,
acknowledged only once a task has run, goes back to the queue and the import runs again
to the end. Past its soft time limit the import stops and says so.
"""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from departments import periods
from departments.imports.services import start_import
from departments.models import ImportJob, ImportStatus, KpiReturn
from departments.tasks import run_import_job
from tests.departments.test_import_worker import test_database_url, wait_until_finished
from tests.factories import IndicatorFactory
from tests.workers import celery_worker_process

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL (CI sets them)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def faulty_worker(settings, tmp_path, monkeypatch):
    """Start a worker with the given settings; the import task is routed to it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can reach: PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    marker = tmp_path / "first-import-started"

    def start(**environment):
        # Celery puts the sender's time limits in each message, and the worker keeps to
        # them: the test sends the worker's own.
        limits = {
            option: int(environment[name])
            for option, name in (
                ("soft_time_limit", "TASK_SOFT_TIME_LIMIT"),
                ("time_limit", "TASK_TIME_LIMIT"),
            )
            if name in environment
        }
        worker = celery_worker_process(
            app="tests.worker_faults",
            pool="prefork",
            DATABASE_URL=test_database_url(),
            MEDIA_ROOT=str(tmp_path),
            FAULT_MARKER=str(marker),
            **environment,
        )
        running = worker.__enter__()
        monkeypatch.setattr(
            run_import_job,
            "delay",
            lambda *args: run_import_job.apply_async(args, queue=running.queue, **limits),
        )
        started.append(worker)
        return running, marker

    started = []
    yield start
    for worker in started:
        worker.__exit__(None, None, None)


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} not there after {seconds} seconds"
        time.sleep(0.1)


def start_one_row(alice) -> ImportJob:
    month = periods.latest_closed(periods.PeriodKind.MONTH)
    rows = f"indicator_code,period,value\nHOU-01,{month.key},81\n"
    return start_import(
        kind="returns", actor=alice, uploaded_file=SimpleUploadedFile("r.csv", rows.encode())
    )


def test_an_import_whose_pool_process_is_killed_runs_again_to_the_end(
    faulty_worker, alice, housing
):
    IndicatorFactory(department=housing, code="HOU-01")
    worker, marker = faulty_worker()
    job = start_one_row(alice)
    wait_for(marker)  # the pool process is inside the import, asleep
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportStatus.RUNNING, 1)

    (pool_process,) = worker.pool_processes()
    assert int(marker.read_text()) == pool_process
    os.kill(pool_process, signal.SIGKILL)

    job = wait_until_finished(job)
    assert (job.status, job.attempts) == (ImportStatus.SUCCEEDED, 2), job.message
    assert KpiReturn.objects.count() == 1


def test_an_import_past_its_soft_time_limit_stops_and_says_so(faulty_worker, alice, housing):
    IndicatorFactory(department=housing, code="HOU-01")
    faulty_worker(TASK_SOFT_TIME_LIMIT="2", TASK_TIME_LIMIT="5")
    job = wait_until_finished(start_one_row(alice), seconds=20)
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The import was still running after the 2 seconds limit")
    assert not KpiReturn.objects.exists()
