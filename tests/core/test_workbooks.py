"""XLSX cells as a person sees them, and the sheet a person means (core.workbooks).

Workbooks are built here with openpyxl, which never saves a formula's value, so a
formula written by it is exactly the "formula with no saved value" of a script-made
workbook; where a test needs what Excel writes (a saved value, an empty text result, a
wrong recorded size), the sheet's XML is edited in the zip.
"""

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from core.cells import CellText, ImportRejected, RowError
from core.importer import count_rows, iter_rows, run_import
from departments.models import Council
from tests.cases import CASES_DIR

NO_SAVED_VALUE = (
    "holds a formula with no saved value: open the workbook in Excel, let it calculate "
    "and save it, or type the value"
)


def save(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def one_sheet(rows: list[list], formats: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Returns"
    for row in rows:
        sheet.append(row)
    for coordinate, number_format in (formats or {}).items():
        sheet[coordinate].number_format = number_format
    return save(workbook)


def with_sheet_xml(data: bytes, old: str, new: str) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in its first sheet's XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old.encode() in content, content
                content = content.replace(old.encode(), new.encode())
            target.writestr(item, content)
    return output.getvalue()


def read(data: bytes, **options) -> list:
    return list(iter_rows(io.BytesIO(data), "xlsx", **options))


def cell(data: bytes, column: str = "value", row_number: int = 2):
    return dict(read(data))[row_number][column]


class RecordingHandler:
    """Creates a council named by each row and keeps the rows it was given."""

    required_columns = ("name",)

    def __init__(self, columns: tuple[str, ...] | None = ("name", "value")):
        if columns is not None:
            self.columns = columns
        self.rows: list[tuple[int, dict[str, str]]] = []

    def column_for(self, field: str) -> str:
        return field

    def write_row(self, row_number: int, row: dict[str, str]) -> str:
        self.rows.append((row_number, dict(row)))
        Council.objects.create(name=row["name"])
        return "created"


# --- percentages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "number_format", "text"),
    [
        (0.96, "0%", "96"),
        (1, "0%", "100"),
        (0.9, "0.0%", "90"),
        (0.965, "0.0%", "96.5"),
        # Not rounded to the places shown: the person typed 96.5, "0%" only shows 97%.
        (0.965, "0%", "96.5"),
        (0.0725, "0.00%", "7.25"),
        (1.5, "0.0%;[Red]-0.0%", "150"),
        (-0.05, "0%", "-5"),
        (0, "0%", "0"),
        # A calculated 0.1 + 0.2, shown by Excel (and read) as 30%.
        (0.1 + 0.2, "0%", "30"),
        (0.96, "0.00E+00%", "96"),
    ],
)
def test_a_percentage_cell_gives_the_number_shown_exactly(stored, number_format, text):
    value = cell(one_sheet([["name", "value"], ["A", stored]], {"B2": number_format}))

    assert isinstance(value, CellText)
    assert (value, value.percent_format, value.problem) == (text, True, None)


@pytest.mark.parametrize(
    ("stored", "number_format", "text"),
    [
        (96, '0"%"', "96"),  # a percent sign written as text: the number is 96 as typed
        (96, "0\\%", "96"),
        (1250, "#,##0", "1250"),
        (1250.5, "£#,##0.00", "1250.5"),
        (0.5, "# ?/?", "0.5"),
        (0.96, "General", "0.96"),
    ],
)
def test_other_number_formats_give_the_number_as_stored(stored, number_format, text):
    value = cell(one_sheet([["name", "value"], ["A", stored]], {"B2": number_format}))

    assert value == text
    assert getattr(value, "percent_format", False) is False


def test_case_04_percentage_cells_read_as_the_percentages_shown():
    with (CASES_DIR / "04-returns-percent-formatted.xlsx").open("rb") as upload:
        rows = list(iter_rows(upload, "xlsx", sheet_names=("Returns",)))

    values = [(number, row["value"], row["value"].percent_format) for number, row in rows]
    assert values == [(2, "100", True), (3, "90", True)]


# --- numbers and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        (0.1 + 0.2, "0.3"),  # Excel shows (and keeps) 15 significant digits
        (1234.5678901234567, "1234.56789012346"),
        (0.123456789012345, "0.123456789012345"),  # 15 typed digits stay as typed
        (92.5, "92.5"),
        (3.0, "3"),
        (1e-7, "0.0000001"),
    ],
)
def test_numbers_are_the_exact_decimals_excel_shows(stored, text):
    assert cell(one_sheet([["name", "value"], ["A", stored]])) == text


def test_a_whole_number_is_kept_whole_however_long():
    # Too long for any figure, but the handler must see it as written to say so.
    data = with_sheet_xml(
        one_sheet([["name", "value"], ["A", 7]]), "<v>7</v>", "<v>12345678901234567890123</v>"
    )

    assert cell(data) == "12345678901234567890123"


