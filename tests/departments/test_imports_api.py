"""Imports through the API: POST /api/v1/returns/import/ (a CSV file or JSON rows)
answers 202 with the job and its URL; /api/v1/imports/ follows the jobs, each user's own.

The task is dispatched once the job is committed. In a test the transaction never
commits, so the tests run the on-commit callbacks themselves (Celery is eager in tests,
see tests/conftest.py): the POST answers with the job still pending, and by the time the
job's URL is read it has finished. One transactional test checks the real order.

Time is frozen on 28 November 2026: September 2026 (2026-27-P06) has ended.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import ImportJob, KpiReturn, ReturnState
from tests.factories import IndicatorFactory, TargetFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
IMPORT = "/api/v1/returns/import/"
IMPORTS = "/api/v1/imports/"
HEADER = "indicator_code,period,value,numerator,denominator,commentary,improvement_action\n"
GOOD_CSV = HEADER + "HOU-01,2026-27-P06,91.5,,,,\nHOU-RATIO,2026-27-P06,,45,50,,\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
NOT_A_TABLE = (
    "The file is neither CSV nor an Excel workbook (.xlsx). Save it from your "
    "spreadsheet as “CSV UTF-8” or “Excel Workbook”."
)
JOB_FIELDS = {
    "id",
    "url",
    "kind",
    "original_name",
    "file_format",
    "status",
    "total_rows",
    "processed_rows",
    "percent_done",
    "created_count",
    "updated_count",
    "unchanged_count",
    "errors",
    "message",
    "created_at",
    "finished_at",
}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def indicators(housing, finance):
    """Two of Housing's indicators (a percentage and a ratio) and one of Finance's."""
    made = {
        "HOU-01": IndicatorFactory(department=housing, code="HOU-01", title="Repairs on time"),
        "HOU-RATIO": IndicatorFactory(
            department=housing, code="HOU-RATIO", title="Rent collected", year_to_date="ratio"
        ),
        "FIN-01": IndicatorFactory(department=finance, code="FIN-01", title="Invoices paid"),
    }
    TargetFactory(indicator=made["HOU-01"], financial_year=2026)
    return made


def _csv(text: str, name: str = "returns.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _upload(client, upload, capture):
    """POST a file, then run what waits for the commit (the eager task)."""
    with capture(execute=True):
        return client.post(IMPORT, {"file": upload})


def _post_rows(client, rows, capture):
    with capture(execute=True):
        return client.post(IMPORT, {"rows": rows}, content_type="application/json")


def _job_url(job_id: int) -> str:
    return f"http://testserver{IMPORTS}{job_id}/"


def _figures(indicator, period="2026-27-P06"):
    kpi_return = KpiReturn.objects.get(indicator=indicator, period=period)
    return kpi_return.value, kpi_return.numerator, kpi_return.denominator, kpi_return.state


# --- starting an import ------------------------------------------------------------------


def test_a_csv_file_answers_202_with_the_job_and_its_location(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    response = _upload(client, _csv(GOOD_CSV, "september.csv"), django_capture_on_commit_callbacks)

    assert response.status_code == 202
    body = response.json()
    job = ImportJob.objects.get()
    assert set(body) == JOB_FIELDS
    assert body["id"] == job.pk
    assert body["url"] == _job_url(job.pk)
    assert response["Location"] == body["url"]
    assert (body["kind"], body["original_name"], body["file_format"]) == (
        "returns",
        "september.csv",
        "csv",
    )
    # Answered before the commit that dispatches the task: still pending.
    assert (body["status"], body["created_count"], body["updated_count"]) == ("pending", 0, 0)
    assert (body["errors"], body["finished_at"]) == ([], None)

    finished = client.get(body["url"])

    assert finished.status_code == 200
    job_body = finished.json()
    assert job_body["status"] == "succeeded"
    assert (job_body["created_count"], job_body["updated_count"]) == (2, 0)
    assert (job_body["total_rows"], job_body["processed_rows"], job_body["percent_done"]) == (
        2,
        2,
        100,
    )
    assert job_body["errors"] == []
    assert job_body["message"] == "2 rows read: 2 created, 0 updated."
    assert job_body["finished_at"] is not None
    assert _figures(indicators["HOU-01"]) == (Decimal("91.5"), None, None, ReturnState.DRAFT)
    assert _figures(indicators["HOU-RATIO"]) == (
        Decimal("90.0"),
        Decimal("45"),
        Decimal("50"),
        ReturnState.DRAFT,
    )
    assert KpiReturn.objects.get(indicator=indicators["HOU-01"]).created_by == alice


def test_json_rows_answer_202_and_are_imported_like_a_file(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    rows = [
        {"indicator_code": "HOU-01", "period": "2026-27-P06", "value": 91.5},
        {"indicator_code": "HOU-RATIO", "period": "2026-27-P06", "numerator": 9, "denominator": 12},
    ]

    response = _post_rows(client, rows, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    body = response.json()
    job = ImportJob.objects.get()
    assert response["Location"] == body["url"] == _job_url(job.pk)
    assert (body["status"], body["file_format"], body["original_name"], body["total_rows"]) == (
        "pending",
        "json",
        "JSON rows (2)",
        2,
    )

    job_body = client.get(body["url"]).json()

    assert (job_body["status"], job_body["created_count"], job_body["updated_count"]) == (
        "succeeded",
        2,
        0,
    )
    assert job_body["message"] == "2 rows read: 2 created, 0 updated."
    assert _figures(indicators["HOU-01"])[0] == Decimal("91.5")
    assert _figures(indicators["HOU-RATIO"])[0] == Decimal("75.0")


def test_an_existing_return_is_counted_as_updated(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    _upload(client, _csv(GOOD_CSV), django_capture_on_commit_callbacks)

    again = _upload(
        client,
        _csv(HEADER + "HOU-01,2026-27-P06,88.0,,,Checked,\n"),
        django_capture_on_commit_callbacks,
    )

    job_body = client.get(again["Location"]).json()
    assert (job_body["status"], job_body["created_count"], job_body["updated_count"]) == (
        "succeeded",
        0,
        1,
    )
    kpi_return = KpiReturn.objects.get(indicator=indicators["HOU-01"])
    assert (kpi_return.value, kpi_return.commentary, kpi_return.version) == (
        Decimal("88.0"),
        "Checked",
        2,
    )


@pytest.mark.django_db(transaction=True)
def test_with_eager_celery_the_job_has_finished_when_202_answers(alice, indicators, client):
    """Outside a test transaction the job commits, the eager task runs at once, and the
    answer already carries the outcome."""
    client.force_login(alice)

    response = client.post(IMPORT, {"file": _csv(GOOD_CSV)})

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["created_count"], body["percent_done"]) == ("succeeded", 2, 100)
    assert response["Location"] == body["url"]
    assert KpiReturn.objects.count() == 2


# --- rejected rows and files -----------------------------------------------------------------


def test_a_file_with_a_bad_row_fails_the_job_with_every_error_and_stores_nothing(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    text = HEADER + (
        "HOU-01,2026-27-P06,91.5,,,,\n"  # 2: good
        "NOPE-9,2026-27-P06,50,,,,\n"  # 3
        "FIN-01,2026-27-P06,50,,,,\n"  # 4: another department's
        "HOU-01,2026-27-P05,ninety,,,,\n"  # 5
        "HOU-RATIO,2026-27-P06,,60,50,,\n"  # 6
        "HOU-01,2026-27-P08,90,,,,\n"  # 7: November 2026 has not ended
    )

    response = _upload(client, _csv(text), django_capture_on_commit_callbacks)

    assert response.status_code == 202
    job_body = client.get(response["Location"]).json()
    assert job_body["status"] == "failed"
    assert job_body["errors"] == [
        {
            "row": 3,
            "column": "indicator_code",
            "message": "Unknown indicator code 'NOPE-9' (or not in your departments)",
        },
        {
            "row": 4,
            "column": "indicator_code",
            "message": "Unknown indicator code 'FIN-01' (or not in your departments)",
        },
        {"row": 5, "column": "value", "message": "Value must be a number, like 92.5"},
        {
            "row": 6,
            "column": "numerator",
            "message": "Numerator cannot be greater than the denominator for a percentage",
        },
        {
            "row": 7,
            "column": "period",
            "message": (
                "November 2026 (P08 2026/27) has not ended yet: a return can be entered once it has"
            ),
        },
    ]
    assert job_body["message"] == "Nothing was imported: 5 problems found."
    assert (job_body["created_count"], job_body["updated_count"]) == (0, 0)
    assert job_body["percent_done"] == 100
    assert (KpiReturn.objects.count(), KpiReturn.history.count()) == (0, 0)


def test_json_rows_with_a_bad_row_fail_the_job_numbered_from_1(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    rows = [
        {"indicator_code": "HOU-01", "period": "2026-27-P06", "value": "91.5"},
        {"indicator_code": "HOU-01", "period": "2026-27-P05", "value": "100.5"},
    ]

    response = _post_rows(client, rows, django_capture_on_commit_callbacks)

    job_body = client.get(response["Location"]).json()
    assert (job_body["status"], job_body["errors"]) == (
        "failed",
        [
            {
                "row": 2,
                "column": "value",
                "message": "Value is a percentage and cannot be more than 100",
            }
        ],
    )
    assert KpiReturn.objects.count() == 0


def test_a_png_renamed_csv_answers_400_and_starts_nothing(client, alice, indicators):
    client.force_login(alice)

    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("x.csv", PNG, content_type="text/csv")}
    )

    assert (response.status_code, response.json()) == (
        400,
        {"file": [NOT_A_TABLE], "errors": []},
    )
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("data", "body"),
    [
        ({}, {"file": ["Send a CSV or XLSX file as 'file', or JSON 'rows'."]}),
        ({"rows": "HOU-01"}, {"file": ["Send the rows as a list of objects."], "errors": []}),
        ({"rows": []}, {"file": ["There are no rows to import."], "errors": []}),
        (
            {"rows": [{"indicator_code": "HOU-01"}, "HOU-02"]},
            {
                "file": ["Every row must be an object of column names and values."],
                "errors": [
                    {
                        "row": 2,
                        "column": "",
                        "message": "This row is not an object of column names and values",
                    }
                ],
            },
        ),
    ],
    ids=["nothing", "rows-not-a-list", "no-rows", "row-not-an-object"],
)
def test_malformed_json_answers_400_and_starts_nothing(client, alice, indicators, data, body):
    client.force_login(alice)

    response = client.post(IMPORT, data, content_type="application/json")

    assert (response.status_code, response.json()) == (400, body)
    assert not ImportJob.objects.exists()


# --- who may import and see the jobs -------------------------------------------------------


def test_an_auditor_gets_403_and_starts_nothing(client, audrey, indicators):
    client.force_login(audrey)

    by_file = client.post(IMPORT, {"file": _csv(GOOD_CSV)})
    by_rows = client.post(
        IMPORT,
        {"rows": [{"indicator_code": "HOU-01", "period": "2026-27-P06", "value": "91.5"}]},
        content_type="application/json",
    )

    refusal = {
        "detail": (
            "Only officers and heads of service can import returns: your role does not let "
            "you change any department's returns."
        )
    }
    assert (by_file.status_code, by_file.json()) == (403, refusal)
    assert (by_rows.status_code, by_rows.json()) == (403, refusal)
    assert not ImportJob.objects.exists()
    assert KpiReturn.objects.count() == 0


def test_signed_out_requests_are_refused(client, indicators):
    # 401 with a WWW-Authenticate challenge: the API takes tokens as well as sessions.
    assert client.post(IMPORT, {"file": _csv(GOOD_CSV)}).status_code == 401
    assert client.get(IMPORTS).status_code == 401
    assert not ImportJob.objects.exists()


def test_another_users_job_is_not_found_but_an_admin_sees_it(
    client, alice, bob, ada, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = _upload(client, _csv(GOOD_CSV), django_capture_on_commit_callbacks)["Location"]

    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(ada)
    assert client.get(url).json()["status"] == "succeeded"


def test_the_imports_list_shows_only_ones_own_jobs(
    client, alice, bob, ada, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    first = _upload(client, _csv(GOOD_CSV, "first.csv"), django_capture_on_commit_callbacks)
    with time_machine.travel(datetime(2026, 11, 28, 12, 5, tzinfo=UTC), tick=False):
        second = _upload(
            client,
            _csv(HEADER + "NOPE,2026-27-P06,5,,,,\n", "second.csv"),
            django_capture_on_commit_callbacks,
        )
    client.force_login(bob)
    bobs = _upload(
        client,
        _csv(HEADER + "FIN-01,2026-27-P06,97,,,,\n", "bob.csv"),
        django_capture_on_commit_callbacks,
    )

    client.force_login(alice)
    alices_list = client.get(IMPORTS).json()
    assert alices_list["count"] == 2
    # Newest first.
    assert [(j["id"], j["original_name"], j["status"]) for j in alices_list["results"]] == [
        (second.json()["id"], "second.csv", "failed"),
        (first.json()["id"], "first.csv", "succeeded"),
    ]
    failed = client.get(IMPORTS, {"status": "failed"}).json()
    assert [j["id"] for j in failed["results"]] == [second.json()["id"]]

    client.force_login(bob)
    assert [j["id"] for j in client.get(IMPORTS).json()["results"]] == [bobs.json()["id"]]

    client.force_login(ada)
    assert client.get(IMPORTS).json()["count"] == 3


# --- files the reader cannot take as they stand (issue 22) ------------------------------------

UNCLOSED = (
    'Row 3 (line 3 of the file) opens a quote (") in a cell that is never closed, so every '
    "line after it would be read into that one cell: close the quote, or remove it."
)


def test_a_csv_with_an_unclosed_quote_is_refused_naming_the_row_never_read_as_fewer_rows(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    text = HEADER + (
        "HOU-01,2026-27-P06,91.5,,,,\n"
        'HOU-01,2026-27-P05,90,,,"Repairs backlog cleared,\n'  # the quote never closes
        "HOU-01,2026-27-P04,89,,,,\n"
        "HOU-01,2026-27-P03,88,,,,\n"
        "HOU-01,2026-27-P02,87,,,,\n"
    )

    response = _upload(client, _csv(text), django_capture_on_commit_callbacks)

    job_body = client.get(response["Location"]).json()
    assert job_body["status"] == "failed"
    assert job_body["message"] == (
        "Nothing was imported: the CSV file cannot be read from row 3 on."
    )
    assert job_body["errors"] == [{"row": 3, "column": "commentary", "message": UNCLOSED}]
    assert KpiReturn.objects.count() == 0


def test_a_nul_character_in_a_csv_cell_is_that_rows_error(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    text = HEADER + "HOU-01,2026-27-P06,91.5,,,,\nHOU-01,2026-27-P05,90,,,Rep\x00airs,\n"

    response = _upload(client, _csv(text), django_capture_on_commit_callbacks)

    job_body = client.get(response["Location"]).json()
    assert job_body["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job_body["errors"]] == [(3, "commentary")]
    assert job_body["errors"][0]["message"].startswith("The cell holds a NUL character")
    assert KpiReturn.objects.count() == 0


def _workbook(value_xml: bytes = b"<v>91.5</v>", padding: int = 0) -> SimpleUploadedFile:
    """A returns workbook whose C2 holds ``value_xml`` as written in the sheet's XML (what
    a program other than Excel may save), with ``padding`` bytes of zeros in another
    member, as a zip bomb has."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["indicator_code", "period", "value"])
    book.active.append(["HOU-01", "2026-27-P06", 91.5])
    saved = io.BytesIO()
    book.save(saved)
    source, output = zipfile.ZipFile(saved), io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>91.5</v>", value_xml)
            target.writestr(info, data)
        if padding:
            target.writestr("xl/media/padding.bin", bytes(padding))
    return SimpleUploadedFile("returns.xlsx", output.getvalue())


