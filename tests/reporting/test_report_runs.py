"""Report runs: stored first, built after commit, progress, checksums, retries,
schedules with emailed links, and the ``reports`` API (202, 200, 409, 410, 403, 404)."""

import hashlib
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail

from departments.models import PeriodSignOff
from departments.returns.sign_off import sign_off_period
from reporting.models import ReportRun, ReportState, ReportTrigger
from reporting.reports import services
from tests.reporting.report_data import LONDON, MONTH, NOW, build_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(settings, tmp_path):
    settings.REPORT_CHART_IMAGES = False  # kaleido is exercised in test_packs
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


def file_bytes(run: ReportRun) -> bytes:
    with run.file.open("rb") as stored:
        return stored.read()


def test_asking_on_the_page_builds_both_files_with_their_checksums(
    client, evidence, audrey, django_capture_on_commit_callbacks
):
    client.force_login(audrey)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/reports/new/monthly_pack/",
            {"period": MONTH.key, "file_format": ["pdf", "xlsx"]},
        )
    runs = list(ReportRun.objects.order_by("pk"))
    assert response.status_code == 302 and response.url == f"/reports/runs/{runs[0].pk}/"
    assert [(r.file_format, r.state, r.progress) for r in runs] == [
        ("pdf", "done", 100),
        ("xlsx", "done", 100),
    ]
    for run in runs:
        content = file_bytes(run)
        assert run.size == len(content)
        assert run.sha256 == hashlib.sha256(content).hexdigest()
    page = client.get(response.url).content.decode()
    assert runs[0].sha256 in page and runs[1].sha256 in page
    assert "September 2025 (P06 2025/26)" in page
    listing = client.get("/reports/").content.decode()
    assert f"Monthly performance pack #{runs[0].pk}" in listing
    progress = client.get(f"/reports/runs/{runs[0].pk}/progress/").json()
    assert (progress["finished"], progress["percent"], progress["text"]) == (
        True,
        100,
        "2 of 2 files ready",
    )
    download = client.get(f"/reports/runs/{runs[1].pk}/download/")
    assert b"".join(download.streaming_content) == file_bytes(runs[1])