def test_a_real_date_cell_reads_like_the_date_typed_as_text():
    rows = read(
        one_sheet(
            [
                ["name", "raised_on"],
                ["date cell", date(2026, 4, 1)],
                ["midnight date-time", datetime(2026, 4, 1, 0, 0)],
                ["typed as text", "2026-04-01"],
                ["with a time", datetime(2026, 4, 1, 9, 30)],
                ["shown as 01/04/2026", date(2026, 4, 1)],
            ],
            {"B6": "dd/mm/yyyy"},
        )
    )

    assert [row["raised_on"] for _, row in rows] == [
        "2026-04-01",
        "2026-04-01",
        "2026-04-01",
        "2026-04-01T09:30:00",
        "2026-04-01",
    ]


def test_a_true_or_false_cell_reads_as_true_or_false():
    assert [
        row["value"] for _, row in read(one_sheet([["name", "value"], ["A", True], ["B", False]]))
    ] == [
        "true",
        "false",
    ]


# --- formulas and errors -------------------------------------------------------------------


def test_a_formula_with_no_saved_value_is_a_problem_naming_its_cell():
    value = cell(one_sheet([["name", "value", "a", "b"], ["A", "=C2+D2", 70, 45]]))

    assert (value, value.problem) == ("", f"Cell B2 {NO_SAVED_VALUE}")


def test_a_formula_with_its_saved_value_reads_as_the_value():
    data = with_sheet_xml(
        one_sheet([["name", "value", "a", "b"], ["A", "=C2+D2", 70, 45]]),
        "<f>C2+D2</f><v />",
        "<f>C2+D2</f><v>115</v>",
    )

    value = cell(data)
    assert (value, getattr(value, "problem", None)) == ("115", None)


def test_a_formula_whose_saved_result_is_empty_text_is_an_empty_cell():
    # =IF(C2>0,"",C2) in a template: Excel saves the empty text result as t="str".
    data = with_sheet_xml(
        one_sheet([["name", "value", "a"], ["A", '=IF(C2>0,"",C2)', 70]]),
        '<c r="B2"><f>',
        '<c r="B2" t="str"><f>',
    )

    value = cell(data)
    assert (value, getattr(value, "problem", None)) == ("", None)


@pytest.mark.parametrize("error", ["#DIV/0!", "#REF!", "#N/A", "#VALUE!"])
def test_an_error_value_is_a_problem_naming_its_cell(error):
    value = cell(one_sheet([["name", "commentary", "value"], ["A", "text", error]]))

    assert value.problem == (
        f"Cell C2 holds the spreadsheet error {error}: correct it in the spreadsheet or type "
        "the value"
    )


@pytest.mark.django_db
def test_case_05_a_formula_with_no_saved_value_is_a_row_error_and_the_row_is_not_written():
    handler = RecordingHandler(columns=("indicator_code", "value"))
    handler.required_columns = ("indicator_code",)

    path = CASES_DIR / "05-returns-formula-no-cache.xlsx"
    with path.open("rb") as upload, pytest.raises(ImportRejected) as caught:
        run_import(iter_rows(upload, "xlsx", sheet_names=("Returns",)), handler, max_rows=10)

    assert caught.value.errors == [RowError(2, "value", f"Cell C2 {NO_SAVED_VALUE}")]
    assert handler.rows == []


@pytest.mark.django_db
def test_cell_problems_stop_only_their_rows_and_nothing_is_stored():
    handler = RecordingHandler()
    data = one_sheet(
        [["name", "value"], ["A", 1], ["B", "=1/0"], ["C", "#DIV/0!"], ["D", 4], [None, "=A1"]]
    )

    with pytest.raises(ImportRejected) as caught:
        run_import(read(data), handler, max_rows=10)

    assert caught.value.errors == [
        RowError(3, "value", f"Cell B3 {NO_SAVED_VALUE}"),
        RowError(
            4,
            "value",
            "Cell B4 holds the spreadsheet error #DIV/0!: correct it in the spreadsheet or "
            "type the value",
        ),
        # A row holding nothing but an unsaved formula is not a blank row.
        RowError(6, "value", f"Cell B6 {NO_SAVED_VALUE}"),
    ]
    assert [number for number, _ in handler.rows] == [2, 5]
    assert Council.objects.count() == 0


@pytest.mark.django_db
def test_a_problem_in_a_column_the_handler_does_not_read_is_no_error():
    data = one_sheet([["name", "value", "current value (ignored)"], ["A", 1, "=B2*2"]])

    summary = run_import(read(data), RecordingHandler(), max_rows=10)

    assert (summary.created, summary.rows) == (1, 1)