@pytest.mark.parametrize(
    ("value_xml", "column", "message"),
    [
        (
            b"<v>NaN</v>",
            "value",
            "Cell C2 holds 'NaN', which is not a number a spreadsheet can hold: type the "
            "number, or clear the cell",
        ),
        (
            b"<v>" + b"9" * 5000 + b"</v>",
            "value",
            "Cell C2 holds '99999999999999999999…' (5,000 characters), which is not a number "
            "a spreadsheet can hold: type the number, or clear the cell",
        ),
        (
            b"<v>1e309</v>",
            "value",
            "Cell C2 holds a number too large for a spreadsheet (more than 308 digits): type "
            "the number, or clear the cell",
        ),
        (
            b"<v>1\x00</v>",
            "",
            "The sheet cannot be read from row 2 on: the workbook is damaged there. Open it "
            "in Excel and save it again, or save it as CSV",
        ),
    ],
)
def test_a_workbook_cell_the_reader_cannot_hold_is_a_row_error_never_a_crashed_job(
    client, alice, indicators, django_capture_on_commit_callbacks, value_xml, column, message
):
    client.force_login(alice)

    response = _upload(client, _workbook(value_xml), django_capture_on_commit_callbacks)

    job_body = client.get(response["Location"]).json()
    assert job_body["status"] == "failed"
    assert job_body["errors"] == [{"row": 2, "column": column, "message": message}]
    assert KpiReturn.objects.count() == 0


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(
    client, alice, indicators, settings, django_capture_on_commit_callbacks
):
    assert settings.IMPORT_MAX_UNPACKED_BYTES == 128 * 1024 * 1024
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    client.force_login(alice)

    bomb = _upload(client, _workbook(padding=3 * 1024 * 1024), django_capture_on_commit_callbacks)
    fine = _upload(client, _workbook(padding=1024 * 1024), django_capture_on_commit_callbacks)

    assert bomb.status_code == 400
    assert bomb.json()["file"] == [
        "The workbook unpacks to 3.0 MB; the most one import reads is 2 MB unpacked (about "
        "200,000 rows). Split it into smaller workbooks, or save it as CSV."
    ]
    assert ImportJob.objects.count() == 1  # the bomb started nothing
    assert client.get(fine["Location"]).json()["status"] == "succeeded"


def test_an_over_long_cell_is_quoted_cut_in_its_rows_error(
    client, alice, indicators, django_capture_on_commit_callbacks
):
    """A 100,000-character code is that row's error, quoted in 40 characters: a file of
    such rows does not fill the job's error list with megabytes of what it sent."""
    client.force_login(alice)
    code = "X" * 100_000

    response = _post_rows(
        client,
        [{"indicator_code": code, "period": "2026-27-P06", "value": "1"}],
        django_capture_on_commit_callbacks,
    )

    job_body = client.get(response["Location"]).json()
    assert job_body["errors"] == [
        {
            "row": 1,
            "column": "indicator_code",
            "message": f"Unknown indicator code '{'X' * 40}…' (or not in your departments)",
        }
    ]
