"""Checking an uploaded file before it is kept: its size against the limit, and what it
really is (a CSV in UTF-8 or an XLSX workbook that does not unpack to an absurd size),
whatever its name says."""

from __future__ import annotations

import codecs
import zipfile
from typing import IO

from django.conf import settings

from core.cells import ImportRejected
from core.importer import READ_CHUNK_BYTES, FileFormat

# A workbook is a zip; refuse one that unpacks to far more than any honest sheet would,
# because openpyxl keeps the shared strings in memory even in read-only mode.
_MAX_UNPACKED_RATIO = 40


_XLSX_MEMBERS = {"[Content_Types].xml", "xl/workbook.xml"}


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"


def check_upload(uploaded_file) -> FileFormat:
    """Refuse a file that is too big or neither CSV nor XLSX, judged by content.

    Returns the format. The extension is ignored: a PNG renamed .csv is still a PNG.
    """
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if uploaded_file.size > limit:
        raise ImportRejected(
            f"The file is {_megabytes(uploaded_file.size)}; the limit is {_megabytes(limit)}. "
            "Split it into smaller files."
        )
    if uploaded_file.size == 0:
        raise ImportRejected("The file is empty.")
    uploaded_file.seek(0)
    try:
        return detect_format(uploaded_file, getattr(uploaded_file, "name", ""))
    finally:
        uploaded_file.seek(0)


def detect_format(fileobj: IO[bytes], filename: str = "") -> FileFormat:
    """ "xlsx" or "csv" by content; ImportRejected for anything else.

    XLSX is a zip holding ``[Content_Types].xml`` and ``xl/workbook.xml``; CSV is UTF-8
    text (with or without a byte-order mark) without NUL bytes. The whole file is read
    (in chunks), because a zip's table of contents is at its end and a bad byte can be
    anywhere in a CSV. ``filename`` is only used in messages. Leaves the file at offset 0.
    """
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    try:
        if head.startswith(b"PK\x03\x04"):
            _check_workbook(fileobj, filename)
            return "xlsx"
        if _is_utf8_text(fileobj):
            return "csv"
    finally:
        fileobj.seek(0)
    raise ImportRejected(
        "The file is neither CSV nor an Excel workbook (.xlsx). Save it from your "
        "spreadsheet as “CSV UTF-8” or “Excel Workbook”."
    )


def _check_workbook(fileobj: IO[bytes], filename: str) -> None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        members = []
    names = {member.filename for member in members}
    if not names >= _XLSX_MEMBERS:
        raise ImportRejected(
            "The file is neither CSV nor an Excel workbook (.xlsx): it is a zip archive "
            "but not a workbook."
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > _MAX_UNPACKED_RATIO * settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportRejected(
            f"The workbook unpacks to {_megabytes(unpacked)}, more than a sheet within the "
            "size limit could hold. Save it again from Excel, or as CSV."
        )


def _is_utf8_text(fileobj: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(READ_CHUNK_BYTES):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