@pytest.mark.django_db
def test_a_handler_that_names_no_columns_reads_them_all():
    data = one_sheet([["name", "value", "current value (ignored)"], ["A", 1, "=B2*2"]])

    with pytest.raises(ImportRejected) as caught:
        run_import(read(data), RecordingHandler(columns=None), max_rows=10)

    assert caught.value.errors == [
        RowError(2, "current_value_(ignored)", f"Cell C2 {NO_SAVED_VALUE}")
    ]


# --- which sheet ---------------------------------------------------------------------------


def workbook_of(sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    return save(workbook)


RETURNS = [["name", "value"], ["A", 1]]
OTHER = [["name", "value"], ["Z", 9]]


def names(data: bytes, **options) -> list[str]:
    return [row["name"] for _, row in read(data, **options)]


def test_the_only_sheet_with_data_is_read_whichever_sheet_was_open():
    data = workbook_of({"Notes": [], "Data": RETURNS, "Blank": [[None, "  "]]})

    assert names(data) == ["A"]
    assert names(data, sheet_names=("Returns",)) == ["A"]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_data_only_on_a_hidden_sheet_is_refused(state):
    workbook = Workbook()
    workbook.active.title = "Returns"
    secret = workbook.create_sheet("Old returns")
    for row in RETURNS:
        secret.append(row)
    secret.sheet_state = state

    with pytest.raises(ImportRejected) as caught:
        read(save(workbook), sheet_names=("Returns",))

    assert caught.value.message == (
        "The data is on the hidden sheet 'Old returns': unhide it or copy it to a visible sheet."
    )


def test_a_hidden_sheet_without_data_does_not_matter():
    assert names(workbook_of({"Returns": RETURNS, "Lists": []}, hidden=("Lists",))) == ["A"]


def test_data_on_two_sheets_is_refused_naming_them():
    data = workbook_of({"Returns": RETURNS, "Sheet2": OTHER, "Calc": OTHER}, hidden=("Calc",))

    with pytest.raises(ImportRejected) as caught:
        read(data)
    assert caught.value.message == (
        "The workbook has data on more than one sheet (Returns, Sheet2, Calc (hidden)): keep "
        "the rows on one sheet."
    )

    with pytest.raises(ImportRejected) as caught:
        read(data, sheet_names=("SLA results",))
    assert caught.value.message.endswith(
        "keep the rows on one sheet, or call the sheet to import 'SLA results'."
    )


def test_with_data_on_several_sheets_the_one_the_template_names_is_read():
    data = workbook_of({"Sheet2": OTHER, "RETURNS": RETURNS, "Calc": OTHER}, hidden=("Calc",))

    assert names(data, sheet_names=("KPI returns", "Returns")) == ["A"]
    assert names(data, sheet_names="Returns") == ["A"]  # one name alone is not its letters


def test_the_named_sheet_is_not_read_when_it_is_hidden():
    data = workbook_of({"Returns": RETURNS, "Sheet2": OTHER}, hidden=("Returns",))

    with pytest.raises(ImportRejected, match="The data is on the hidden sheet 'Returns'"):
        read(data, sheet_names=("Returns",))


def test_a_sheet_holding_only_formulas_with_no_saved_values_has_data():
    data = workbook_of({"Returns": RETURNS, "Calc": [["=Returns!B2*2"]]})

    with pytest.raises(ImportRejected, match=r"more than one sheet \(Returns, Calc\)"):
        read(data)


def test_a_workbook_with_nothing_in_it_has_no_rows():
    assert read(workbook_of({"Returns": [], "Other": []})) == []


def test_count_rows_looks_at_the_sheet_that_is_read():
    data = workbook_of({"Notes": [["a"], ["b"], ["c"], ["d"], ["e"]], "Returns": RETURNS})

    assert count_rows(io.BytesIO(data), "xlsx", sheet_names=("Returns",)) == 1
    assert count_rows(io.BytesIO(data), "xlsx") is None  # refused when read: no estimate
    assert count_rows(io.BytesIO(workbook_of({"Other": [], "Data": OTHER})), "xlsx") == 1


def test_a_wrongly_recorded_sheet_size_does_not_cut_rows_or_columns():
    # Some programs record the used range as A1:A1; openpyxl's read-only mode trusts it.
    data = with_sheet_xml(
        one_sheet([["name", "value"], ["A", 1], ["B", 2]]),
        '<dimension ref="A1:B3" />',
        '<dimension ref="A1:A1" />',
    )

    assert read(data) == [(2, {"name": "A", "value": "1"}), (3, {"name": "B", "value": "2"})]


def test_a_damaged_workbook_is_refused():
    data = one_sheet(RETURNS)

    with pytest.raises(ImportRejected, match="The workbook cannot be read"):
        read(data[: len(data) // 2])
