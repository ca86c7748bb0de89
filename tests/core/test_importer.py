"""The tabular importer on its own: reading, type detection, limits, all-or-nothing.

A tiny handler that creates councils stands in for a domain, so these tests prove the
importer knows nothing of returns.
"""

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from openpyxl import Workbook

from core import importer
from core.cells import ImportRejected, RowError, cell_text
from core.importer import count_rows, iter_json_rows, iter_rows, run_import
from core.tabular import csv_bytes, safe_cell
from core.uploads import check_upload, detect_format
from departments.models import Council

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


class CouncilHandler:
    """Creates one council per row; ``weight`` must be a whole number."""

    required_columns = ("name", "weight")

    def column_for(self, field: str) -> str:
        return {"weight_on_time": "weight"}.get(field, field)

    def write_row(self, row_number: int, row: dict[str, str]) -> str:
        if not row["weight"].isdigit():
            raise ValidationError({"weight_on_time": "Weight must be a whole number"})
        if Council.objects.filter(name=row["name"]).exists():
            Council.objects.filter(name=row["name"]).update(weight_on_time=int(row["weight"]))
            return "updated"
        Council.objects.create(name=row["name"], weight_on_time=int(row["weight"]))
        return "created"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rows_of(data: bytes, file_format: str) -> list:
    return list(iter_rows(io.BytesIO(data), file_format))


# --- reading -------------------------------------------------------------------------------


def test_csv_with_byte_order_mark_gives_normalised_columns_and_spreadsheet_row_numbers():
    data = "\ufeff Name ,Weight Value\r\nBorsetshire,50\r\n\r\n,\r\nFelpersham, 40 \r\n".encode()

    assert rows_of(data, "csv") == [
        (2, {"name": "Borsetshire", "weight_value": "50"}),
        (5, {"name": "Felpersham", "weight_value": "40"}),
    ]


def test_unnamed_columns_are_dropped_and_a_csv_row_shorter_than_the_header_is_refused():
    rows = rows_of(b"name,,weight\nA,ignored,1\nB\n", "csv")

    assert rows == [(2, {"name": "A", "weight": "1"}), (3, {"name": "B", "weight": ""})]
    assert [row.problem for _, row in rows] == [
        None,
        "Row 3 has 1 cell but the header names 3 columns: with a cell missing, the values "
        "after it would land in the wrong columns; give every column its cell, even an empty one",
    ]


