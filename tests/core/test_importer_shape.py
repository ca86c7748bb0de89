"""Row shape: a row whose cells do not match the header's columns is refused, never shifted.

A tiny handler stands in for a domain (it records the rows it is given and creates a
council per row), so these tests prove the engine on its own: the handler is never
called for a misshapen row, every row is still checked, and nothing is stored.
"""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from core.cells import ImportRejected, RowError
from core.importer import Row, iter_json_rows, iter_rows, run_import
from departments.models import Council
from tests.cases import CASES_DIR

THOUSANDS_HINT = (
    "a number with an unquoted thousands separator such as 1,250 splits into two cells "
    "(so does any unquoted comma); put it in quotes or leave the comma out"
)
MISSING_HINT = (
    "with a cell missing, the values after it would land in the wrong columns; give every "
    "column its cell, even an empty one"
)


class RecordingHandler:
    """Creates a council named by each row and keeps the rows it was given."""

    required_columns = ("name",)

    def __init__(self):
        self.rows: list[tuple[int, dict[str, str]]] = []

    def column_for(self, field: str) -> str:
        return field

    def write_row(self, row_number: int, row: dict[str, str]) -> str:
        self.rows.append((row_number, dict(row)))
        Council.objects.create(name=row["name"])
        return "created"


def csv_rows(text: str) -> list[tuple[int, Row]]:
    return list(iter_rows(io.BytesIO(text.encode()), "csv"))


def problems(rows) -> list[tuple[int, str | None]]:
    return [(number, row.problem) for number, row in rows]


# --- CSV -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_03_an_unquoted_thousands_separator_is_a_row_error_and_the_handler_never_sees_it():
    handler = RecordingHandler()
    handler.required_columns = ("indicator_code",)
    path = CASES_DIR / "03-returns-unquoted-thousands.csv"

    with path.open("rb") as upload, pytest.raises(ImportRejected) as caught:
        run_import(iter_rows(upload, "csv"), handler, max_rows=10)

    assert caught.value.errors == [
        RowError(
            2,
            "E (no heading)",
            f"Row 2 has 5 cells but the header names 4 columns: {THOUSANDS_HINT}",
        )
    ]
    assert handler.rows == []


def test_the_same_row_with_the_number_in_quotes_reads_whole():
    rows = csv_rows(
        'indicator_code,period,value,commentary\nLPI-HOU-01,2026-27-P07,"1,250",On target\n'
    )

    assert rows == [
        (
            2,
            {
                "indicator_code": "LPI-HOU-01",
                "period": "2026-27-P07",
                "value": "1,250",
                "commentary": "On target",
            },
        )
    ]
    assert problems(rows) == [(2, None)]


def test_a_row_with_fewer_cells_than_the_header_is_a_row_error():
    rows = csv_rows("name,value,note\nA,1\nB,2,\n")

    assert problems(rows) == [
        (2, f"Row 2 has 2 cells but the header names 3 columns: {MISSING_HINT}"),
        (3, None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "name,value\nA,1,,\n",  # empty cells after the last column, as spreadsheets write
        "name,value,,\nA,1,,\n",  # and the header's own trailing empty cells
        "name,value,,\nA,1\n",  # a header padded with empty cells names 2 columns
        " name , value \nA,1,  ,\n",  # blank is empty, with spaces or without
    ],
)
def test_trailing_empty_cells_are_not_a_shape_error(text):
    rows = csv_rows(text)

    assert rows == [(2, {"name": "A", "value": "1"})]
    assert problems(rows) == [(2, None)]


def test_a_value_after_empty_trailing_cells_is_still_a_cell_too_many():
    assert problems(csv_rows("name,value\nA,1,,x\n")) == [
        (2, f"Row 2 has 4 cells but the header names 2 columns: {THOUSANDS_HINT}")
    ]


def test_an_unnamed_column_inside_the_header_still_takes_its_cell():
    # The cell under an empty heading is dropped, but it counts: without it the row
    # would be one short and "1" would belong to no column.
    rows = csv_rows("name,,value\nA,ignored,1\nB,1\n")

    assert rows == [(2, {"name": "A", "value": "1"}), (3, {"name": "B", "value": ""})]
    assert problems(rows) == [
        (2, None),
        (3, f"Row 3 has 2 cells but the header names 3 columns: {MISSING_HINT}"),
    ]


