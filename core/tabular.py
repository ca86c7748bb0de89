"""The one writer of CSV and XLSX files that people open in a spreadsheet: formula
injection neutralised (``safe_cell``), texts longer than a workbook cell marked where they
are cut (``fit_cell``), typed cells (numbers as numbers, dates as dates, in
Europe/London), and the same bytes for the same rows (``workbook_bytes`` fixes every
timestamp). The reports' renderers and the import templates both write through it; the
reading half of tabular files is ``core.importer``."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone

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


def csv_bytes(headings: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """A table as CSV bytes: every cell written by ``csv_text`` and through ``safe_cell``,
    lines ending CRLF, and a byte-order mark first so Excel opens it as UTF-8 (the pound
    sign, names with accents). The CSV has no cell limit: it always holds the whole text."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([safe_cell(heading) for heading in headings])
    for row in rows:
        # Text is neutralised, numbers are not: written first, a -3.5 would read as
        # text beginning with "-" and be damaged to '-3.5.
        writer.writerow([csv_text(safe_cell(cell)) for cell in row])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def table_file(
    header: list[str],
    rows: Iterable[list[object]],
    file_format: str,
    *,
    title: str = "Sheet1",
    widths: list[int] | None = None,
) -> tuple[str, bytes]:
    """(content type, bytes) of one table as CSV (``csv_bytes``) or XLSX
    (``workbook_bytes``, one sheet named ``title`` with the given column widths in
    characters). ValueError for any other format."""
    if file_format == "csv":
        return CSV_CONTENT_TYPE, csv_bytes(header, rows)
    if file_format == "xlsx":
        widths = widths or [Column.width] * len(header)
        columns = [Column(heading, width) for heading, width in zip(header, widths, strict=True)]
        sheet = Sheet(title[:31], columns, rows)
        return XLSX_CONTENT_TYPE, workbook_bytes([sheet], fixed_time=timezone.now(), title=title)
    raise ValueError(f"unknown file format {file_format!r}: expected csv or xlsx")


@dataclass(frozen=True)
class Column:
    """One column: its heading, its width in characters in a workbook, and how a number
    in it is shown there (an Excel number format; None leaves the cell's type to say)."""

    heading: str
    width: int = 14
    number_format: str | None = None


TEXT = None


WHOLE = "#,##0"


SCORE = "0.0"


MONEY = "£#,##0.00"


FIGURE = "#,##0.####"


DATE = "yyyy-mm-dd"


DATETIME = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook."""

    title: str  # at most 31 characters: Excel's limit
    columns: list[Column]
    rows: Iterable[list]


def local(moment: datetime) -> datetime:
    """A time in Europe/London without its zone: spreadsheets have no time zones. A time
    already without a zone is taken to be London's."""
    if timezone.is_naive(moment):
        return moment.replace(microsecond=0)
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def csv_text(value: object) -> str:
    """A typed cell as CSV text: plain decimals (never exponents), ISO dates and times."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return local(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def workbook_bytes(sheets: list[Sheet], *, fixed_time: datetime, title: str) -> bytes:
    """An XLSX workbook: bold frozen header rows, column widths, numbers as numbers and
    dates as dates, and the same bytes for the same rows and ``fixed_time``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_spec in sheets:
        sheet = workbook.create_sheet(sheet_spec.title)
        sheet.append([fit_cell(column.heading) for column in sheet_spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet_spec.rows:
            sheet.append([_xlsx_cell(value) for value in row])
            for cell, column in zip(sheet[sheet.max_row], sheet_spec.columns, strict=False):
                if isinstance(cell.value, datetime):
                    cell.number_format = DATETIME
                elif isinstance(cell.value, date):
                    cell.number_format = DATE
                elif column.number_format and isinstance(cell.value, int | Decimal):
                    cell.number_format = column.number_format
        sheet.freeze_panes = "A2"
        for index, column in enumerate(sheet_spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
    when = local(fixed_time)
    # The document properties are UTC by the standard; the zip's dates are local time.
    in_utc = fixed_time.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = workbook.properties.modified = in_utc
    workbook.properties.creator = "Partnership governance dashboard"
    workbook.properties.title = title
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() would set "modified" to now.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _fixed_zip_times(buffer.getvalue(), when)


def _xlsx_cell(value: object) -> object:
    if isinstance(value, datetime):
        return local(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return fit_cell(value)


def _fixed_zip_times(content: bytes, when: datetime) -> bytes:
    """The same zip with every entry dated ``when`` (zip dates start in 1980)."""
    stamp = max(when, datetime(1980, 1, 1)).timetuple()[:6]
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()
