"""Bulk import of referrals (CSV and XLSX) through the shared importer and its API.

All or nothing: a good file creates its referrals with the derived fields (period, due
date, days to resolve); a file with any bad row stores nothing and names each bad row
as (row, column, message), the header being row 1.

Time is frozen on 10 October 2025 (Europe/London): a date after that is in the future.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from demo import reference
from departments.imports.services import start_import
from departments.models import ImportJob, ImportStatus, Referral
from departments.referrals.imports import ReferralRowHandler
from tests.factories import DepartmentFactory, ServiceFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 10, 10)
COLUMNS = [
    "from_department",
    "to_department",
    "category",
    "raised_on",
    "acknowledged_on",
    "resolved_on",
    "agreed_days",
    "channel",
    "reference",
]
IMPORT = "/api/v1/referrals/import/"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2025, 10, 10, 11, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def asc(council):
    return DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care")


@pytest.fixture
def service(partnership):
    return ServiceFactory(
        partnership=partnership, code="case-management", name="Shared case-management system"
    )


def csv_text(rows: list[list[object]], header: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def xlsx_bytes(rows: list[list[object]], header: list[str] = COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(actor, content: bytes, name: str, capture) -> ImportJob:
    upload = SimpleUploadedFile(name, content)
    with capture(execute=True):
        job = start_import(kind="referrals", actor=actor, uploaded_file=upload)
    job.refresh_from_db()
    return job


GOOD_ROWS = [
    # Housing → ASC, resolved on its due date: due 1 Sep + 5 = 6 Sep, 5 days.
    ["housing", "adult-social-care", "Housing needs assessment", "2025-09-01", "2025-09-02",
     "2025-09-06", "5", "case-management", "CM-1"],
    # ASC → Housing, raised 30 Sep (so P06), still open: due 30 Sep + 14 = 14 Oct.
    ["adult-social-care", "housing", "Care package review", "2025-09-30", "", "", "14",
     "email", "CM-2"],
    # Finance → Housing in August, resolved 12 days later: due 25 Aug + 10 = 4 Sep.
    ["finance", "housing", "Invoice query", "2025-08-25", "2025-08-25", "2025-09-06", "10",
     "phone", ""],
]  # fmt: skip


def _check_good_import(job, alice, service) -> None:
    assert job.status == ImportStatus.SUCCEEDED, (job.message, job.errors)
    assert (job.created_count, job.processed_rows) == (3, 3)
    assert job.message == "3 rows read: 3 created, 0 updated."
    found = {r.reference or "none": r for r in Referral.objects.select_related("from_department")}
    assert Referral.objects.count() == 3
    cm1, cm2, none = found["CM-1"], found["CM-2"], found["none"]
    assert (cm1.period, cm1.due_on, cm1.resolution_days) == ("2025-26-P06", date(2025, 9, 6), 5)
    assert (cm1.channel, cm1.service, cm1.acknowledged_on) == (
        "service",
        service,
        date(2025, 9, 2),
    )
    assert (cm2.period, cm2.due_on, cm2.resolution_days) == (
        "2025-26-P06",
        date(2025, 10, 14),
        None,
    )
    assert (cm2.channel, cm2.service, cm2.resolved_on) == ("email", None, None)
    # 25 Aug belongs to August (P05) though it was resolved in September: 12 days.
    assert (none.period, none.due_on, none.resolution_days) == ("2025-26-P05", date(2025, 9, 4), 12)
    assert {r.raised_by for r in found.values()} == {alice}


def test_a_good_csv_file_creates_its_referrals(
    alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    job = run(
        alice, csv_text(GOOD_ROWS).encode(), "referrals.csv", django_capture_on_commit_callbacks
    )
    _check_good_import(job, alice, service)


def test_a_csv_file_saved_by_excel_with_a_byte_order_mark_and_crlf(
    alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    text = "\ufeff" + csv_text(GOOD_ROWS).replace("\n", "\r\n")
    job = run(alice, text.encode(), "referrals.csv", django_capture_on_commit_callbacks)
    _check_good_import(job, alice, service)


def test_a_good_xlsx_file_with_real_dates_and_numbers(
    alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    def cell(value: str, column: str):
        if column.endswith("_on") and value:
            return datetime.fromisoformat(value)  # Excel dates arrive as datetimes
        if column == "agreed_days":
            return float(value)  # and every number as a float
        return value or None

    rows = [[cell(v, c) for v, c in zip(row, COLUMNS, strict=True)] for row in GOOD_ROWS]
    job = run(alice, xlsx_bytes(rows), "referrals.xlsx", django_capture_on_commit_callbacks)
    assert job.file_format == "xlsx"
    _check_good_import(job, alice, service)


# --- bad rows: every problem named, nothing stored --------------------------------------------

GOOD = ["housing", "adult-social-care", "Housing needs assessment", "2025-09-01", "", "",
        "5", "email", ""]  # fmt: skip


def row_with(**changes) -> list[str]:
    row = dict(zip(COLUMNS, GOOD, strict=True))
    row.update(changes)
    return [row[c] for c in COLUMNS]


BAD_ROWS = [
    pytest.param(
        {"from_department": "planning-dept"},
        "from_department",
        "Unknown department 'planning-dept'",
        id="unknown-from-department",
    ),
    pytest.param(
        {"to_department": "nowhere"},
        "to_department",
        "Unknown department 'nowhere'",
        id="unknown-to-department",
    ),
    pytest.param(
        {"to_department": "housing"},
        "to_department",
        "A department cannot refer work to itself",
        id="refers-to-itself",
    ),
    pytest.param(
        {"raised_on": "2025-09-10", "resolved_on": "2025-09-09"},
        "resolved_on",
        "The resolved date cannot be before the raised date",
        id="resolved-before-raised",
    ),
    pytest.param(
        {"channel": "fax"},
        "channel",
        "Unknown channel 'fax': use a partner service's code, email, phone or paper",
        id="unknown-channel",
    ),
    pytest.param(
        {"raised_on": "2025-10-11"},
        "raised_on",
        "The raised date cannot be in the future",
        id="raised-in-the-future",
    ),
    pytest.param(
        {"resolved_on": "2025-10-11"},
        "resolved_on",
        "The resolved date cannot be in the future",
        id="resolved-in-the-future",
    ),
    pytest.param(
        {"acknowledged_on": "2026-01-01"},
        "acknowledged_on",
        "The acknowledged date cannot be in the future",
        id="acknowledged-in-the-future",
    ),
    pytest.param(
        {"agreed_days": ""},
        "agreed_days",
        "Enter the agreed response time in days",
        id="missing-agreed-time",
    ),
    pytest.param(
        {"agreed_days": "five"},
        "agreed_days",
        "'five' is not a whole number of days",
        id="agreed-time-not-a-number",
    ),
    pytest.param(
        {"agreed_days": "0"},
        "agreed_days",
        "The agreed response time must be between 1 and 365 days",
        id="agreed-time-zero",
    ),
    pytest.param(
        {"raised_on": "30/09/25"},
        "raised_on",
        "'30/09/25' has a two-digit year: write the year in full, such as 01/04/2026",
        id="raised-with-a-two-digit-year",
    ),
    pytest.param(
        {"raised_on": "09/30/2025"},
        "raised_on",
        "'09/30/2025' is not a date in the calendar (dates are written day first, as 13/04/2026)",
        id="raised-written-month-first",
    ),
    pytest.param(
        {"resolved_on": "last Tuesday"},
        "resolved_on",
        "'last Tuesday' is not a date: write it as 2026-04-01 or 01/04/2026, or as a date "
        "and time such as 2026-04-01T09:30:00+01:00",
        id="resolved-not-a-date",
    ),
    pytest.param(
        {"acknowledged_on": "2025"},
        "acknowledged_on",
        "'2025' is not a date: a whole number is read as an Excel date serial, from 32874 "
        "(1 January 1990) to 73415 (31 December 2100)",
        id="acknowledged-a-small-number",
    ),
    pytest.param(
        {"category": "C" * 81},
        "category",
        "Category can be at most 80 characters (it has 81)",
        id="category-too-long",
    ),
    pytest.param(
        {"reference": "R" * 65},
        "reference",
        "Reference can be at most 64 characters (it has 65)",
        id="reference-too-long",
    ),
    pytest.param(
        {"agreed_days": "²"},
        "agreed_days",
        "'²' is not a whole number of days",
        id="agreed-time-a-superscript-digit",
    ),
    pytest.param(
        {"raised_on": ""},
        "raised_on",
        "Enter the date the referral was raised",
        id="missing-raised-date",
    ),
    pytest.param(
        {"category": ""},
        "category",
        "Enter the category of work, such as 'Housing needs assessment'",
        id="missing-category",
    ),
    pytest.param(
        {"from_department": "finance", "to_department": "adult-social-care"},
        "from_department",
        "You can import referrals only to or from your own department",
        id="neither-department-is-alices",
    ),
]


@pytest.mark.parametrize(("changes", "column", "message"), BAD_ROWS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_bad_row_rejects_the_whole_file(
    alice,
    housing,
    finance,
    asc,
    service,
    django_capture_on_commit_callbacks,
    changes,
    column,
    message,
    file_format,
):
    rows = [GOOD, GOOD, row_with(**changes), GOOD]
    content = csv_text(rows).encode() if file_format == "csv" else xlsx_bytes(rows)
    job = run(alice, content, f"referrals.{file_format}", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    # The header is row 1, so the third data row is row 4.
    assert job.errors == [{"row": 4, "column": column, "message": message}]
    assert job.message == "Nothing was imported: 1 problem found."
    assert not Referral.objects.exists()


def test_every_bad_row_is_reported_in_order(
    alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    rows = [
        GOOD,
        row_with(to_department="housing"),
        GOOD,
        row_with(channel="carrier pigeon", agreed_days=""),
        [],  # a blank line keeps its number
        row_with(raised_on="2025-09-10", resolved_on="2025-09-01"),
    ]
    job = run(alice, csv_text(rows).encode(), "referrals.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "to_department"),
        (5, "agreed_days"),
        (5, "channel"),
        (7, "resolved_on"),
    ]
    assert job.message == "Nothing was imported: 4 problems found."
    assert not Referral.objects.exists()


def test_a_file_without_a_required_column_is_refused(
    alice, housing, asc, django_capture_on_commit_callbacks
):
    header = [c for c in COLUMNS if c != "agreed_days"]
    rows = [[v for v, c in zip(GOOD, COLUMNS, strict=True) if c != "agreed_days"]]
    job = run(
        alice, csv_text(rows, header).encode(), "referrals.csv", django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {"row": 1, "column": "agreed_days", "message": "Required column missing: agreed_days"}
    ]
    assert not Referral.objects.exists()


def test_an_officer_imports_referrals_to_their_department_from_another(
    alice, housing, finance, asc, django_capture_on_commit_callbacks
):
    rows = [row_with(from_department="finance", to_department="housing")]
    job = run(alice, csv_text(rows).encode(), "referrals.csv", django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert Referral.objects.get().from_department == finance


def test_auditors_and_partners_cannot_import(audrey, pat, housing, asc):
    from django.core.exceptions import PermissionDenied

    for user in (audrey, pat):
        with pytest.raises(PermissionDenied):
            start_import(
                kind="referrals",
                actor=user,
                uploaded_file=SimpleUploadedFile("r.csv", csv_text([GOOD]).encode()),
            )
    assert not ImportJob.objects.exists()


# --- through the API -------------------------------------------------------------------------


def _post(client, capture, **data):
    with capture(execute=True):
        if "rows" in data:
            return client.post(IMPORT, data, content_type="application/json")
        return client.post(IMPORT, data)


def test_the_api_imports_a_csv_file(
    client, alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    upload = SimpleUploadedFile("referrals.csv", csv_text(GOOD_ROWS).encode())
    response = _post(client, django_capture_on_commit_callbacks, file=upload)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["kind"], body["file_format"]) == ("referrals", "csv")
    assert response["Location"] == body["url"]
    job = client.get(body["url"]).json()
    assert (job["status"], job["created_count"], job["errors"]) == ("succeeded", 3, [])
    _check_good_import(ImportJob.objects.get(pk=body["id"]), alice, service)


def test_the_api_imports_an_xlsx_file_and_reports_a_bad_row(
    client, alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    rows = [GOOD, row_with(raised_on="2025-09-10", resolved_on="2025-09-09")]
    upload = SimpleUploadedFile("referrals.xlsx", xlsx_bytes(rows))
    response = _post(client, django_capture_on_commit_callbacks, file=upload)
    assert response.status_code == 202
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 3,
            "column": "resolved_on",
            "message": "The resolved date cannot be before the raised date",
        }
    ]
    assert not Referral.objects.exists()


def test_the_api_imports_json_rows(
    client, alice, housing, finance, asc, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in GOOD_ROWS]
    response = _post(client, django_capture_on_commit_callbacks, rows=rows)
    assert response.status_code == 202, response.json()
    job = client.get(response.json()["url"]).json()
    assert (job["status"], job["created_count"]) == ("succeeded", 3)
    # JSON rows are numbered from 1.
    bad = [rows[0], {**rows[1], "to_department": "adult-social-care", "from_department": "nowhere"}]
    response = _post(client, django_capture_on_commit_callbacks, rows=bad)
    job = client.get(response.json()["url"]).json()
    assert job["errors"] == [
        {"row": 2, "column": "from_department", "message": "Unknown department 'nowhere'"}
    ]
    assert Referral.objects.count() == 3


def test_the_api_refuses_auditors_partners_and_files_that_are_not_tables(
    client, alice, audrey, pat, housing, asc, django_capture_on_commit_callbacks
):
    for user in (audrey, pat):
        client.force_login(user)
        upload = SimpleUploadedFile("referrals.csv", csv_text([GOOD]).encode())
        assert _post(client, django_capture_on_commit_callbacks, file=upload).status_code == 403
    client.force_login(alice)
    png = SimpleUploadedFile("referrals.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    response = _post(client, django_capture_on_commit_callbacks, file=png)
    assert response.status_code == 400
    assert "neither CSV nor an Excel workbook" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


# --- 100,000 demo-shaped rows ----------------------------------------------------------------

SERVICE_PAIRS = {"housing", "adult-social-care", "childrens-services", "revenues-benefits"}


def write_demo_rows(path: Path, count: int, *, today: date, seed: int = 2025) -> None:
    """``count`` referrals shaped like the demo's: its department pairs and their weights,
    its categories and agreed times, raised over the 24 months before ``today``, most
    resolved (some late), most through the shared case-management system."""
    rng = random.Random(seed)
    pairs = [(a, b) for a, b, _ in reference.REFERRAL_PAIRS]
    weights = [w for _, _, w in reference.REFERRAL_PAIRS]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(count):
            source, target = rng.choices(pairs, weights)[0]
            category, agreed = reference.REFERRAL_CATEGORIES[n % len(reference.REFERRAL_CATEGORIES)]
            raised = today - timedelta(days=1 + rng.randrange(730))
            days = rng.randint(0, agreed) if rng.random() < 0.85 else agreed + rng.randint(1, 12)
            resolved = raised + timedelta(days=days)
            if resolved > today:
                resolved = None
            acknowledged = raised + timedelta(days=min(1, days))
            if acknowledged > today:
                acknowledged = None
            digital = {source, target} <= SERVICE_PAIRS and rng.random() < 0.8
            channel = "case-management" if digital else ("email", "phone", "paper")[n % 3]
            writer.writerow(
                [
                    source,
                    target,
                    category,
                    raised.isoformat(),
                    acknowledged.isoformat() if acknowledged else "",
                    resolved.isoformat() if resolved else "",
                    agreed,
                    channel,
                    f"CM-{n:06d}",
                ]
            )


@pytest.fixture
def demo_departments(council, partnership):
    for name, code in reference.DEPARTMENTS:
        DepartmentFactory(council=council, name=name, code=code)
    ServiceFactory(partnership=partnership, code="case-management")


@pytest.mark.slow
def test_100000_rows_with_one_bad_row_near_the_end_store_nothing(
    ada, demo_departments, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / "referrals.csv"
    write_demo_rows(path, 100_000, today=TODAY)
    # Make data row 99,990 (file row 99,991) refer Housing to itself.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = next(csv.reader([lines[99_990]]))
    cells[0] = cells[1] = "housing"
    lines[99_990] = ",".join(cells) + "\r\n"
    path.write_text("".join(lines), encoding="utf-8")
    del lines

    started = time.perf_counter()
    with path.open("rb") as stream:
        upload = File(stream, name="referrals.csv")
        with django_capture_on_commit_callbacks(execute=True):
            job = start_import(kind="referrals", actor=ada, uploaded_file=upload)
    seconds = time.perf_counter() - started
    print(f"100,000 rows with one bad row: rejected in {seconds:.1f} s")

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {
            "row": 99_991,
            "column": "to_department",
            "message": "A department cannot refer work to itself",
        }
    ]
    assert job.message == "Nothing was imported: 1 problem found."
    assert job.total_rows == 100_000
    assert not Referral.objects.exists()


def test_imported_dates_must_be_whole_dates(alice, housing, finance):
    handler = ReferralRowHandler(alice, today=date(2025, 11, 15))
    row = {
        "from_department": "housing",
        "to_department": "finance",
        "category": "Invoice",
        "raised_on": "2025-09-1234",
        "agreed_days": "5",
        "channel": "email",
    }
    with pytest.raises(ValidationError) as error:
        handler.write_row(2, row)
    assert error.value.message_dict["raised_on"] == [
        "'2025-09-1234' is not a date: write it as 2026-04-01 or 01/04/2026, or as a date "
        "and time such as 2026-04-01T09:30:00+01:00"
    ]


def test_imported_referrals_name_who_imported_them(alice, housing, finance):
    handler = ReferralRowHandler(alice, today=date(2025, 11, 15))
    handler.write_row(
        2,
        {
            "from_department": "housing",
            "to_department": "finance",
            "category": "Invoice query",
            "raised_on": "2025-09-30T09:15:00",
            "agreed_days": "5",
            "channel": "email",
        },
    )
    handler.finish()
    referral = Referral.objects.get()
    assert referral.raised_on == date(2025, 9, 30)
    record = referral.history.get()
    assert (record.history_user, record.history_change_reason) == (alice, "Imported")


def _run_file(actor, path: Path, capture) -> ImportJob:
    with path.open("rb") as stream, capture(execute=True):
        job = start_import(
            kind="referrals", actor=actor, uploaded_file=File(stream, name=path.name)
        )
    job.refresh_from_db()
    return job


def test_a_file_with_a_bad_last_row_is_refused_before_any_referral_is_written(
    ada, demo_departments, tmp_path, django_capture_on_commit_callbacks
):
    """Every row is checked before any is written (core.importer.run_import's two passes):
    5,000 rows fill two write batches, yet nothing reaches the referrals' tables."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = tmp_path / "referrals.csv"
    write_demo_rows(path, 5_000, today=TODAY)
    with path.open("a", encoding="utf-8", newline="") as out:
        csv.writer(out).writerow(
            ["housing", "housing", "Rent arrears", "2025-10-01", "", "", 5, "email", "LAST"]
        )

    with CaptureQueriesContext(connection) as queries:
        job = _run_file(ada, path, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {
            "row": 5_002,
            "column": "to_department",
            "message": "A department cannot refer work to itself",
        }
    ]
    tables = ('"departments_referral"', '"departments_historicalreferral"')
    writes = [q["sql"] for q in queries if q["sql"].lstrip().startswith(("INSERT", "UPDATE"))]
    assert writes  # the job's own row, so the capture saw the import's queries
    assert not [sql for sql in writes if any(table in sql.split(" SET ")[0] for table in tables)]
    assert not Referral.objects.exists()


def test_a_good_file_is_checked_then_written_and_its_progress_says_which(
    ada, demo_departments, tmp_path, django_capture_on_commit_callbacks
):
    from departments.imports import services

    path = tmp_path / "referrals.csv"
    write_demo_rows(path, 2_500, today=TODAY)
    calls = []
    real_run_job = services.run_job

    def run_job_watched(job, *, progress=None):
        return real_run_job(job, progress=lambda *args: calls.append(args))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "run_job", run_job_watched)
        job = _run_file(ada, path, django_capture_on_commit_callbacks)

    assert (job.status, job.created_count, job.total_rows) == (ImportStatus.SUCCEEDED, 2_500, 2_500)
    assert Referral.objects.count() == 2_500
    # Each reference once in the file: the second pass meets them again and is not fooled.
    assert Referral.objects.filter(reference="CM-002499").count() == 1
    # Every 500 rows and once at the end of each pass: checking first, then writing.
    each_pass = [500, 1_000, 1_500, 2_000, 2_500, 2_500]
    assert calls == [(n, 2_500, stage) for stage in ("checking", "writing") for n in each_pass]


