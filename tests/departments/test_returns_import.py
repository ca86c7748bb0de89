"""Bulk import of KPI returns: the domain rules, the job, the template and the pages.

Time is frozen on 28 November 2026: September 2026 (2026-27-P06) has ended, November
2026 (P08) has not. alice is an officer of Housing, bob of Finance, audrey an auditor,
ada an administrator.
"""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.cells import ImportRejected
from core.progress import cache_progress, forget_progress, read_progress
from departments import tasks
from departments.imports import services as imports
from departments.imports.services import start_import
from departments.models import ImportJob, ImportStatus, KpiReturn, ReturnState
from departments.returns.imports import ReturnRowHandler, returns_template
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

TODAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
HEADER = "indicator_code,period,value,numerator,denominator,commentary,improvement_action\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def indicators(housing, finance):
    """Housing's indicators and one of Finance's, by code."""
    made = {
        "HOU-01": IndicatorFactory(department=housing, code="HOU-01", title="Repairs on time"),
        "HOU-RATIO": IndicatorFactory(
            department=housing, code="HOU-RATIO", title="Rent collected", year_to_date="ratio"
        ),
        "HOU-DAYS": IndicatorFactory(
            department=housing, code="HOU-DAYS", unit="days", polarity="lower", decimal_places=0
        ),
        "HOU-Q": IndicatorFactory(
            department=housing, code="HOU-Q", unit="count", frequency="quarterly"
        ),
        "FIN-01": IndicatorFactory(department=finance, code="FIN-01", title="Invoices paid"),
    }
    TargetFactory(indicator=made["HOU-01"], financial_year=2026)
    return made


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def run(actor, text: str, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(kind="returns", actor=actor, uploaded_file=upload("returns.csv", text))
    job.refresh_from_db()
    return job


def figures(indicator, period):
    kpi_return = KpiReturn.objects.get(indicator=indicator, period=period)
    return kpi_return.value, kpi_return.numerator, kpi_return.denominator


# --- the domain ----------------------------------------------------------------------------


def test_a_good_file_creates_and_updates_returns(
    alice, indicators, django_capture_on_commit_callbacks
):
    KpiReturnFactory(indicator=indicators["HOU-01"], period="2026-27-P05", value=Decimal("80"))
    text = HEADER + (
        "HOU-01,2026-27-P06,91.5,,,,\n"
        "HOU-RATIO,2026-27-P06,,45,50,,\n"
        'HOU-DAYS,2026-27-P06,"1,250",,,,\n'
        "HOU-Q,2026-27-Q2,12,,,,\n"
        "HOU-01,2026-27-P05,85.0,,,Fewer repairs were late,\n"
        "HOU-DAYS,2026-27-P05,,,,,\n"
    )

    job = run(alice, text, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.processed_rows) == (4, 1, 6)
    assert (
        job.message == "6 rows read: 4 created, 1 updated. 1 without figures or text was skipped."
    )
    assert figures(indicators["HOU-01"], "2026-27-P06") == (Decimal("91.5"), None, None)
    assert figures(indicators["HOU-RATIO"], "2026-27-P06") == (
        Decimal("90.0"),
        Decimal("45"),
        Decimal("50"),
    )
    assert figures(indicators["HOU-DAYS"], "2026-27-P06") == (Decimal("1250"), None, None)
    assert figures(indicators["HOU-Q"], "2026-27-Q2") == (Decimal("12"), None, None)
    updated = KpiReturn.objects.get(indicator=indicators["HOU-01"], period="2026-27-P05")
    assert (updated.value, updated.commentary, updated.state) == (
        Decimal("85.0"),
        "Fewer repairs were late",
        ReturnState.DRAFT,
    )
    last = updated.history.latest()
    assert (last.history_user, last.history_change_reason) == (alice, "Edited")
    assert not KpiReturn.objects.filter(indicator=indicators["HOU-DAYS"], period="2026-27-P05")


def test_one_bad_row_among_good_ones_stores_nothing_and_lists_every_problem(
    alice, indicators, django_capture_on_commit_callbacks
):
    KpiReturnFactory(indicator=indicators["HOU-01"], period="2026-27-P02", state=ReturnState.LOCKED)
    text = HEADER + (
        "HOU-01,2026-27-P06,91.5,,,,\n"  # 2 good
        "NOPE-9,2026-27-P06,50,,,,\n"  # 3
        "FIN-01,2026-27-P06,50,,,,\n"  # 4 another department's
        "HOU-01,2026-27-P05,ninety,,,,\n"  # 5
        "HOU-01,2026-27-P04,100.5,,,,\n"  # 6
        "HOU-01,2026-27-P03,91.55,,,,\n"  # 7
        "HOU-RATIO,2026-27-P06,,60,50,,\n"  # 8
        "HOU-RATIO,2026-27-P05,,0,0,,\n"  # 9
        "HOU-01,2026-27-P08,90,,,,\n"  # 10 November 2026 has not ended
        "HOU-01,2026-27-Q2,90,,,,\n"  # 11 monthly indicator, quarter key
        "HOU-01,2026-27-P02,90,,,,\n"  # 12 locked
        "HOU-RATIO,2026-27-P04,,45,50,,\n"  # 13 good
        "HOU-01,2026-27-P06,92,,,,\n"  # 14 the same return as row 2
    )

    job = run(alice, text, django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "indicator_code", "Unknown indicator code 'NOPE-9' (or not in your departments)"),
        (4, "indicator_code", "Unknown indicator code 'FIN-01' (or not in your departments)"),
        (5, "value", "Value must be a number, like 92.5"),
        (6, "value", "Value is a percentage and cannot be more than 100"),
        (7, "value", "Value can have at most 1 decimal place for HOU-01"),
        (8, "numerator", "Numerator cannot be greater than the denominator for a percentage"),
        (9, "denominator", "Denominator cannot be zero"),
        (
            10,
            "period",
            "November 2026 (P08 2026/27) has not ended yet: a return can be entered once it has",
        ),
        (11, "period", "HOU-01 is reported monthly: use a period such as 2025-26-P06"),
        (
            12,
            "period",
            "This return is locked because its period is signed off; ask SMT to reopen it",
        ),
        (
            14,
            "period",
            "HOU-01 for 2026-27-P06 is also on row 2: a return can appear only once in a file",
        ),
    ]
    assert job.message == "Nothing was imported: 11 problems found."
    assert list(KpiReturn.objects.values_list("period", flat=True)) == ["2026-27-P02"]


