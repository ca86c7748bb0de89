"""Report runs lose nothing when the broker or a worker goes away (issue 22, item 2).

A run asked for while the broker is away is kept, queued, and its page says it waits for
the worker; the sweeper sends it again once it has waited REDISPATCH_AFTER_MINUTES, and
fails, with a retry, a run still "running" past its time limit. The build claims its run
with one conditional UPDATE, so a copy of the message never builds it twice.
"""

from datetime import timedelta

import kombu.exceptions
import pytest
import time_machine
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded

from core import dispatch
from departments.models import PeriodSignOff
from departments.returns.sign_off import sign_off_period
from reporting.models import ReportRun, ReportState, ReportTrigger
from reporting.reports import services
from reporting.tasks import build_report_run
from tests.reporting.report_data import MONTH, NOW, build_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(settings, tmp_path):
    settings.REPORT_CHART_IMAGES = False
    settings.MEDIA_ROOT = tmp_path
    settings.REDISPATCH_AFTER_MINUTES = 5
    settings.TASK_SOFT_TIME_LIMIT, settings.TASK_TIME_LIMIT = 600, 660
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


@pytest.fixture
def broker_away(monkeypatch):
    """A broker that refuses every message, as Redis stopped does; the sent run ids."""
    refused = []

    def refuse(run_id):
        refused.append(run_id)
        raise kombu.exceptions.OperationalError("Error 111 connecting to the broker")

    current_app.conf.task_always_eager = False  # tests/conftest.py's _eager_celery restores it
    monkeypatch.setattr(current_app.tasks[services.BUILD_REPORT_TASK], "delay", refuse)
    return refused


@pytest.fixture
def broker_back(monkeypatch):
    """A broker that takes every message (no worker runs it); the sent run ids."""
    sent = []
    current_app.conf.task_always_eager = False
    monkeypatch.setattr(current_app.tasks[services.BUILD_REPORT_TASK], "delay", sent.append)
    return sent


def ask(actor, file_format: str = "csv") -> ReportRun:
    (run,) = services.request_report(
        actor=actor, kind="returns", file_formats=[file_format], parameters={"period": MONTH.key}
    )
    return run


def test_a_report_asked_for_while_the_broker_is_away_waits_for_the_worker(
    client, evidence, audrey, broker_away, django_capture_on_commit_callbacks, monkeypatch
):
    # Recorded here, not with caplog: Celery's Django fix-up sets logging up again when a
    # task is first looked up, which removes caplog's handler.
    logged = []
    monkeypatch.setattr(dispatch.logger, "warning", lambda text, *args: logged.append(text % args))
    client.force_login(audrey)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/new/returns/", {"period": MONTH.key, "file_format": ["csv"]}
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response.url == f"/reports/runs/{run.pk}/"
    assert broker_away == [run.pk]  # the dispatch was tried, after the commit
    assert (run.state, run.attempts) == (ReportState.QUEUED, 0)
    assert logged == [
        f"{services.BUILD_REPORT_TASK}({run.pk}) not queued, the broker is unreachable "
        "(OperationalError): the row waits for the sweeper"
    ]
    page = client.get(response.url).content.decode()
    assert "Waiting for the worker" in page
    progress = client.get(f"/reports/runs/{run.pk}/progress/").json()
    assert (progress["finished"], progress["text"]) == (False, "Waiting for the worker")


def test_the_sweeper_sends_again_only_what_waited_too_long(evidence, audrey, broker_back):
    waited = ask(audrey)
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        recent = ask(audrey, "xlsx")  # not the same request, which would follow the first
    broker_back.clear()  # what the requests sent themselves

    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert services.sweep_runs() == {"sent": 1, "failed": 0, "packs": 0}
    assert broker_back == [waited.pk]
    waited.refresh_from_db()
    assert waited.queued_at == NOW + timedelta(minutes=6)  # its clock starts again
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert services.sweep_runs() == {"sent": 1, "failed": 0, "packs": 0}
    assert broker_back == [waited.pk, recent.pk]


def test_a_sweep_while_the_broker_is_still_away_keeps_the_run_waiting(
    evidence, audrey, broker_away
):
    run = ask(audrey)
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert services.sweep_runs() == {"sent": 0, "failed": 0, "packs": 0}
    run.refresh_from_db()
    assert (run.state, run.queued_at) == (ReportState.QUEUED, NOW)  # tried again next time