def _running_job(actor, *, total_rows: int | None) -> ImportJob:
    """A referrals import under way, whose progress the test writes to the cache itself."""
    return ImportJob.objects.create(
        kind="referrals",
        created_by=actor,
        status=ImportStatus.RUNNING,
        total_rows=total_rows,
        original_name="referrals.csv",
        file_format="csv",
    )


@pytest.mark.parametrize(
    ("stage", "percent", "text"),
    [
        ("checking", 7, "1,500 of 10,000 rows checked"),
        ("writing", 57, "All 10,000 rows checked; 1,500 of 10,000 saved"),
    ],
)
def test_the_progress_bar_is_half_checking_and_half_saving(client, ada, stage, percent, text):
    from django.urls import reverse

    from core.progress import cache_progress, forget_progress

    job = _running_job(ada, total_rows=10_000)
    cache_progress(job.pk)(1500, 10_000, stage)
    client.force_login(ada)
    try:
        data = client.get(reverse("departments:import-progress", args=[job.pk])).json()
    finally:
        forget_progress(job.pk)  # the cache is Redis, shared across runs, when REDIS_URL is set
    assert (data["percent"], data["text"]) == (percent, text)


def test_the_api_reports_the_same_progress_as_the_page_never_going_back(client, ada):
    from core.progress import cache_progress, forget_progress

    job = _running_job(ada, total_rows=10_000)
    client.force_login(ada)
    seen = []
    try:
        for processed, stage in [(9_500, "checking"), (10_000, "checking"), (500, "writing")]:
            cache_progress(job.pk)(processed, 10_000, stage)
            body = client.get(f"/api/v1/imports/{job.pk}/").json()
            seen.append((body["processed_rows"], body["percent_done"]))
    finally:
        forget_progress(job.pk)  # the cache is Redis, shared across runs, when REDIS_URL is set
    assert seen == [(9_500, 47), (10_000, 49), (500, 52)]


def test_saving_rows_of_a_file_of_unknown_length_says_so(client, ada):
    from django.urls import reverse

    from core.progress import cache_progress, forget_progress

    job = _running_job(ada, total_rows=None)
    client.force_login(ada)
    try:
        cache_progress(job.pk)(200, None, "writing")
        data = client.get(reverse("departments:import-progress", args=[job.pk])).json()
    finally:
        forget_progress(job.pk)
    assert (data["text"], data["percent"]) == ("All rows checked; 200 saved", 0)
