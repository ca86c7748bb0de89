"""Writing cells of CSV and XLSX files that people open in a spreadsheet: formula
injection neutralised (``safe_cell``) and texts longer than a workbook cell marked where
they are cut (``fit_cell``). Every exporter and template writer uses these; the reading
half of tabular files is ``departments.importer``."""

from __future__ import annotations

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