def test_missing_columns_are_reported_on_row_1(
    alice, indicators, django_capture_on_commit_callbacks
):
    job = run(alice, "indicator,value\nHOU-01,91.5\n", django_capture_on_commit_callbacks)

    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {
            "row": 1,
            "column": "indicator_code, period",
            "message": ("Required column missing: indicator_code, period"),
        }
    ]


def test_an_smt_member_sees_the_permission_problem_per_row(sam, indicators):
    # SMT may see every indicator but edit none: the service's refusal becomes a row error.
    handler = ReturnRowHandler(sam)

    with pytest.raises(Exception) as caught:
        handler.write_row(2, {"indicator_code": "HOU-01", "period": "2026-27-P06", "value": "90"})

    assert caught.value.message_dict == {
        "indicator_code": ["Only officers and heads of the department can edit its returns."]
    }


def test_json_rows_are_imported_like_a_file(alice, indicators, django_capture_on_commit_callbacks):
    rows = [
        {"indicator_code": "HOU-01", "period": "2026-27-P06", "value": 91.5},
        {"indicator_code": "HOU-RATIO", "period": "2026-27-P06", "numerator": 9, "denominator": 12},
    ]

    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(kind="returns", actor=alice, rows=rows)
    job.refresh_from_db()

    assert (job.status, job.file_format, job.created_count) == (ImportStatus.SUCCEEDED, "json", 2)
    assert figures(indicators["HOU-RATIO"], "2026-27-P06")[0] == Decimal("75.0")


def test_json_rows_must_be_a_list_of_objects(alice, indicators):
    with pytest.raises(ImportRejected) as caught:
        start_import(kind="returns", actor=alice, rows=[{"indicator_code": "HOU-01"}, "HOU-02"])

    assert [(e.row, e.message) for e in caught.value.errors] == [
        (2, "This row is not an object of column names and values")
    ]
    assert not ImportJob.objects.exists()


def test_an_xlsx_file_is_imported(alice, indicators, django_capture_on_commit_callbacks):
    workbook = Workbook()
    workbook.active.append(["Indicator code", "Period", "Value", "Numerator", "Denominator"])
    workbook.active.append(["HOU-01", "2026-27-P06", 91.5, None, None])
    workbook.active.append(["HOU-RATIO", "2026-27-P06", None, 45, 50])
    content = io.BytesIO()
    workbook.save(content)

    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            kind="returns",
            actor=alice,
            uploaded_file=SimpleUploadedFile("returns.xlsx", content.getvalue()),
        )
    job.refresh_from_db()

    assert (job.status, job.file_format, job.created_count) == (ImportStatus.SUCCEEDED, "xlsx", 2)
    assert figures(indicators["HOU-01"], "2026-27-P06")[0] == Decimal("91.5")
    assert figures(indicators["HOU-RATIO"], "2026-27-P06")[0] == Decimal("90.0")


