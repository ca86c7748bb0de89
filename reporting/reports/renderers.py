"""Renderers: an exporter's rows to CSV, XLSX or a PDF table, as (filename, type, bytes).

CSV and XLSX are data files that auditors verify by checksum, so the same rows give the
same bytes: they carry the period's sign-off time (never the time they were built), the
workbook's properties and its zip entries' timestamps are fixed to that time, and rows
come in the exporter's fixed order. Every text cell goes through ``safe_cell``, the
one rule against formula injection (``core.tabular``); in a workbook
through ``fit_cell`` as well, which cuts a text longer than a cell can hold (32,767
characters) with a mark saying so. The CSV, which has no cell limit, always holds the whole text.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from core.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, fit_cell, safe_cell
from departments.numbers import breakable
from reporting.reports.exports.base import DATE, DATETIME, Column, Exporter

PDF_CONTENT_TYPE = "application/pdf"
SIGNED_OFF_HEADING = "Period signed off"
NOT_SIGNED_OFF = "Not signed off"
# A PDF is for reading: past this many rows, it says so and points to CSV or XLSX.
MAX_PDF_ROWS = 5000


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


def signed_off_text(moment: datetime | None) -> str:
    return local(moment).isoformat(sep=" ") if moment else NOT_SIGNED_OFF


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


def with_sign_off(exporter: Exporter) -> tuple[list[Column], Iterable[list]]:
    """The exporter's columns and rows; a report of a month gains a last column with the
    month's sign-off time, so every row says which signed-off figures it holds."""
    if exporter.parameters.month is None:
        return exporter.columns, exporter.rows()
    stamp = signed_off_text(exporter.signed_off_at())
    columns = [*exporter.columns, Column(SIGNED_OFF_HEADING, 20)]
    return columns, ([*row, stamp] for row in exporter.rows())


def render_csv(exporter: Exporter) -> tuple[str, str, bytes]:
    columns, rows = with_sign_off(exporter)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([safe_cell(column.heading) for column in columns])
    for row in rows:
        writer.writerow([safe_cell(csv_text(cell)) for cell in row])
    # A byte-order mark so Excel opens it as UTF-8 (the pound sign, names with accents).
    return exporter.filename("csv"), CSV_CONTENT_TYPE, ("\ufeff" + text.getvalue()).encode()


def render_xlsx(exporter: Exporter) -> tuple[str, str, bytes]:
    columns, rows = with_sign_off(exporter)
    about = about_rows(exporter.title, exporter.parameters.describe(), exporter.signed_off_at())
    content = workbook_bytes(
        [Sheet(exporter.title[:31], columns, rows), about_sheet(about)],
        fixed_time=exporter.fixed_time(),
        title=exporter.title,
    )
    return exporter.filename("xlsx"), XLSX_CONTENT_TYPE, content


def about_rows(title: str, described: str, signed_off: datetime | None) -> list[list]:
    return [
        ["Report", title],
        ["Covers", described],
        [SIGNED_OFF_HEADING, local(signed_off) if signed_off else NOT_SIGNED_OFF],
    ]


def about_sheet(rows: list[list]) -> Sheet:
    return Sheet("About", [Column("Item", 20), Column("Detail", 60, DATETIME)], rows)


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


def render_pdf(exporter: Exporter) -> tuple[str, str, bytes]:
    """The table as a PDF, with the period and the time it was built on every page."""
    columns, rows = with_sign_off(exporter)
    shown = [[pdf_text(cell) for cell in row] for row in itertools.islice(rows, MAX_PDF_ROWS + 1)]
    html = render_to_string(
        "reporting/reports/table.html",
        {
            "title": exporter.title,
            "described": exporter.parameters.describe(),
            "headings": [column.heading for column in columns],
            "rows": shown[:MAX_PDF_ROWS],
            "cut_short": len(shown) > MAX_PDF_ROWS,
            "max_rows": MAX_PDF_ROWS,
            "generated_at": timezone.localtime(),
            "signed_off_at": exporter.signed_off_at(),
        },
    )
    return exporter.filename("pdf"), PDF_CONTENT_TYPE, pdf_from_html(html)


def pdf_text(value: object) -> str:
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return breakable(csv_text(value))


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML

    # PDF/UA: a tagged PDF, so screen readers follow headings and tables.
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}
