"""The embedded default's background runner (core/background.py, ``BACKGROUND_TASKS``):
with no broker, "Build the report" answers before the report is built, the run page
shows it waiting and building, and the build finishes on the runner with its file; an
import likewise answers at once and finishes on the runner, its page showing progress.

Whether the request waited is read from the run's state when the response came back, not
from a clock: the build is held at its start until the test has read the pages, so a
request that built the report itself could not have answered (it would wait on the held
build, and the run would have failed by the time it did)."""

import contextlib
import hashlib
import threading

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.backends.signals import connection_created
from django.urls import reverse

from core import background
from departments import periods
from departments.imports import services as imports
from departments.models import ImportJob, ImportStatus, KpiReturn
from reporting.models import ReportRun, ReportState
from reporting.reports import services
from tests.factories import IndicatorFactory
from tests.reporting.report_data import MONTH, NOW, build_evidence

pytestmark = pytest.mark.django_db(transaction=True)  # the runner's thread reads committed rows

HELD_FOR = 60  # seconds the held build waits for the test before giving up (and failing)


@pytest.fixture(autouse=True)
def _background(settings, tmp_path):
    settings.REPORT_CHART_IMAGES = False
    settings.MEDIA_ROOT = tmp_path
    settings.BACKGROUND_TASKS = True
    with time_machine.travel(NOW, tick=False), _readers_take_no_table_locks():
        yield
    assert background.wait(timeout=HELD_FOR), "the background runner did not finish"


@contextlib.contextmanager
def _readers_take_no_table_locks():
    """SQLite's test database is in memory, shared between this thread's connection and the
    runner's through SQLite's shared cache, which locks whole tables: the runner's claim
    (an UPDATE) then fails at once, "database table is locked", whenever the test reads the
    same table at that moment, and no busy timeout waits for it. The embedded default's
    database is a file, where a writer waits for readers instead. Readers that take no
    table locks (``read_uncommitted``, which only the shared cache heeds) give the test the
    file's behaviour; every assertion here reads rows their writer has committed."""

    def no_read_locks(connection, **kwargs):
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 1")

    no_read_locks(connection)
    connection_created.connect(no_read_locks)
    try:
        yield
    finally:
        connection_created.disconnect(no_read_locks)
        # This thread's in-memory connection outlives the test (closing one is a no-op):
        # the tests after it read committed rows only again.
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA read_uncommitted = 0")


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


def _hold(monkeypatch, module, name: str):
    """``module.name`` held at its start until the test lets it go: ``started`` is set once
    the runner's thread has claimed the row and reached it."""
    started, release = threading.Event(), threading.Event()
    work = getattr(module, name)

    def held(row):
        started.set()
        if not release.wait(timeout=HELD_FOR):
            raise RuntimeError("the test never let the work go")
        return work(row)

    monkeypatch.setattr(module, name, held)
    return started, release


@pytest.fixture
def held_build(monkeypatch):
    started, release = _hold(monkeypatch, services, "build_run")
    yield started, release
    release.set()  # a test that failed before letting it go does not hold the runner


@pytest.fixture
def held_import(monkeypatch):
    started, release = _hold(monkeypatch, imports, "run_job")
    yield started, release
    release.set()


def test_building_a_report_answers_at_once_and_the_page_shows_its_progress(
    client, evidence, audrey, held_build
):
    started, release = held_build
    client.force_login(audrey)
    response = client.post(
        "/reports/new/monthly_pack/", {"period": MONTH.key, "file_format": ["xlsx"]}
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/runs/{run.pk}/"
    assert run.state in (ReportState.QUEUED, ReportState.RUNNING) and not run.file

    assert started.wait(timeout=HELD_FOR)  # the runner's thread took it, after the response
    run.refresh_from_db()
    assert (run.state, run.progress, run.attempts) == (ReportState.RUNNING, 0, 1)
    progress = client.get(f"/reports/runs/{run.pk}/progress/").json()
    assert (progress["finished"], progress["percent"], progress["text"]) == (
        False,
        0,
        "Building: 0% done",
    )
    page = client.get(response.url).content.decode()
    assert "Building the report" in page and 'id="report-progress-bar"' in page
    assert reverse("reporting:report-run-download", args=[run.pk]) not in page

    release.set()
    assert background.wait(timeout=HELD_FOR)
    run.refresh_from_db()
    assert (run.state, run.progress, run.error) == (ReportState.DONE, 100, "")
    with run.file.open("rb") as stored:
        content = stored.read()
    assert run.size == len(content) > 0 and run.sha256 == hashlib.sha256(content).hexdigest()
    progress = client.get(f"/reports/runs/{run.pk}/progress/").json()
    assert (progress["finished"], progress["text"]) == (True, "1 of 1 file ready")
    page = client.get(response.url).content.decode()
    assert f"Download {run.filename}" in page and run.sha256 in page


def test_without_the_runner_the_eager_build_finishes_within_the_request(
    settings, client, evidence, audrey
):
    """The default in tests (and with a broker, where Celery's worker builds it): the run
    is done by the time the response comes back."""
    settings.BACKGROUND_TASKS = False
    client.force_login(audrey)
    response = client.post(
        "/reports/new/monthly_pack/", {"period": MONTH.key, "file_format": ["xlsx"]}
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert (run.state, run.progress) == (ReportState.DONE, 100) and run.file


def test_an_import_answers_at_once_and_finishes_on_the_runner(client, alice, housing, held_import):
    started, release = held_import
    indicator = IndicatorFactory(department=housing, code="HOU-01")
    months = periods.periods_of_year(periods.latest_closed().year - 1, periods.PeriodKind.MONTH)
    lines = ["indicator_code,period,value"] + [
        f"HOU-01,{month.key},{80 + number}.5" for number, month in enumerate(months, start=1)
    ]
    client.force_login(alice)
    upload = SimpleUploadedFile("year.csv", ("\n".join(lines) + "\n").encode())
    response = client.post("/imports/", {"kind": "returns", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    assert not job.finished and not KpiReturn.objects.exists()

    assert started.wait(timeout=HELD_FOR)
    progress = client.get(f"/imports/{job.pk}/progress/").json()
    assert progress["finished"] is False
    assert "data-progress-url" in client.get(response.url).content.decode()

    release.set()
    assert background.wait(timeout=HELD_FOR)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, (job.message, job.errors)
    assert (job.created_count, job.processed_rows) == (12, 12)
    assert KpiReturn.objects.get(indicator=indicator, period=months[-1].key).value == 92.5
    assert client.get(f"/imports/{job.pk}/progress/").json()["finished"] is True
