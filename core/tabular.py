"""Writing CSV and XLSX files that people open in a spreadsheet: formula injection
neutralised (``safe_cell``), texts longer than a workbook cell marked where they are cut
(``fit_cell``), and a whole table as a file (``table_file``). Every exporter and template
writer uses these; the reading half of tabular files is ``core.importer``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from core.cells import cell_text

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise formula injection: text that a spreadsheet would run gets an apostrophe.

    A cell beginning with = + - @ tab or carriage return is taken as a formula by Excel
    and LibreOffice; a leading apostrophe makes it plain text. Numbers pass unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# Excel's (and LibreOffice's) most characters in one cell, counted in UTF-16 code units as
# Excel counts them: a character outside the Basic Multilingual Plane (an emoji) takes two.
XLSX_CELL_LIMIT = 32_767
_CUT_MARK = (
    " … [cut to fit a spreadsheet cell ({limit:,} characters): the full text of {length:,} "
    "characters is in the CSV download]"
)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_cell(value: object, limit: int = XLSX_CELL_LIMIT) -> object:
    """A cell for a spreadsheet: ``safe_cell``, then a text too long for one cell cut so
    that it fits with a mark saying so, never cut silently.

    A control character that a workbook cannot hold becomes U+FFFD (shown as a question
    mark in a diamond) instead of failing the whole file; the CSV keeps the original.

    Text of at most ``limit`` UTF-16 code units (and anything not text) is returned as
    ``safe_cell`` gives it. Longer text keeps its beginning (with safe_cell's apostrophe,
    so a cut formula stays inert) and ends with " … [cut to fit a spreadsheet cell (32,767
    characters): the full text of N characters is in the CSV download]", the whole within
    ``limit``; N counts the characters of the text as given. openpyxl would otherwise
    drop the rest without a word. CSV has no cell limit: CSV writers keep the text whole.
    """
    cell = safe_cell(value)
    if not isinstance(cell, str):
        return cell
    # Shown as the replacement character, so the reader sees something was there.
    # openpyxl's own list of the control characters a workbook cannot hold (XML 1.0
    # forbids them, and openpyxl refuses the whole file): tab, line feed and carriage
    # return are allowed.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell)
    if _utf16_length(cell) <= limit:
        return cell
    mark = _CUT_MARK.format(limit=limit, length=len(str(value)))
    room = limit - _utf16_length(mark)
    kept = cell[:room]
    # Each character dropped takes away one or two code units, so this ends in a step or two.
    while (over := _utf16_length(kept) - room) > 0:
        kept = kept[:-over]
    return kept + mark


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_file(
    header: list[str],
    rows: Iterable[list[object]],
    file_format: str,
    *,
    title: str = "Sheet1",
    widths: list[int] | None = None,
) -> tuple[str, bytes]:
    """(content type, bytes) of a table as CSV or XLSX, every cell through safe_cell
    (in a workbook through fit_cell, which also marks a text cut to fit a cell).

    CSV starts with a byte-order mark so Excel opens it as UTF-8 (the pound sign, names
    with accents); XLSX has a bold, frozen header row and the given column widths.
    """
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([safe_cell(name) for name in header])
        for row in rows:
            writer.writerow([safe_cell(cell_text(cell)) for cell in row])
        return CSV_CONTENT_TYPE, ("\ufeff" + text.getvalue()).encode("utf-8")
    if file_format == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title
        sheet.append([safe_cell(name) for name in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([fit_cell(cell) for cell in row])
        sheet.freeze_panes = "A2"
        for index, width in enumerate(widths or [], start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        output = io.BytesIO()
        workbook.save(output)
        return XLSX_CONTENT_TYPE, output.getvalue()
    raise ValueError(f"unknown file format {file_format!r}: expected csv or xlsx")
