"""Import jobs lose nothing when the broker, a worker or the database goes away (issue 22).

A job started while the broker is away is kept, waiting, and its status page says it
waits for the worker; the sweeper sends it again, and fails a job still "running" past its
time limit; a database that goes away mid-import is retried, backing off, and the job is
imported once.
"""

from datetime import UTC, datetime, timedelta

import kombu.exceptions
import pytest
import time_machine
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from departments.imports import services as imports
from departments.imports.services import start_import
from departments.models import ImportJob, ImportStatus, KpiReturn
from departments.tasks import run_import_job
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ROWS = "indicator_code,period,value\nHOU-01,2026-27-P06,91.5\n"


@pytest.fixture(autouse=True)
def _frozen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REDISPATCH_AFTER_MINUTES = 5
    settings.TASK_SOFT_TIME_LIMIT, settings.TASK_TIME_LIMIT = 120, 180
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def repairs(housing):
    return IndicatorFactory(department=housing, code="HOU-01")


@pytest.fixture
def broker(monkeypatch):
    """A broker that refuses messages while ``broker.away`` and keeps them otherwise."""

    class Broker:
        away = True
        sent: list[int] = []

        def delay(self, job_id):
            if self.away:
                raise kombu.exceptions.OperationalError("Error 111 connecting to the broker")
            self.sent.append(job_id)

    fake = Broker()
    current_app.conf.task_always_eager = False  # tests/conftest.py's _eager_celery restores it
    monkeypatch.setattr(current_app.tasks[imports.RUN_IMPORT_TASK], "delay", fake.delay)
    return fake


def start(actor) -> ImportJob:
    return start_import(
        kind="returns", actor=actor, uploaded_file=SimpleUploadedFile("r.csv", ROWS.encode())
    )


def test_an_import_started_while_the_broker_is_away_waits_and_is_sent_when_it_is_back(
    client, alice, repairs, broker, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/",
            {"kind": "returns", "file": SimpleUploadedFile("r.csv", ROWS.encode())},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    assert job.status == ImportStatus.PENDING
    assert "Waiting for the worker" in client.get(response.url).content.decode()
    progress = client.get(f"/imports/{job.pk}/progress/").json()
    assert (progress["status_label"], progress["text"]) == (
        "Waiting for the worker",
        "Waiting for the worker",
    )

    broker.away = False
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        assert imports.sweep_jobs() == {"sent": 0, "failed": 0}  # not waiting long yet
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert imports.sweep_jobs() == {"sent": 1, "failed": 0}
    assert broker.sent == [job.pk]


def test_a_job_running_past_its_time_limit_fails_and_may_be_tried_again(
    client, alice, repairs, django_capture_on_commit_callbacks
):
    job = start(alice)
    assert imports.claim_job(job.pk, task_id="worker died") is not None
    with time_machine.travel(NOW + timedelta(seconds=180 + 59), tick=False):
        assert imports.sweep_jobs() == {"sent": 0, "failed": 0}  # within the limit
    with time_machine.travel(NOW + timedelta(seconds=180 + 61), tick=False):
        assert imports.sweep_jobs() == {"sent": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.message.startswith("The import was still running after the 2 minutes limit")
    assert not KpiReturn.objects.exists()

    client.force_login(alice)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/retry/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.message) == (
        ImportStatus.SUCCEEDED,
        1,
        "1 row read: 1 created, 0 updated.",
    )
    assert KpiReturn.objects.count() == 1


def test_a_file_rejected_for_its_rows_is_not_tried_again(
    client, alice, bob, repairs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            kind="returns",
            actor=alice,
            uploaded_file=SimpleUploadedFile("r.csv", b"indicator_code,period,value\nNOPE,x,1\n"),
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.errors
    client.force_login(alice)
    assert "/retry/" not in client.get(f"/imports/{job.pk}/").content.decode()
    response = client.post(f"/imports/{job.pk}/retry/", follow=True)
    assert "a file with problems in its rows must be fixed" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    client.force_login(bob)  # someone else's import is not there for them
    assert client.post(f"/imports/{job.pk}/retry/").status_code == 404


def test_a_copy_of_the_message_does_not_run_the_job_again(alice, repairs):
    job = start(alice)
    assert imports.claim_job(job.pk, task_id="first") is not None
    assert run_import_job.apply(args=[job.pk], task_id="copy").get() == ImportStatus.RUNNING
    assert not KpiReturn.objects.exists()
    # The first message, put back after its worker died, runs it.
    assert run_import_job.apply(args=[job.pk], task_id="first").get() == ImportStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.attempts, KpiReturn.objects.count()) == (2, 1)


def test_a_database_that_goes_away_mid_import_is_retried_and_the_rows_stored_once(
    alice, repairs, monkeypatch
):
    job = start(alice)
    real, calls = imports.run_job, []

    def database_away_once(job, **kwargs):
        calls.append(job.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(job, **kwargs)

    monkeypatch.setattr(imports, "run_job", database_away_once)
    # Run eagerly, Celery runs the retry at once (ignoring the back-off), then reports the
    # first attempt as retried; the job's row tells what happened.
    run_import_job.apply(args=[job.pk], throw=False)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED
    assert (len(calls), job.attempts, KpiReturn.objects.count()) == (2, 2, 1)


def test_a_database_still_away_on_the_last_retry_fails_the_job_in_words(
    alice, repairs, monkeypatch
):
    job = start(alice)

    def database_away(job, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imports, "run_job", database_away)
    with pytest.raises(OperationalError):  # Celery gives up and says why
        run_import_job.apply(args=[job.pk], retries=run_import_job.max_retries)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The import stopped because of an unexpected error")


def test_an_import_past_its_soft_time_limit_fails_in_words(alice, repairs, monkeypatch):
    job = start(alice)

    def too_long(job, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(imports, "run_job", too_long)
    assert run_import_job.apply(args=[job.pk]).get() == ImportStatus.FAILED
    job.refresh_from_db()
    assert job.message.startswith("The import was still running after the 2 minutes limit")


def test_a_failed_import_without_a_message_still_says_nothing_was_imported(client, alice):
    """The failure's summary names what happened even when the job carries no message of
    its own (every failure path sets one today; the page does not rely on it)."""
    job = ImportJob.objects.create(
        kind="returns",
        created_by=alice,
        original_name="r.csv",
        file_format="csv",
        status=ImportStatus.FAILED,
        message="",
    )
    client.force_login(alice)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "The file was not imported" in page
    assert "Nothing was stored." in page