def test_xlsx_cells_become_the_text_a_person_typed():
    data = xlsx_bytes(
        [
            ["Name", "Whole", "Fraction", "Float whole", "Date", "Empty"],
            ["Borsetshire", 5, 92.5, 3.0, datetime(2025, 9, 30), None],
            [None, None, None, None, None, None],
            ["Felpersham", 1250, 0.1, 12.0, date(2026, 3, 31), "  text  "],
        ]
    )

    assert rows_of(data, "xlsx") == [
        (
            2,
            {
                "name": "Borsetshire",
                "whole": "5",
                "fraction": "92.5",
                "float_whole": "3",
                "date": "2025-09-30",
                "empty": "",
            },
        ),
        (
            4,
            {
                "name": "Felpersham",
                "whole": "1250",
                "fraction": "0.1",
                "float_whole": "12",
                "date": "2026-03-31",
                "empty": "text",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (7, "7"),
        (91.0, "91"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-7, "0.0000001"),
        (Decimal("1E+3"), "1000"),
        (datetime(2025, 9, 30, 14, 5), "2025-09-30T14:05:00"),
        (True, "true"),
        ("  BV8 ", "BV8"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_a_header_naming_a_column_twice_is_refused():
    with pytest.raises(ImportRejected) as caught:
        rows_of(b"name,Name,weight\nA,B,1\n", "csv")

    assert caught.value.errors == [RowError(1, "name", "The column 'name' appears more than once")]


def test_json_rows_are_numbered_from_one_with_keys_and_values_as_text():
    rows = [
        {"Name": "Borsetshire", "Weight": 50},
        {"name": "Felpersham", "weight": Decimal("2.50")},
    ]

    assert list(iter_json_rows(rows)) == [
        (1, {"name": "Borsetshire", "weight": "50"}),
        (2, {"name": "Felpersham", "weight": "2.50"}),
    ]


def test_a_json_row_that_is_not_an_object_is_refused_with_its_number():
    with pytest.raises(ImportRejected) as caught:
        list(iter_json_rows([{"name": "A"}, ["B", 1]]))

    assert caught.value.errors == [
        RowError(2, "", "This row is not an object of column names and values")
    ]


def test_count_rows_for_the_progress_bar():
    csv_data = b"name,weight\nA,1\nB,2\nC,3"
    xlsx_data = xlsx_bytes([["name", "weight"], ["A", 1], ["B", 2]])

    assert count_rows(io.BytesIO(csv_data), "csv") == 3
    assert count_rows(io.BytesIO(xlsx_data), "xlsx") == 2


# --- what a file is, by content ------------------------------------------------------------


def test_detect_format_by_content_whatever_the_name():
    workbook = xlsx_bytes([["name"], ["A"]])

    assert detect_format(io.BytesIO(workbook), "returns.csv") == "xlsx"
    assert detect_format(io.BytesIO("name\nCafé £5\n".encode()), "returns.xlsx") == "csv"


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (PNG, "an image"),
        ("name\nCafé\n".encode("utf-16"), "UTF-16 text has NUL bytes"),
        ("name\n£5\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_detect_format_refuses_what_is_neither_csv_nor_xlsx(content, why):
    with pytest.raises(ImportRejected) as caught:
        detect_format(io.BytesIO(content), "x.csv")

    assert caught.value.message.startswith(
        "The file is neither CSV nor an Excel workbook (.xlsx)."
    ), why


def test_a_zip_that_is_not_a_workbook_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("returns.csv", "name,weight\nA,1\n")

    with pytest.raises(ImportRejected) as caught:
        detect_format(io.BytesIO(archive.getvalue()), "returns.xlsx")

    assert caught.value.message == (
        "The file is neither CSV nor an Excel workbook (.xlsx): it is a zip archive but "
        "not a workbook."
    )


def test_check_upload_refuses_a_png_renamed_csv():
    upload = SimpleUploadedFile("x.csv", PNG, content_type="text/csv")

    with pytest.raises(ImportRejected, match="neither CSV nor an Excel workbook"):
        check_upload(upload)


def test_check_upload_refuses_a_file_over_the_size_limit(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.csv", b"name\n" + b"a" * (1536 * 1024 - 5))

    with pytest.raises(ImportRejected) as caught:
        check_upload(upload)

    assert caught.value.message == (
        "The file is 1.5 MB; the limit is 1 MB. Split it into smaller files."
    )


def test_check_upload_accepts_a_file_at_the_limit_and_rewinds_it(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 64
    upload = SimpleUploadedFile("ok.csv", b"name,weight\n" + b"A,1\n" * 13)

    assert upload.size == 64
    assert check_upload(upload) == "csv"
    assert upload.read(4) == b"name"


# --- running -------------------------------------------------------------------------------


def csv_rows(text: str) -> list:
    return rows_of(text.encode(), "csv")


@pytest.mark.django_db
def test_a_good_file_creates_and_updates():
    Council.objects.create(name="Felpersham", weight_on_time=10)

    summary = run_import(
        csv_rows("name,weight\nBorsetshire,50\nFelpersham,40\n"), CouncilHandler(), max_rows=10
    )

    assert (summary.created, summary.updated, summary.rows) == (1, 1, 2)
    assert dict(Council.objects.values_list("name", "weight_on_time")) == {
        "Borsetshire": 50,
        "Felpersham": 40,
    }


@pytest.mark.django_db
def test_one_bad_row_stores_nothing_and_every_problem_is_listed():
    rows = csv_rows("name,weight\nBorsetshire,50\nFelpersham,lots\nAmbridge,30\nLoxley,x\n")

    with pytest.raises(ImportRejected) as caught:
        run_import(rows, CouncilHandler(), max_rows=10)

    assert Council.objects.count() == 0
    assert caught.value.errors == [
        RowError(3, "weight", "Weight must be a whole number"),
        RowError(5, "weight", "Weight must be a whole number"),
    ]
    assert caught.value.message == "Nothing was imported: 2 problems found."


class UniqueNameHandler(CouncilHandler):
    """Lets the database find the duplicate, as a handler relying on a constraint would."""

    def write_row(self, row_number: int, row: dict[str, str]) -> str:
        try:
            Council.objects.create(name=row["name"], weight_on_time=int(row["weight"]))
        except IntegrityError as error:
            raise ValidationError({"name": f"{row['name']} is already a council"}) from error
        return "created"


@pytest.mark.django_db
def test_a_row_refused_by_the_database_does_not_stop_the_next_rows_being_checked():
    # On PostgreSQL a failed statement aborts the transaction: without a savepoint per row
    # every later row would fail with "current transaction is aborted".
    rows = csv_rows("name,weight\nA,1\nA,2\nB,3\nB,4\n")

    with pytest.raises(ImportRejected) as caught:
        run_import(rows, UniqueNameHandler(), max_rows=10)

    assert caught.value.errors == [
        RowError(3, "name", "A is already a council"),
        RowError(5, "name", "B is already a council"),
    ]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_missing_required_columns_are_one_error_on_row_1():
    with pytest.raises(ImportRejected) as caught:
        run_import(csv_rows("council,weight\nBorsetshire,50\n"), CouncilHandler(), max_rows=10)

    assert caught.value.errors == [RowError(1, "name", "Required column missing: name")]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_a_json_row_without_a_required_key_is_an_error_on_that_row():
    rows = iter_json_rows([{"name": "Borsetshire", "weight": 5}, {"name": "Felpersham"}])

    with pytest.raises(ImportRejected) as caught:
        run_import(rows, CouncilHandler(), max_rows=10)

    assert caught.value.errors == [RowError(2, "weight", "This column is missing")]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_more_rows_than_the_cap_are_refused_and_nothing_is_stored():
    text = "name,weight\n" + "".join(f"Council {n},1\n" for n in range(4))

    with pytest.raises(ImportRejected) as caught:
        run_import(csv_rows(text), CouncilHandler(), max_rows=3)

    assert caught.value.message == (
        "The file has more than 3 rows, the most one import takes. Split it into smaller files."
    )
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(ImportRejected, match="no rows to import"):
        run_import(csv_rows("name,weight\n\n"), CouncilHandler(), max_rows=3)


@pytest.mark.django_db
def test_the_stored_problems_are_capped_and_the_rest_counted(monkeypatch):
    monkeypatch.setattr(importer, "MAX_LISTED_ERRORS", 3)
    text = "name,weight\n" + "".join(f"Council {n},x\n" for n in range(5))

    with pytest.raises(ImportRejected) as caught:
        run_import(csv_rows(text), CouncilHandler(), max_rows=10)

    assert [error.row for error in caught.value.errors] == [2, 3, 4]
    assert caught.value.more == 2
    assert caught.value.message == (
        "Nothing was imported: 5 problems found. The first 3 are listed; 2 more are not."
    )


@pytest.mark.django_db
def test_progress_is_reported_every_n_rows_and_at_the_end():
    calls = []
    text = "name,weight\n" + "".join(f"Council {n},1\n" for n in range(5))

    run_import(
        csv_rows(text),
        CouncilHandler(),
        max_rows=10,
        progress=lambda processed, total: calls.append((processed, total)),
        total=5,
        progress_every=2,
    )

    assert calls == [(2, 5), (4, 5), (5, 5)]


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20", "'+44 20"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Rent collected", "Rent collected"),
        (-1, -1),
        (Decimal("92.5"), Decimal("92.5")),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formula_injection(value, safe):
    assert safe_cell(value) == safe


def test_csv_written_through_safe_cell_reads_back_as_text():
    # The neutralised cell is plain text for a spreadsheet and for the importer alike.
    text = io.StringIO()
    csv.writer(text).writerow(["title", safe_cell("=1+2")])
    assert text.getvalue() == "title,'=1+2\r\n"


def test_the_csv_writer_neutralises_text_but_leaves_negative_numbers_as_numbers():
    """A gap of -3.5 or a target of -1 is a number, not a formula: written as -3.5, where
    the text "-1" a person typed is neutralised as before."""
    written = csv_bytes(
        ["value", "target", "count", "commentary"],
        [[Decimal("-3.5"), Decimal("-1.0"), -2, "-1 on last month"]],
    )
    assert written.decode("utf-8-sig").splitlines() == [
        "value,target,count,commentary",
        "-3.5,-1.0,-2,'-1 on last month",
    ]


def test_a_usual_csv_row_is_taken_whole_and_any_other_is_looked_at():
    """A row with a plain cell under each heading is yielded as read (``WholeRow``: the
    importer has nothing to report of it); a row with a cell too many or too few, or a
    NUL, goes through the checks and carries its problem."""
    text = "name,code\n Housing ,housing\nFinance\nPlanning,planning,extra\nWaste,wa\x00ste\n"
    rows = list(iter_rows(io.BytesIO(text.encode()), "csv"))
    assert [(number, dict(row), row.whole) for number, row in rows] == [
        (2, {"name": "Housing", "code": "housing"}, True),
        (3, {"name": "Finance", "code": ""}, False),
        (4, {"name": "Planning", "code": "planning"}, False),
        (5, {"name": "Waste", "code": "waste"}, False),
    ]
    assert [bool(row.problem) for _, row in rows] == [False, True, True, False]
    assert rows[3][1]["code"].problem.startswith("The cell holds a NUL character")