def test_blank_lines_and_lines_of_empty_cells_are_not_rows():
    assert [number for number, _ in csv_rows("name,value\n\n,\n,,,,\nA,1\n")] == [5]


@pytest.mark.django_db
def test_every_row_is_checked_and_nothing_is_stored_when_one_is_misshapen():
    handler = RecordingHandler()
    text = "name,value\nBorsetshire,1\nFelpersham,1,250\nAmbridge\nLoxley,2\n"

    with pytest.raises(ImportRejected) as caught:
        run_import(csv_rows(text), handler, max_rows=10)

    assert caught.value.errors == [
        RowError(
            3,
            "C (no heading)",
            f"Row 3 has 3 cells but the header names 2 columns: {THOUSANDS_HINT}",
        ),
        # The first column left without a cell names a short row.
        RowError(4, "value", f"Row 4 has 1 cell but the header names 2 columns: {MISSING_HINT}"),
    ]
    assert caught.value.message == "Nothing was imported: 2 problems found."
    assert [number for number, _ in handler.rows] == [2, 5]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_a_first_row_out_of_shape_still_has_the_header_columns_checked():
    handler = RecordingHandler()
    handler.required_columns = ("name", "weight")

    with pytest.raises(ImportRejected) as caught:
        run_import(csv_rows("name,value\nA,1,2\n"), handler, max_rows=10)

    assert caught.value.errors == [RowError(1, "weight", "Required column missing: weight")]


# Cells without commas, quotes or line breaks, so that each is one CSV cell as written.
plain_cell = st.text(alphabet="abc 19.-£é", max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(
        st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5, unique=True
    ),
    rows=st.lists(st.lists(plain_cell, max_size=7), min_size=1, max_size=5),
)
def test_a_csv_row_is_read_whole_or_refused_never_shifted(header, rows):
    text = ",".join(header) + "\n" + "".join(",".join(cells) + "\n" for cells in rows)

    read = dict(csv_rows(text))

    for number, cells in enumerate(rows, start=2):
        texts = [cell.strip() for cell in cells]
        if not any(texts):
            assert number not in read
            continue
        row = read[number]
        used = len(texts) - next((i for i, t in enumerate(reversed(texts)) if t), len(texts))
        if used > len(header) or len(texts) < len(header):
            assert row.problem.startswith(f"Row {number} has ")
        else:
            assert row.problem is None
            assert row == dict(zip(header, texts, strict=False))


# --- XLSX ----------------------------------------------------------------------------------


def xlsx_rows(rows: list[list]) -> list[tuple[int, Row]]:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return list(iter_rows(io.BytesIO(output.getvalue()), "xlsx"))


def test_a_short_xlsx_row_is_only_empty_cells_not_a_shape_error():
    rows = xlsx_rows([["name", "value", "note"], ["A"], ["B", 2, None, None, None]])

    assert rows == [
        (2, {"name": "A", "value": "", "note": ""}),
        (3, {"name": "B", "value": "2", "note": ""}),
    ]
    assert problems(rows) == [(2, None), (3, None)]


def test_an_xlsx_value_to_the_right_of_the_header_is_refused_naming_its_cell():
    rows = xlsx_rows([["name", "value", None], ["A", 1, None, None, "1,250"]])

    assert problems(rows) == [
        (
            2,
            "Row 2 has a value in cell E2, to the right of the header's 2 columns: name its "
            "column in row 1, or clear the cell",
        )
    ]


@pytest.mark.django_db
def test_an_xlsx_row_out_of_shape_is_a_row_error_and_the_others_still_run():
    handler = RecordingHandler()
    rows = xlsx_rows([["name", "value"], ["A", 1], ["B", 2, "stray"], ["C", 3]])

    with pytest.raises(ImportRejected) as caught:
        run_import(rows, handler, max_rows=10)

    assert [(error.row, error.column) for error in caught.value.errors] == [(3, "C (no heading)")]
    assert [number for number, _ in handler.rows] == [2, 4]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_a_json_row_naming_a_column_twice_is_a_row_error_never_a_guess():
    handler = RecordingHandler()
    rows = iter_json_rows([{"name": "A", "Value": "5", "value ": "7"}, {"name": "B", "value": "1"}])

    with pytest.raises(ImportRejected) as caught:
        run_import(rows, handler, max_rows=10)

    assert caught.value.errors == [
        RowError(1, "value", "Row 1 names the column 'value' more than once")
    ]
    assert [number for number, _ in handler.rows] == [2]
