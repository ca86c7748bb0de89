"""Reading an Excel workbook (.xlsx) as the person who filled it in sees it.

The importer (``core.importer``) turns rows of text into rows of columns; this
module decides which sheet is read and what text each cell gives:

- the sheet: the only sheet holding anything, if it is visible; a hidden one or several
  with data are refused unless the caller's template names one of them (``sheet_names``);
- numbers: the exact number shown, never float arithmetic: the float's shortest spelling,
  cut to Excel's 15 significant digits; a number formatted as a percentage gives the
  percentage shown (0.96 under "0%" is ``CellText("96", percent_format=True)``);
- dates: ISO dates (``2026-04-01``), or ISO date-times when there is a time of day,
  exactly as ``cell_text`` spells them, so a date cell reads like the date typed as text;
- a formula with no saved value, and an error value (#DIV/0!, #REF!), give a CellText
  with a ``problem`` naming the cell, which the importer reports as a row error; so does
  a number beyond what a spreadsheet holds (``1e309``, saved by a program, not Excel);
- a cell openpyxl cannot read at all (a number cell holding ``NaN`` or 5,000 digits) or a
  damaged sheet stops the reading with ``UnreadableSheet``, which names the cell (row and
  column) where it can be found, never an unexpected error.

Everything streams: openpyxl's read-only mode holds one row at a time (and the shared
strings), so a 200,000-row sheet needs no more memory than a small one.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from openpyxl.utils.datetime import CALENDAR_MAC_1904

from core.cells import CellText, ImportRejected, cell_text


class UnreadableSheet(ImportRejected):
    """openpyxl stopped reading the sheet: at a cell it cannot read (``row`` and the
    0-based ``column``, when found) or where the sheet's XML is damaged (``column`` None,
    ``row`` the first row not read). The importer names the column from the header."""

    def __init__(self, message: str, *, row: int, column: int | None):
        super().__init__(message)
        self.row, self.column = row, column


# Excel keeps 15 significant digits: a typed number never has more, so the digits a
# calculation leaves beyond them (0.1 + 0.2 = 0.30000000000000004) are binary noise that
# Excel itself never shows.
EXCEL_DIGITS = 15
# The parts of a number format shown as written, never as the number: "text", \x, [Red].
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def read_sheet(fileobj: IO[bytes], *, sheet_names: Sequence[str] = ()) -> Iterator[list[str]]:
    """Each row of the sheet to read (``sheet_to_read``) as a list of cell texts.

    Row 1 is the header; a row missing from the file comes as an empty list, so counting
    gives Excel's row numbers. A row is as long as its last cell that the file holds.
    Raises ImportRejected for a damaged workbook or a sheet that cannot be chosen.
    """
    # Two streaming passes over the same sheet, zipped row by row: openpyxl gives either
    # the saved values (data_only) or the formulas, and a formula with no saved value can
    # only be told from an empty cell by having both.
    formulas = _open_workbook(fileobj, data_only=False)
    try:
        values = _open_workbook(fileobj, data_only=True)
    except ImportRejected:
        formulas.close()
        raise
    try:
        try:
            title = sheet_to_read(formulas, sheet_names=sheet_names)
        except ImportRejected:
            raise
        except Exception as error:  # a cell openpyxl cannot read while looking for data
            raise ImportRejected(
                "The workbook cannot be read; save it again from Excel."
            ) from error
        if title is None:
            return
        rows = zip(
            _sheet_rows(values[title]),
            _sheet_rows(formulas[title], values_only=True),
            strict=True,
        )
        date_1904 = values.epoch == CALENDAR_MAC_1904
        read = 0
        try:
            for cells, formulas_or_values in rows:
                read += 1
                yield [
                    sheet_cell(cell, formula, date_1904=date_1904)
                    for cell, formula in zip(cells, formulas_or_values, strict=True)
                ]
        except Exception as error:  # openpyxl's parser raises many kinds, mid-sheet
            raise _unreadable(fileobj, formulas[title], first_unread_row=read + 1) from error
    finally:
        values.close()
        formulas.close()


def recorded_rows(fileobj: IO[bytes], *, sheet_names: Sequence[str] = ()) -> int | None:
    """The last row number the workbook records for the sheet ``read_sheet`` reads.

    An estimate for a progress bar (None when the file records none or has no data);
    raises ImportRejected as ``read_sheet`` does.
    """
    workbook = _open_workbook(fileobj, data_only=False)
    try:
        # Read before sheet_to_read looks for data, which sets the recorded sizes aside.
        recorded = {sheet.title: sheet.max_row for sheet in workbook.worksheets}
        title = sheet_to_read(workbook, sheet_names=sheet_names)
    finally:
        workbook.close()
    return recorded[title] if title else None


def sheet_to_read(workbook, *, sheet_names: Sequence[str] = ()) -> str | None:
    """The title of the sheet a person means, or None when no sheet holds anything.

    ``workbook``: an openpyxl workbook opened with formulas (not ``data_only``), so a
    formula with no saved value counts as something the sheet holds. The only sheet with
    data is read if it is visible; when several hold data, the first of ``sheet_names``
    among them (compared without case, as Excel compares sheet names). A hidden sheet is
    never read, and one of several sheets with data is never picked by guessing: both
    raise ImportRejected saying what to change.
    """
    if isinstance(sheet_names, str):
        sheet_names = (sheet_names,)
    with_data = [sheet for sheet in workbook.worksheets if _has_data(sheet)]
    if not with_data:
        return None
    if len(with_data) == 1:
        chosen = with_data[0]
    else:
        by_name = {sheet.title.casefold(): sheet for sheet in with_data}
        chosen = next((by_name[n.casefold()] for n in sheet_names if n.casefold() in by_name), None)
    if chosen is None:
        listed = ", ".join(
            sheet.title + ("" if sheet.sheet_state == "visible" else " (hidden)")
            for sheet in with_data
        )
        advice = f", or call the sheet to import '{sheet_names[0]}'" if sheet_names else ""
        raise ImportRejected(
            f"The workbook has data on more than one sheet ({listed}): keep the rows on one "
            f"sheet{advice}."
        )
    if chosen.sheet_state != "visible":
        raise ImportRejected(
            f"The data is on the hidden sheet '{chosen.title}': unhide it or copy it to a "
            "visible sheet."
        )
    return chosen.title


def sheet_cell(cell, formula: object, *, date_1904: bool = False) -> str:
    """One cell as the text a person sees, from its saved value and from its formula.

    ``cell``: the openpyxl read-only cell from the workbook opened ``data_only``;
    ``formula``: the same cell's value in the workbook opened with formulas (the
    formula for a formula cell, else the same value as ``cell``). Returns plain text,
    or a CellText when the cell is a percentage, has a problem, or is a number in a
    workbook that counts dates from 1904 (``date_1904``: old Mac Excel), so a date serial
    that lost its format is read from the right day zero.
    """
    value = cell.value
    if value is None:
        # Only a formula can have a value with formulas and none without: the saved
        # value is missing. A formula whose result is empty text is saved as an empty
        # "str" value, and is an empty cell.
        if formula is not None and cell.data_type != "str":
            return CellText.of(
                "",
                problem=f"Cell {cell.coordinate} holds a formula with no saved value: open "
                "the workbook in Excel, let it calculate and save it, or type the value",
            )
        return ""
    if cell.data_type == "e":
        return CellText.of(
            str(value),
            problem=f"Cell {cell.coordinate} holds the spreadsheet error {value}: correct it "
            "in the spreadsheet or type the value",
        )
    if isinstance(value, float) and not math.isfinite(value):
        # Excel cannot save one; a program wrote "1e309", which openpyxl reads as infinity.
        return CellText.of(
            "",
            problem=f"Cell {cell.coordinate} holds a number too large for a spreadsheet "
            "(more than 308 digits): type the number, or clear the cell",
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = spreadsheet_number(value)
        if is_percent_format(cell.number_format):
            # 96.5% is stored as 0.965: the person typed 96.5, whatever places are shown.
            return CellText.of(decimal_text(number.scaleb(2)), percent_format=True)
        if date_1904:
            return CellText.of(decimal_text(number), date_1904=True)
        return decimal_text(number)
    return cell_text(value)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _unreadable(fileobj: IO[bytes], sheet, *, first_unread_row: int) -> UnreadableSheet:
    """Why openpyxl stopped reading ``sheet``: the first number cell it cannot read,
    found by reading the sheet's XML once more (only when reading has already failed),
    or else the row it stopped at. The sheet's part name is openpyxl's (read-only sheets
    keep it as ``_worksheet_path``)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    address = None
    path = getattr(sheet, "_worksheet_path", None)
    if path is not None:
        try:
            address = _first_unreadable_number(fileobj, path)
        except Exception:  # damaged XML: say where the reading stopped instead
            address = None
    if address is not None:
        letters, row = coordinate_from_string(address[0])
        return UnreadableSheet(
            f"Cell {address[0]} holds {_shown(address[1])}, which is not a number a "
            "spreadsheet can hold: type the number, or clear the cell",
            row=row,
            column=column_index_from_string(letters) - 1,
        )
    return UnreadableSheet(
        f"The sheet cannot be read from row {first_unread_row} on: the workbook is damaged "
        "there. Open it in Excel and save it again, or save it as CSV",
        row=first_unread_row,
        column=None,
    )


