"""Reading a CSV file as records of cells, strictly, saying where a malformed one breaks.

The row engine (``core.importer``) turns these records into rows of columns. A quote that
is never closed, or text after a closing quote, refuses the file with the row (as the
importer numbers rows: the header is row 1), the line of the file the row starts on, and
the column whose cell opened the quote; Python's lenient reading would instead read every
line after an unclosed quote into one cell, and a file of five rows would import as one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import IO

from core.cells import ImportRejected, RowError, column_label, normalise_column


def read_records(fileobj: IO[bytes]) -> Iterator[list[str]]:
    """Each record of a UTF-8 CSV file (a byte-order mark is dropped) as its cells,
    stripped. Raises ImportRejected for a file that is not UTF-8 or cannot be split into
    cells, naming the row. The caller owns the file: it is left open."""
    # utf-8-sig drops the byte-order mark Excel writes at the start of "CSV UTF-8".
    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
    lines = _RecordLines(text)
    records = 0
    header: list[str] = []
    try:
        for cells in csv.reader(lines, strict=True):
            records += 1
            lines.record_read()
            if records == 1:
                header.extend(normalise_column(cell) for cell in cells)
            # csv.reader yields text only, and cell_text of text is the text stripped.
            yield [cell.strip() for cell in cells]
    except csv.Error as error:
        raise _malformed(error, records + 1, lines, header) from error
    except UnicodeDecodeError as error:
        raise ImportRejected("The file is not UTF-8 text; save it as “CSV UTF-8”.") from error
    finally:
        text.detach()  # the caller owns the file and closes it


class _RecordLines:
    """The lines of a CSV file for csv.reader, remembering where the record being read
    began (its first line and that line's number), to say where a malformed one is."""

    def __init__(self, text: Iterator[str]):
        self._text = text
        self._read = 0
        self._new_record = True
        self.first_line, self.first_line_number = "", 1

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self._read += 1
        if self._new_record:
            self.first_line, self.first_line_number = line, self._read
            self._new_record = False
        return line

    def record_read(self) -> None:
        self._new_record = True


def _malformed(
    error: csv.Error, row_number: int, lines: _RecordLines, header: Sequence[str]
) -> ImportRejected:
    """The refusal of a file that cannot be split into cells at ``row_number``."""
    where = f"Row {row_number} (line {lines.first_line_number:,} of the file)"
    reason = str(error)
    column = ""
    if reason.startswith("unexpected end of data"):
        column = _open_quote_column(lines.first_line, header)
        message = (
            f'{where} opens a quote (") in a cell that is never closed, so every line '
            "after it would be read into that one cell: close the quote, or remove it."
        )
    elif reason.startswith("field larger than field limit"):
        column = _open_quote_column(lines.first_line, header)
        message = (
            f"{where} has a cell longer than {csv.field_size_limit():,} characters. A quote "
            '(") that is never closed does this, reading the lines after it into one cell: '
            "close the quote, or shorten the cell."
        )
    elif "expected after" in reason:
        message = (
            f"{where} has text after the closing quote of a quoted cell: put the whole "
            'cell in quotes and double each quote inside it (""), or remove the quotes.'
        )
    else:
        message = f"{where} cannot be split into cells: {reason}."
    return ImportRejected(
        f"Nothing was imported: the CSV file cannot be read from row {row_number} on.",
        [RowError(row_number, column, message)],
    )


def _open_quote_column(first_line: str, header: Sequence[str]) -> str:
    """The column of the cell still open at the end of a record's first line: the line
    read leniently ends inside it. "" when even that line is longer than a cell may be."""
    try:
        index = len(next(csv.reader([first_line]), [""])) - 1
    except csv.Error:
        return ""
    return column_label(header, index)