def test_a_run_still_running_past_its_time_limit_fails_with_a_retry(
    client, evidence, audrey, django_capture_on_commit_callbacks
):
    run = ask(audrey)
    assert services.claim_run(run.pk, task_id="task-1") is not None  # then its worker died
    with time_machine.travel(NOW + timedelta(seconds=660 + 59), tick=False):
        assert services.sweep_runs() == {"sent": 0, "failed": 0, "packs": 0}  # within the limit
    with time_machine.travel(NOW + timedelta(seconds=660 + 61), tick=False):
        assert services.sweep_runs() == {"sent": 0, "failed": 1, "packs": 0}
    run.refresh_from_db()
    assert run.state == ReportState.FAILED
    assert run.error.startswith("The report was still being built after the 10 minutes limit")
    assert f"({run.pk})" in run.error

    client.force_login(audrey)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/runs/{run.pk}/retry/")
    run.refresh_from_db()
    assert (run.state, run.attempts) == (ReportState.DONE, 1)


def test_a_copy_of_the_message_never_builds_the_run_a_second_time(evidence, audrey):
    run = ask(audrey)
    assert services.claim_run(run.pk, task_id="first") is not None
    # The sweeper's copy arrives while the first message builds it: it does nothing.
    assert services.claim_run(run.pk, task_id="copy") is None
    # The first message put back after its worker died may start it again.
    again = services.claim_run(run.pk, task_id="first")
    assert (again.state, again.attempts, again.task_id) == (ReportState.RUNNING, 2, "first")


def test_a_done_run_is_not_claimed_again(evidence, audrey):
    run = ask(audrey)
    assert build_report_run.apply(args=[run.pk]).get() == ReportState.DONE
    run.refresh_from_db()
    first = (run.sha256, run.finished_at, run.attempts)
    assert build_report_run.apply(args=[run.pk]).get() == ReportState.DONE
    run.refresh_from_db()
    assert (run.sha256, run.finished_at, run.attempts) == first


def test_a_run_whose_worker_dies_each_time_stops_after_the_allowed_attempts(
    evidence, audrey, settings
):
    settings.TASK_MAX_ATTEMPTS = 2
    run = ask(audrey)
    for _ in range(2):
        assert services.claim_run(run.pk, task_id="killed each time") is not None
    assert services.claim_run(run.pk, task_id="killed each time") is None
    run.refresh_from_db()
    assert run.state == ReportState.FAILED
    assert run.error.startswith("The report was started 2 times and its worker stopped")


def test_a_build_past_its_soft_time_limit_fails_with_a_retry(evidence, audrey, monkeypatch):
    def too_long(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "build_file", too_long)
    run = ask(audrey)
    assert build_report_run.apply(args=[run.pk]).get() == ReportState.FAILED
    run.refresh_from_db()
    assert run.error.startswith("The report was still being built after the 10 minutes limit")


def test_a_sign_off_whose_pack_message_was_lost_gets_its_pack_from_the_sweeper(
    evidence, sam, broker_back, django_capture_on_commit_callbacks
):
    PeriodSignOff.objects.all().delete()
    # The sign-off commits; the message asking for its pack is never sent (the broker was
    # away), nor anything else that waited for the commit.
    with django_capture_on_commit_callbacks(execute=False):
        sign_off_period(period_key=MONTH.key, actor=sam)
    assert not ReportRun.objects.exists()
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        assert services.sweep_runs()["packs"] == 0  # it may still be on its way
    with (
        time_machine.travel(NOW + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),  # the sweeper runs outside one
    ):
        assert services.sweep_runs() == {"sent": 0, "failed": 0, "packs": 2}
        assert services.sweep_runs()["packs"] == 0  # queued once
    runs = ReportRun.objects.filter(kind="monthly_pack").order_by("pk")
    assert [(r.file_format, r.trigger, r.requested_by) for r in runs] == [
        ("pdf", ReportTrigger.SIGN_OFF, sam),
        ("xlsx", ReportTrigger.SIGN_OFF, sam),
    ]
    assert broker_back == [run.pk for run in runs]


def test_a_council_wide_sign_off_while_the_broker_is_away_stands_and_answers(
    client, evidence, sam, monkeypatch, django_capture_on_commit_callbacks
):
    """The page signs the month off and says so; the pack's lost message is the
    sweeper's to send again (above), never a server error after the commit."""
    from departments.returns.sign_off import MONTHLY_PACK_TASK

    PeriodSignOff.objects.all().delete()
    refused = []

    def refuse(sign_off_id):
        refused.append(sign_off_id)
        raise kombu.exceptions.OperationalError("Error 111 connecting to the broker")

    current_app.conf.task_always_eager = False
    current_app.loader.import_default_modules()
    monkeypatch.setattr(current_app.tasks[MONTHLY_PACK_TASK], "delay", refuse)
    client.force_login(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/periods/{MONTH.key}/sign-off/",
            {"action": "sign_off", "department": "council", "confirmed": "1"},
        )

    assert response.status_code == 302
    sign_off = PeriodSignOff.objects.get(period=MONTH.key)
    assert refused == [sign_off.pk]
    assert not ReportRun.objects.exists()  # the sweeper will ask for it