def _first_unreadable_number(fileobj: IO[bytes], path: str) -> tuple[str, str] | None:
    """(address, text) of the first number cell whose text openpyxl cannot turn into a
    number (it reads "1.5" or "1e3" as a float and anything else as an int), or None."""
    import zipfile

    # The parser openpyxl reads the sheet with (defusedxml's when installed): this
    # second look is no more exposed than the first.
    from openpyxl.xml.functions import iterparse

    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as archive, archive.open(path.lstrip("/")) as xml:
        for _, element in iterparse(xml):
            if element.tag != f"{_MAIN}c":
                continue
            text = element.findtext(f"{_MAIN}v")
            if element.get("t", "n") == "n" and text is not None and not _readable(text):
                return element.get("r", "?"), text
            element.clear()
    return None


def _readable(text: str) -> bool:
    try:
        float(text) if any(c in text for c in ".Ee") else int(text)
    except (ValueError, OverflowError):
        return False
    return True


def _shown(text: str) -> str:
    return f"'{text}'" if len(text) <= 20 else f"'{text[:20]}…' ({len(text):,} characters)"


def spreadsheet_number(value: int | float) -> Decimal:
    """The exact number a cell holds as Excel shows it.

    A whole number as it is; a float from its shortest spelling (``repr``: 0.965, never
    0.96499999999999996891), rounded half-up to Excel's 15 significant digits.
    """
    if isinstance(value, int):
        return Decimal(value)
    number = Decimal(repr(value))
    if number.is_finite() and len(number.as_tuple().digits) > EXCEL_DIGITS:
        last_place = Decimal(1).scaleb(number.adjusted() - EXCEL_DIGITS + 1)
        number = number.quantize(last_place, rounding=ROUND_HALF_UP)
    return number


def decimal_text(number: Decimal) -> str:
    """``Decimal("96.500")`` -> "96.5", ``Decimal("1E+2")`` -> "100": exact, no exponent."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=256)
def is_percent_format(number_format: str | None) -> bool:
    """Whether a number format shows its number as a percentage ("0%", "0.0%", ...)."""
    return bool(number_format) and "%" in _FORMAT_LITERALS.sub("", number_format)


def _open_workbook(fileobj: IO[bytes], *, data_only: bool):
    from openpyxl import load_workbook

    fileobj.seek(0)
    try:
        return load_workbook(fileobj, read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportRejected("The workbook cannot be read; save it again from Excel.") from error


def _sheet_rows(sheet, *, values_only: bool = False) -> Iterator[tuple]:
    # Read-only sheets trust the size the writing program recorded, and some record it
    # wrong (A1:A1), which would cut rows and columns unseen: read what is there instead.
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=values_only)


def _has_data(sheet) -> bool:
    # Formulas count, saved value or not: the sheet holds what a person put there.
    return any(
        value is not None and (not isinstance(value, str) or value.strip())
        for row in _sheet_rows(sheet, values_only=True)
        for value in row
    )
