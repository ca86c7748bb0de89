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
# because openpyxl keeps the shared strings in memory even in read-only mode, and reads
# the sheet twice (values and formulas) at tens of seconds per hundred megabytes. Both
# limits are checked from the zip's directory, before anything is unpacked: the absolute
# one (IMPORT_MAX_UNPACKED_BYTES, 128 MB; 200,000 rows of the referrals template unpack
# to 95 MB) keeps a worker's memory to a few hundred megabytes whatever the upload limit,
# the ratio refuses a small file that is mostly padding.
_MAX_UNPACKED_RATIO = 40


# A file with more than one NUL byte in eight is not UTF-8 text (UTF-16, or binary).
_MOSTLY_NUL = 8


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
    text (with or without a byte-order mark) that is not mostly NUL bytes: UTF-16 text
    is, and is refused, while a stray NUL in a cell is that row's error
    (``core.importer``). The whole file is read (in chunks), because a zip's table of
    contents is at its end and a bad byte can be anywhere in a CSV. ``filename`` is only
    used in messages. Leaves the file at offset 0.
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
    limit = min(
        settings.IMPORT_MAX_UNPACKED_BYTES,
        _MAX_UNPACKED_RATIO * settings.IMPORT_MAX_UPLOAD_BYTES,
    )
    if unpacked > limit:
        raise ImportRejected(
            f"The workbook unpacks to {_megabytes(unpacked)}; the most one import reads is "
            f"{_megabytes(limit)} unpacked (about 200,000 rows). Split it into smaller "
            "workbooks, or save it as CSV."
        )


def _is_utf8_text(fileobj: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    nul_bytes = size = 0
    try:
        while chunk := fileobj.read(READ_CHUNK_BYTES):
            nul_bytes += chunk.count(b"\x00")
            size += len(chunk)
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    # UTF-16 text of Latin letters is every other byte NUL; a CSV with a damaged cell or
    # two has a few, which the importer reports on their rows.
    return nul_bytes * _MOSTLY_NUL <= size