def test_an_auditor_cannot_start_an_import(audrey, indicators):
    with pytest.raises(PermissionDenied):
        start_import(kind="returns", actor=audrey, uploaded_file=upload("r.csv", HEADER))
    assert not ImportJob.objects.exists()


# --- the task ------------------------------------------------------------------------------


def test_a_finished_job_is_not_run_again(alice, indicators, django_capture_on_commit_callbacks):
    job = run(alice, HEADER + "HOU-01,2026-27-P06,91.5,,,,\n", django_capture_on_commit_callbacks)
    KpiReturn.objects.all().delete()

    assert tasks.run_import_job(job.pk) == ImportStatus.SUCCEEDED
    assert not KpiReturn.objects.exists()


def test_an_unexpected_error_fails_the_job_with_a_plain_message_and_is_raised(
    alice, indicators, monkeypatch
):
    job = start_import(kind="returns", actor=alice, uploaded_file=upload("r.csv", HEADER))

    def broken(job):
        raise RuntimeError("database went away")

    monkeypatch.setattr(imports, "run_job", broken)
    with pytest.raises(RuntimeError):
        tasks.run_import_job(job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("The import stopped because of an unexpected error")
    assert job.finished_at is not None


def test_the_running_job_reports_its_progress_through_the_cache(alice, indicators):
    text = HEADER + "".join(f"HOU-01,2026-27-P0{month},9{month},,,,\n" for month in range(1, 7))
    job = start_import(kind="returns", actor=alice, uploaded_file=upload("r.csv", text))
    job.total_rows = imports.count_job_rows(job)
    try:
        summary = imports.run_job(job)
        assert read_progress(job.pk) == {"processed": 6, "total": 6}
    finally:
        forget_progress(job.pk)
    assert (summary.created, summary.rows) == (6, 6)


# --- the template --------------------------------------------------------------------------


def test_the_csv_template_lists_the_departments_indicators_for_the_period(housing, indicators):
    IndicatorFactory(department=housing, code="HOU-OLD", is_active=False)
    IndicatorFactory(department=housing, code="HOU-EVIL", title='=HYPERLINK("http://x")')
    KpiReturnFactory(indicator=indicators["HOU-01"], period="2026-27-P06", value=Decimal("91.50"))

    filename, content_type, content = returns_template(
        department=housing, period_key="2026-27-P06", file_format="csv"
    )

    assert (filename, content_type) == (
        "returns-housing-2026-27-P06.csv",
        "text/csv; charset=utf-8",
    )
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["indicator_code"] for row in rows] == [
        "HOU-01",
        "HOU-DAYS",
        "HOU-EVIL",
        "HOU-RATIO",
    ]
    assert {row["period"] for row in rows} == {"2026-27-P06"}
    by_code = {row["indicator_code"]: row for row in rows}
    assert by_code["HOU-EVIL"]["title (ignored)"] == '\'=HYPERLINK("http://x")'
    assert by_code["HOU-01"]["current value (ignored)"] == "91.5"
    assert by_code["HOU-01"]["state (ignored)"] == "Draft"
    assert by_code["HOU-RATIO"]["how to enter (ignored)"] == (
        "numerator and denominator; the value is worked out"
    )
    assert by_code["HOU-01"]["value"] == ""


def test_the_xlsx_template_for_a_quarter_has_a_frozen_header(housing, indicators):
    _, content_type, content = returns_template(
        department=housing, period_key="2026-27-Q2", file_format="xlsx"
    )

    assert content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("HOU-Q", "2026-27-Q2")
    ]


def test_a_filled_in_template_imports(
    alice, housing, indicators, django_capture_on_commit_callbacks
):
    _, _, content = returns_template(
        department=housing, period_key="2026-27-P06", file_format="csv"
    )
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    rows[0]["value"] = "88.8"  # HOU-01; the other rows are left empty and skipped
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    job = run(alice, text.getvalue(), django_capture_on_commit_callbacks)

    assert (job.status, job.created_count, job.processed_rows) == (ImportStatus.SUCCEEDED, 1, 3)
    assert figures(indicators["HOU-01"], "2026-27-P06")[0] == Decimal("88.8")


# --- the pages -----------------------------------------------------------------------------