def test_the_page_lists_the_problems_of_a_bad_request(client, evidence, audrey):
    client.force_login(audrey)
    response = client.post("/reports/new/monthly_pack/", {"period": "2025-26-P99"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#id_period"' in html
    assert ReportRun.objects.count() == 0


def test_a_run_waits_queued_until_the_request_commits(evidence, audrey):
    runs = services.request_report(
        actor=audrey, kind="returns", file_formats=["csv"], parameters={"period": MONTH.key}
    )
    runs[0].refresh_from_db()
    assert runs[0].state == ReportState.QUEUED  # the task goes out only after commit


def test_asking_again_while_the_same_runs_wait_follows_them(client, evidence, audrey, sam):
    """A double click, a form sent twice or a script in a loop follows the runs already
    waiting rather than building the same files again; anything different is new."""

    def ask(actor=audrey, formats=("pdf", "xlsx"), period=MONTH.key) -> list[int]:
        runs = services.request_report(
            actor=actor,
            kind="monthly_pack",
            file_formats=list(formats),
            parameters={"period": period},
        )
        return [run.pk for run in runs]

    first = ask()
    assert ask() == first  # the same request: the same two runs
    assert ask(formats=("xlsx", "pdf")) == first[::-1]
    assert ask(formats=("pdf",)) == first[:1]
    assert set(ask(period=MONTH.previous().key)).isdisjoint(first)  # another month
    assert set(ask(actor=sam)).isdisjoint(first)  # another person's request is their own
    client.force_login(audrey)
    response = client.post(
        "/api/v1/reports/",
        {"kind": "monthly_pack", "file_format": "xlsx", "parameters": {"period": MONTH.key}},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["id"]) == (202, first[1])
    page = client.post(
        "/reports/new/monthly_pack/", {"period": MONTH.key, "file_format": ["pdf", "xlsx"]}
    )
    assert page.url == f"/reports/runs/{first[0]}/"
    ReportRun.objects.filter(pk__in=first).update(state=ReportState.FAILED, error="It broke.")
    assert set(ask()).isdisjoint(first)  # once finished (here failed), asking builds again
    # The first two, the other month's two and the two asked for after the first failed.
    assert ReportRun.objects.filter(requested_by=audrey).count() == 2 + 2 + 2


def test_a_failed_run_shows_why_and_can_be_retried(
    client, evidence, audrey, monkeypatch, django_capture_on_commit_callbacks
):
    from reporting.reports import kinds as report_kinds

    real = report_kinds.build_file
    monkeypatch.setattr(
        services, "build_file", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = services.request_report(
            actor=audrey, kind="returns", file_formats=["csv"], parameters={"period": MONTH.key}
        )
    run.refresh_from_db()
    assert run.state == ReportState.FAILED and "disk full" in run.error
    client.force_login(audrey)
    page = client.get(f"/reports/runs/{run.pk}/").content.decode()
    assert "disk full" in page and "Try again" in page
    monkeypatch.setattr(services, "build_file", real)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/runs/{run.pk}/retry/")
    run.refresh_from_db()
    # A retry is a new start: its attempts count from none again (core.claims bounds them).
    assert (run.state, run.error, run.attempts) == (ReportState.DONE, "", 1)


def test_building_a_done_run_again_changes_nothing(evidence, audrey):
    from reporting.tasks import build_report_run

    (run,) = services.request_report(
        actor=audrey, kind="returns", file_formats=["xlsx"], parameters={"period": MONTH.key}
    )
    build_report_run(run.pk)
    run.refresh_from_db()
    first = (run.sha256, run.finished_at, run.attempts)
    build_report_run(run.pk)
    run.refresh_from_db()
    assert (run.sha256, run.finished_at, run.attempts) == first


def test_rebuilding_a_locked_month_gives_the_same_checksums(evidence, audrey):
    from reporting.tasks import build_report_run

    checksums = []
    for moment in (NOW, datetime(2026, 3, 2, 8, 15, tzinfo=LONDON)):
        with time_machine.travel(moment, tick=False):
            runs = services.request_report(
                actor=audrey,
                kind="returns",
                file_formats=["csv", "xlsx"],
                parameters={"period": MONTH.key},
            )
            for run in runs:
                build_report_run(run.pk)
        checksums.append([ReportRun.objects.get(pk=r.pk).sha256 for r in runs])
    assert checksums[0] == checksums[1]


def test_people_see_their_own_runs_and_auditors_everyones(client, evidence, alice, audrey, bob):
    (own,) = services.request_report(
        actor=alice, kind="returns", file_formats=["csv"], parameters={"period": MONTH.key}
    )
    client.force_login(bob)
    assert client.get(f"/reports/runs/{own.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{own.pk}/").status_code == 404
    assert "<h2>Your reports</h2>" in client.get("/reports/").content.decode()
    client.force_login(audrey)
    assert client.get(f"/reports/runs/{own.pk}/").status_code == 200
    page = client.get("/reports/").content.decode()
    assert "<h2>Everyone's reports</h2>" in page and alice.get_full_name() in page
    assert [r["id"] for r in client.get("/api/v1/reports/").json()["results"]] == [own.pk]
    runs = client.get("/").context["home"].list("recent_report_runs")
    assert [item.record for item in runs.items] == [own]


def test_an_smt_sign_off_queues_the_monthly_pack_and_emails_a_link(
    evidence, sam, audrey, django_capture_on_commit_callbacks, settings
):
    PeriodSignOff.objects.all().delete()
    sam.email, audrey.email = "sam@council.example", "audrey@council.example"
    sam.save()
    audrey.save()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_period(period_key=MONTH.key, actor=sam)
    runs = ReportRun.objects.filter(kind="monthly_pack").order_by("pk")
    assert [(r.file_format, r.trigger, r.state) for r in runs] == [
        ("pdf", ReportTrigger.SIGN_OFF, "done"),
        ("xlsx", ReportTrigger.SIGN_OFF, "done"),
    ]
    (email,) = mail.outbox
    assert sorted(email.to) == ["audrey@council.example", "sam@council.example"]
    assert f"{settings.SITE_URL}/reports/runs/{runs[0].pk}/" in email.body
    assert email.body.startswith("The report “Monthly performance pack” for ")
    assert email.attachments == []
    # The same sign-off queues nothing twice.
    assert services.queue_pack_for_sign_off(PeriodSignOff.objects.get()) == []


def test_a_department_sign_off_builds_no_pack(
    evidence, sam, housing, django_capture_on_commit_callbacks
):
    PeriodSignOff.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_period(period_key=MONTH.key, actor=sam, department=housing)
    assert not ReportRun.objects.exists()


def test_the_annual_report_is_built_once_after_year_end(evidence, sam):
    # 2025-26 ends on 31 March 2026; March's returns are due 15 working days later.
    with time_machine.travel(date(2026, 4, 10), tick=False):
        assert services.annual_report_due() == []  # not signed off, deadline not passed
    with time_machine.travel(date(2026, 5, 1), tick=False):
        runs = services.annual_report_due()
        assert [(r.kind, r.file_format, r.parameters) for r in runs] == [
            ("annual_report", "pdf", {"year": "2025-26"}),
            ("annual_report", "xlsx", {"year": "2025-26"}),
        ]
        assert services.annual_report_due() == []


# --- the API ------------------------------------------------------------------------------


def test_api_post_answers_202_with_the_runs_url(client, evidence, audrey):
    client.force_login(audrey)
    response = client.post(
        "/api/v1/reports/",
        {"kind": "returns", "file_format": "csv", "parameters": {"period": MONTH.key}},
        content_type="application/json",
    )
    run = ReportRun.objects.get()
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/v1/reports/{run.pk}/")
    body = client.get(response["Location"]).json()
    assert (body["state"], body["progress"]) == ("queued", 0)  # the test never commits


def test_api_download_answers_200_409_and_410(client, evidence, audrey):
    from reporting.tasks import build_report_run

    (run,) = services.request_report(
        actor=audrey, kind="returns", file_formats=["csv"], parameters={"period": MONTH.key}
    )
    client.force_login(audrey)
    url = f"/api/v1/reports/{run.pk}/download/"
    assert client.get(url).status_code == 409
    build_report_run(run.pk)
    done = client.get(url)
    run.refresh_from_db()
    assert done.status_code == 200
    assert hashlib.sha256(b"".join(done.streaming_content)).hexdigest() == run.sha256
    ReportRun.objects.filter(pk=run.pk).update(state=ReportState.FAILED, error="It broke.")
    gone = client.get(url)
    assert (gone.status_code, gone.json()["detail"]) == (410, "It broke.")


def test_api_refuses_a_report_with_nothing_in_scope_and_bad_parameters(
    client, evidence, pat, audrey, finance, alice
):
    client.force_login(pat)
    response = client.post(
        "/api/v1/reports/",
        {"kind": "returns", "file_format": "csv", "parameters": {"period": MONTH.key}},
        content_type="application/json",
    )
    refusal = "The report “KPI returns with RAG and commentary” holds nothing within your scope."
    assert (response.status_code, response.json()["detail"]) == (403, refusal)
    page = client.get("/reports/new/returns/")  # the form says the same, in the same words
    assert page.status_code == 403 and refusal in page.content.decode()
    client.force_login(alice)
    response = client.post(
        "/api/v1/reports/",
        {
            "kind": "returns",
            "file_format": "csv",
            "parameters": {"period": MONTH.key, "department": finance.pk},
        },
        content_type="application/json",
    )
    assert (response.status_code, list(response.json())) == (400, ["department"])


def test_the_audit_trail_browser_filters_and_pages(client, evidence, audrey, alice):
    client.force_login(audrey)
    response = client.get("/audit-trail/?object_type=return")
    assert response.status_code == 200
    assert response.context["count"] == 6  # this year's and last year's of three indicators
    assert all(e.object_type == "KPI return" for e in response.context["entries"])
    response = client.get("/audit-trail/?since=2025-13-01")
    assert "There is a problem" in response.content.decode()


def test_celery_beat_asks_daily_for_the_annual_report(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["annual-report"]
    assert entry["task"] == "reporting.tasks.build_annual_report_when_due"
    from config.celery import app

    app.loader.import_default_modules()  # what the worker and beat do when they start
    assert entry["task"] in app.tasks


def test_an_officer_reads_only_their_departments_trail(client, evidence, alice, finance):
    client.force_login(alice)
    response = client.get("/audit-trail/")
    records = {(e.object_type, e.department) for e in response.context["entries"]}
    assert ("KPI return", "Housing") in records
    assert not any(department == "Finance" for _, department in records)
    memberships = [e for e in response.context["entries"] if e.object_type == "Membership"]
    assert {e.record for e in memberships} == {"Officer of Housing"}
    assert client.get(f"/audit-trail/?department={finance.pk}").context["errors"] == {
        "department": "Choose a department from the list"
    }


def test_the_whole_trail_merges_every_kind_newest_first(client, evidence, audrey):
    client.force_login(audrey)
    entries = client.get("/audit-trail/").context["entries"]
    kinds = {e.object_type for e in entries}
    assert {"KPI return", "Target", "SLA result", "Membership", "Period sign-off"} <= kinds
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)


@pytest.mark.parametrize(
    ("persona", "path", "status"),
    [
        ("alice", "/reports/", 200),
        ("pat", "/reports/", 200),
        ("audrey", "/reports/new/monthly_pack/", 200),
        ("harriet", "/reports/new/annual_report/", 200),
        ("pat", "/reports/new/sla_results/", 200),
        ("pat", "/reports/new/returns/", 403),
        ("pat", "/reports/new/referrals/", 403),
        ("audrey", "/reports/new/no_such_report/", 404),
        ("audrey", "/audit-trail/", 200),
    ],
)
def test_who_reaches_the_report_pages(client, evidence, request, persona, path, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(path).status_code == status
