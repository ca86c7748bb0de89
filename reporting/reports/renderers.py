"""Renderers: an exporter's rows to CSV, XLSX or a PDF table, as (filename, type, bytes).

CSV and XLSX are data files that auditors verify by checksum, so the same rows give the
same bytes: they carry the period's sign-off time (never the time they were built), the
workbook's properties and its zip entries' timestamps are fixed to that time, and rows
come in the exporter's fixed order. Both are written by the one tabular writer,
``core.tabular`` (``csv_bytes``, ``workbook_bytes``), which neutralises formula injection
in every text cell and marks a text cut to fit a workbook cell.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import pdf_from_html
from core.tabular import (
    CSV_CONTENT_TYPE,
    DATETIME,
    XLSX_CONTENT_TYPE,
    Column,
    Sheet,
    csv_bytes,
    csv_text,
    local,
    workbook_bytes,
)
from departments.numbers import breakable
from reporting.reports.exports.base import Exporter

PDF_CONTENT_TYPE = "application/pdf"
SIGNED_OFF_HEADING = "Period signed off"
NOT_SIGNED_OFF = "Not signed off"
# A PDF is for reading: past this many rows, it says so and points to CSV or XLSX.
MAX_PDF_ROWS = 5000


def signed_off_text(moment: datetime | None) -> str:
    return local(moment).isoformat(sep=" ") if moment else NOT_SIGNED_OFF


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
    content = csv_bytes([column.heading for column in columns], rows)
    return exporter.filename("csv"), CSV_CONTENT_TYPE, content


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


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "pdf": render_pdf}