def test_upload_redirects_to_the_status_page_showing_the_result(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("departments:import-start"),
            {
                "kind": "returns",
                "file": upload("sept.csv", HEADER + "HOU-01,2026-27-P06,91.5,,,,\n"),
            },
        )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("departments:import-status", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "1 row read: 1 created, 0 updated." in page.content.decode()


def test_a_failed_import_page_lists_every_problem(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    job = run(alice, HEADER + "NOPE,2026-27-P06,5,,,,\n", django_capture_on_commit_callbacks)
    client.force_login(alice)

    page = client.get(reverse("departments:import-status", args=[job.pk])).content.decode()

    assert "Nothing was imported" in page
    assert '<td class="numeric">2</td><td><code>indicator_code</code></td>' in page
    assert "Unknown indicator code &#x27;NOPE&#x27; (or not in your departments)" in page


def test_the_progress_json_and_page_read_the_cache_while_running(client, alice, indicators):
    job = start_import(kind="returns", actor=alice, uploaded_file=upload("r.csv", HEADER))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, total_rows=10_000)
    cache_progress(job.pk)(1500, 10_000)
    client.force_login(alice)

    try:
        data = client.get(reverse("departments:import-progress", args=[job.pk])).json()
        page = client.get(reverse("departments:import-status", args=[job.pk])).content.decode()
    finally:
        forget_progress(job.pk)  # the cache is Redis, shared across runs, when REDIS_URL is set

    assert data == {
        "status": "running",
        "status_label": "Running",
        "finished": False,
        "processed": 1500,
        "total": 10_000,
        "percent": 15,
        "text": "1,500 of 10,000 rows checked",
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "message": "",
        "errors": [],
    }
    assert '<progress id="import-progress-bar" max="100" value="15">' in page
    assert '<p aria-live="polite" data-progress-text>1,500 of 10,000 rows checked</p>' in page
    assert "js/progress.js" in page


def test_the_progress_json_of_a_failed_job_lists_its_errors(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    job = run(alice, HEADER + "HOU-01,2026-27-P06,abc,,,,\n", django_capture_on_commit_callbacks)
    client.force_login(alice)

    data = client.get(reverse("departments:import-progress", args=[job.pk])).json()

    assert (data["status"], data["finished"], data["percent"]) == ("failed", True, 100)
    assert data["errors"] == [
        {"row": 2, "column": "value", "message": "Value must be a number, like 92.5"}
    ]


def test_another_users_job_is_not_found_but_an_admin_sees_it(client, alice, bob, ada, indicators):
    job = start_import(kind="returns", actor=alice, uploaded_file=upload("r.csv", HEADER))

    client.force_login(bob)
    assert client.get(reverse("departments:import-status", args=[job.pk])).status_code == 404
    assert client.get(reverse("departments:import-progress", args=[job.pk])).status_code == 404
    client.force_login(ada)
    assert client.get(reverse("departments:import-status", args=[job.pk])).status_code == 200


def test_an_auditor_gets_403_on_the_upload_page(client, audrey):
    client.force_login(audrey)

    response = client.get(reverse("departments:import-start"))

    assert response.status_code == 403
    assert "Only officers and heads of service can import returns" in response.content.decode()


def test_a_png_named_csv_shows_the_error_summary_and_starts_nothing(client, alice, indicators):
    client.force_login(alice)

    response = client.post(
        reverse("departments:import-start"),
        {"kind": "returns", "file": SimpleUploadedFile("x.csv", PNG, content_type="text/csv")},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert '<a href="#id_file">The file is neither CSV nor an Excel workbook (.xlsx).' in page
    assert not ImportJob.objects.exists()


def test_the_upload_page_offers_the_template_for_the_latest_closed_month(client, alice, housing):
    client.force_login(alice)

    page = client.get(reverse("departments:import-start")).content.decode()

    assert 'value="2026-27-P07"' in page  # October 2026
    assert "up to 25 MB and 200,000 rows" in page


def test_the_template_download(client, alice, housing, finance, indicators):
    client.force_login(alice)
    url = reverse("departments:import-template")

    response = client.get(
        url, {"department": housing.pk, "period": "2026-27-P06", "file_format": "csv"}
    )
    refused = client.get(
        url, {"department": finance.pk, "period": "2026-27-P06", "file_format": "csv"}
    )

    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="returns-housing-2026-27-P06.csv"'
    )
    assert b"HOU-01" in response.content and b"FIN-01" not in response.content
    assert refused.status_code == 200
    assert "Choose one of your departments" in refused.content.decode()
