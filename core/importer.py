"""The one tabular importer: CSV, XLSX and JSON rows, all-or-nothing, with row errors.

It knows nothing of returns, referrals or SLA results. A *row handler* owns the domain:
it names the columns it needs, writes one row through the app's service and raises
``ValidationError`` (field name to message) for a bad row. This module reads the file,
feeds the handler, collects every problem and rolls the whole file back if there is one.

Row numbers are the ones a person sees: in a CSV or XLSX file the header is row 1 and
the first data row is row 2 (blank lines keep their number, as a spreadsheet shows them);
JSON rows are numbered by position from 1. A required column missing from the header
(or from the first JSON row) is one error on row 1; a later JSON row without it is an
error on that row. A problem of the file as a whole (its type, size or number of rows)
is the rejection's message, with no row.

What a reader finds wrong with one row (a cell too many or too few, a formula with no
saved value, a spreadsheet error) travels with the row (``Row.problem``,
``CellText.problem``); ``run_import`` reports it as that row's error and never gives such
a row to the handler, so every row is still checked and nothing is stored. What an
XLSX cell reads as (percentages, dates, formulas, which sheet) is ``core.workbooks``; how
a CSV file splits into cells (strictly: an unclosed quote is refused) is ``core.csvfiles``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Literal, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction

from core import csvfiles, workbooks
from core.cells import (
    CellText,
    ImportRejected,
    RowError,
    cell_text,
    column_label,
    normalise_column,
)

FileFormat = Literal["csv", "xlsx"]
Outcome = Literal["created", "updated", "unchanged", "skipped"]

MAX_LISTED_ERRORS = 1000
PROGRESS_EVERY = 500
LOOK_AHEAD_ROWS = 1000
READ_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows created, updated, left as they were (identical to what is
    stored, so a re-import is harmless) and skipped (template rows without figures)."""

    created: int
    updated: int
    rows: int
    skipped: int = 0
    unchanged: int = 0


class Row(dict):
    """One data row as read, ``{column: text}``, and what is wrong with its shape.

    ``problem``: the row has a cell beyond the header's last column, or (CSV) fewer
    cells than the header has columns, so its values cannot be matched to columns;
    ``run_import`` reports it as an error on the row and never calls the handler.
    """

    problem: str | None = None
    problem_column: str = ""  # the column the problem is reported under
    whole: bool = False  # see WholeRow


class WholeRow(Row):
    """A CSV row with a cell of plain text under each of the header's columns: no shape
    problem, no cell problem, every column there (the header's columns were checked on
    the first row), so the importer has nothing to report of it and skips looking."""

    whole = True


def percent_cell_problem(cell: object, *, label: str, percent_allowed: bool) -> str | None:
    """Why a percentage-formatted cell cannot be taken for this figure, or None.

    A cell formatted as a percentage shows the number a person meant for a percent-unit
    figure (96% is 96); for any other unit (a count, days, pounds) the format says the
    figure is not what the column wants, so the row is refused rather than guessed.
    """
    if not getattr(cell, "percent_format", False) or percent_allowed:
        return None
    return (
        f"{label} is formatted as a percentage ({cell}%) in the spreadsheet, but this figure "
        "is not a percentage: format the cell as a number"
    )


class RowHandler(Protocol):
    """What a domain gives the importer for one kind of rows."""

    required_columns: tuple[str, ...]

    def write_row(self, row_number: int, row: dict[str, str]) -> Outcome:
        """Validate and store one row; raise ValidationError (field to message) if bad."""
        ...

    def column_for(self, field: str) -> str:
        """The file's column name for a field named in a ValidationError."""
        ...

    # Optional: ``look_ahead(rows)`` is given each chunk of up to LOOK_AHEAD_ROWS
    # (row number, row) pairs, unchecked, before their write_row calls, so a handler can
    # read what they refer to in one query per chunk rather than one per row.
    # Optional, together: ``check_row(row_number, row)`` checks a row as write_row would,
    # writing nothing, and ``start_writing()`` is called between the passes; with them the
    # importer checks the whole file before it writes (see ``run_import``).


class ProgressCallback(Protocol):
    """Told how many rows are done of about ``total`` (None if unknown). ``stage`` is
    given only by a two-pass import: "checking", then "writing" (see ``run_import``)."""

    def __call__(self, processed: int, total: int | None, stage: str | None = None) -> None: ...


# --- checking an upload --------------------------------------------------------------------


# --- reading rows --------------------------------------------------------------------------


def iter_rows(
    fileobj: IO[bytes], file_format: FileFormat, *, sheet_names: Sequence[str] = ()
) -> Iterator[tuple[int, Row]]:
    """(row number, {column: text}) for each non-empty data row, read as a stream.

    Only one row is held at a time. Columns with an empty header are dropped; a header
    that names a column twice is refused. A row whose cells do not match the header's
    columns comes with ``Row.problem`` (see ``_shape_problem``). ``sheet_names``: for a
    workbook, the sheet titles the caller's template uses ("Returns"), the first found
    read when several sheets hold data (``workbooks.sheet_to_read``); CSV ignores it.
    """
    if file_format == "csv":
        return _iter_csv(fileobj)
    if file_format == "xlsx":
        return _iter_xlsx(fileobj, sheet_names=sheet_names)
    raise ValueError(f"unknown file format {file_format!r}")


def iter_json_rows(rows: Iterable[object]) -> Iterator[tuple[int, dict[str, str]]]:
    """JSON rows (a list of objects) numbered from 1, with keys and values as text; a row
    whose keys name one column twice ("Value" and "value ") comes with ``Row.problem``."""
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ImportRejected(
                f"Row {number} is not an object of column names and values.",
                [RowError(number, "", "This row is not an object of column names and values")],
            )
        read = Row()
        for key, value in row.items():
            column = normalise_column(key)
            if column in read and not read.problem:
                # "Value" and "value " name one column: which figure was meant is unknown,
                # as with a CSV header naming a column twice.
                read.problem = f"Row {number} names the column '{column}' more than once"
                read.problem_column = column
            read[column] = _storable(cell_text(value))
        yield number, read


_NUL = "\x00"


def _storable(text: str) -> str:
    """The cell's text, or for a text no database column can hold (PostgreSQL refuses
    the NUL character in any text) a cell problem, reported as a row error."""
    if _NUL in text:
        return CellText.of(
            text.replace(_NUL, ""),
            problem="The cell holds a NUL character (a byte of zeros), which cannot be "
            "stored: remove it, or save the file again from the spreadsheet",
        )
    return text


def _shape_column(texts: Sequence[str], width: int, columns: list[str]) -> str:
    """The column a shape problem is reported under: the first column left without a
    cell, or, for a cell too many, where it stands (spreadsheet letter, no heading)."""
    from openpyxl.utils import get_column_letter

    if len(texts) > width or any(_filled(text) for text in texts[width:]):
        first = next((i for i in range(width, len(texts)) if _filled(texts[i])), width)
        return f"{get_column_letter(first + 1)} (no heading)"
    return next((c for c in columns[len(texts) :] if c), columns[-1] if columns else "")


def _filled(text: str) -> bool:
    return bool(text) or getattr(text, "problem", None) is not None


def _rows_from_table(
    table: Iterator[Sequence[str]], file_format: FileFormat
) -> Iterator[tuple[int, Row]]:
    header = next(table, None)
    if header is None:
        return
    columns = [normalise_column(name) for name in header]
    while columns and not columns[-1]:
        columns.pop()  # the empty cells a spreadsheet writes after the last heading
    named = [column for column in columns if column]
    repeated = sorted({column for column in named if named.count(column) > 1})
    if repeated:
        raise ImportRejected(
            "The header names a column more than once.",
            [
                RowError(1, column, f"The column '{column}' appears more than once")
                for column in repeated
            ],
        )
    width = len(columns)
    every_column_named = all(columns)
    # A CSV cell is plain text; a workbook's may carry a problem for the importer to report.
    usual = WholeRow if file_format == "csv" else Row
    for number, texts in enumerate(table, start=2):
        if every_column_named and len(texts) == width and any(texts) and _NUL not in "".join(texts):
            # The usual row, a cell under each heading and no NUL: the checks below would
            # find no shape problem and change no cell, so it is taken as it is.
            yield number, usual(zip(columns, texts, strict=True))
            continue
        if not any(_filled(text) for text in texts):
            continue
        problem = _shape_problem(number, texts, width, file_format)
        problem_column = _shape_column(texts, width, columns) if problem else ""
        texts = [*texts[:width], *[""] * (width - len(texts))]
        row = Row(
            (column, _storable(text)) for column, text in zip(columns, texts, strict=True) if column
        )
        row.problem, row.problem_column = problem, problem_column
        yield number, row


def _shape_problem(
    number: int, texts: Sequence[str], width: int, file_format: FileFormat
) -> str | None:
    """Why a row's cells cannot be matched to the header's ``width`` columns, or None.

    CSV: cells are told apart only by commas, so a cell too many (an unquoted 1,250) or
    too few moves every value after it into the wrong column. Empty cells after the last
    column are not extra: spreadsheets write them for any column ever used. XLSX: cells
    have addresses and cannot move; a row is never short (an empty cell is an empty
    cell, and openpyxl drops a row's trailing empties), but a value to the right of the
    header is under no column name, so it is refused rather than dropped unseen.
    """
    filled = next((i + 1 for i in range(len(texts) - 1, -1, -1) if _filled(texts[i])), 0)
    columns = _plural(width, "column")
    if filled > width:
        if file_format == "xlsx":
            from openpyxl.utils import get_column_letter

            first = next(i for i in range(width, len(texts)) if _filled(texts[i]))
            return (
                f"Row {number} has a value in cell {get_column_letter(first + 1)}{number}, "
                f"to the right of the header's {columns}: name its column in row 1, or "
                "clear the cell"
            )
        return (
            f"Row {number} has {_plural(filled, 'cell')} but the header names {columns}: "
            "a number with an unquoted thousands separator such as 1,250 splits into two "
            "cells (so does any unquoted comma); put it in quotes or leave the comma out"
        )
    if file_format == "csv" and len(texts) < width:
        return (
            f"Row {number} has {_plural(len(texts), 'cell')} but the header names {columns}: "
            "with a cell missing, the values after it would land in the wrong columns; give "
            "every column its cell, even an empty one"
        )
    return None


def _iter_csv(fileobj: IO[bytes]) -> Iterator[tuple[int, Row]]:
    records = csvfiles.read_records(fileobj)
    try:
        yield from _rows_from_table(records, "csv")
    finally:
        records.close()  # lets go of the file now, while it is still open


def _iter_xlsx(fileobj: IO[bytes], *, sheet_names: Sequence[str] = ()) -> Iterator[tuple[int, Row]]:
    table = workbooks.read_sheet(fileobj, sheet_names=sheet_names)
    header: list[str] = []

    def keeping_header() -> Iterator[list[str]]:
        for number, texts in enumerate(table, start=1):
            if number == 1:
                header.extend(normalise_column(text) for text in texts)
            yield texts

    try:
        yield from _rows_from_table(keeping_header(), "xlsx")
    except workbooks.UnreadableSheet as unreadable:
        column = "" if unreadable.column is None else column_label(header, unreadable.column)
        raise ImportRejected(
            f"Nothing was imported: the workbook cannot be read from row {unreadable.row} on.",
            [RowError(unreadable.row, column, unreadable.message)],
        ) from unreadable
    finally:
        table.close()  # the workbooks close now, not when the generator is collected


def count_rows(
    fileobj: IO[bytes], file_format: FileFormat, *, sheet_names: Sequence[str] = ()
) -> int | None:
    """About how many data rows the file has, for the progress bar; None if unknown.

    CSV: lines after the header (a quoted cell spanning lines counts more than once);
    XLSX: the recorded dimension of the sheet ``iter_rows`` reads, given the same
    ``sheet_names``. Leaves the file at offset 0.
    """
    fileobj.seek(0)
    try:
        if file_format == "csv":
            lines, last = 0, b""
            while chunk := fileobj.read(READ_CHUNK_BYTES):
                lines += chunk.count(b"\n")
                last = chunk
            if last and not last.endswith(b"\n"):
                lines += 1
            return max(lines - 1, 0)

        max_row = workbooks.recorded_rows(fileobj, sheet_names=sheet_names)
        return max(max_row - 1, 0) if max_row else None
    except Exception:  # only an estimate: a damaged file is reported when it is read
        return None
    finally:
        fileobj.seek(0)


# --- running an import ---------------------------------------------------------------------


def _errors_from(error: ValidationError, row_number: int, handler: RowHandler) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(row_number, handler.column_for(field), message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(row_number, "", message) for message in error.messages]


def _reading_errors(row_number: int, row: dict[str, str], read: set[str] | None) -> list[RowError]:
    """What the reader found wrong with the row: its shape, then its cells, in order."""
    found = []
    if getattr(row, "problem", None):
        found.append(RowError(row_number, row.problem_column, row.problem))
    for column, text in row.items():
        # Plain text has no problem; only a workbook's cells (CellText) may carry one.
        problem = None if type(text) is str else getattr(text, "problem", None)
        if problem and (read is None or column in read):
            found.append(RowError(row_number, column, problem))
    return found


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def run_import(
    rows: Iterable[tuple[int, dict[str, str]]],
    handler: RowHandler,
    *,
    max_rows: int,
    progress: ProgressCallback | None = None,
    total: int | None = None,
    progress_every: int = PROGRESS_EVERY,
    read_again: Callable[[], Iterable[tuple[int, dict[str, str]]]] | None = None,
) -> ImportSummary:
    """Write every row through the handler, all or nothing, and report every problem.

    Each row runs in a savepoint, so a bad row leaves nothing behind and the rows after
    it are still checked; at the end, any problem raises ImportRejected inside the outer
    transaction, which undoes the good rows too. Only the problems are kept in memory.
    A row the reader found wrong (``Row.problem``, a cell's ``CellText.problem``) is
    reported and never given to the handler; a cell problem counts only in a column the
    handler reads (its ``columns`` and ``required_columns``; every column if it names
    none), since a column the handler ignores cannot make a row wrong.

    A handler with ``check_row`` (one that writes in batches) is run in two passes when
    ``read_again`` can read the same rows from the start: every row is checked first and
    nothing is written; only a file with no problem is read again and written, row by
    row through ``write_row``. A rejected file then costs no writes (100,000 rows with
    one bad row near the end are refused in a fifth of the time, never holding a write
    lock), and a good one costs the checking once more (about a third longer: the rows
    are checked again as they are written, since the data may have changed in between).
    Progress then says which pass it is in (``stage``: "checking", then "writing").
    """
    two_passes = read_again is not None and hasattr(handler, "check_row")
    if two_passes:
        # Reads only, so outside the transaction that writes: a file refused here never
        # held a write lock (SQLite has one writer for everyone).
        _one_pass(rows, handler, max_rows, progress, total, progress_every, "checking")
        handler.start_writing()
        rows = read_again()
    with transaction.atomic():
        stage = "writing" if two_passes else None
        counts = _one_pass(rows, handler, max_rows, progress, total, progress_every, stage)
    return ImportSummary(**counts)


def _one_pass(
    rows: Iterable[tuple[int, dict[str, str]]],
    handler: RowHandler,
    max_rows: int,
    progress: ProgressCallback | None,
    total: int | None,
    progress_every: int,
    stage: str | None,
) -> dict[str, int]:
    """Every row through the handler once: checked only when ``stage`` is "checking",
    written otherwise. Returns the counts of an ``ImportSummary``; raises ImportRejected
    with every problem found."""
    counts = dict.fromkeys(("created", "updated", "skipped", "unchanged"), 0)
    processed = problems = 0
    errors: list[RowError] = []
    checking = stage == "checking"
    declared = getattr(handler, "columns", None)
    read = None if declared is None else {*declared, *handler.required_columns}
    # Looked up once, not for each of up to 200,000 rows.
    writes_atomically = getattr(handler, "writes_atomically", False)
    handle = handler.check_row if checking else handler.write_row

    def report() -> None:
        if stage is None:
            progress(processed, total)
        else:
            progress(processed, total, stage)

    for row_number, row in _looked_ahead(rows, handler):
        if processed == 0:
            _check_columns(row_number, row, handler)
        processed += 1
        if processed > max_rows:
            raise ImportRejected(
                f"The file has more than {max_rows:,} rows, the most one import takes. "
                "Split it into smaller files."
            )
        found: list[RowError] = []
        if not getattr(row, "whole", False):  # a WholeRow has nothing to report
            found = _reading_errors(row_number, row, read)
            missing = [column for column in handler.required_columns if column not in row]
            if missing:
                error = ValidationError(dict.fromkeys(missing, "This column is missing"))
                found += _errors_from(error, row_number, handler)
        if not found:
            try:
                if checking or writes_atomically:
                    # A handler that checks before it writes, and writes in one atomic
                    # step, needs no savepoint per row: it would only double the queries.
                    outcome = handle(row_number, row)
                else:
                    with transaction.atomic():
                        outcome = handle(row_number, row)
            except ValidationError as error:
                found = _errors_from(error, row_number, handler)
        if found:
            problems += len(found)
            errors.extend(found[: max(0, MAX_LISTED_ERRORS - len(errors))])
        elif outcome in counts:
            counts[outcome] += 1
        if progress is not None and processed % progress_every == 0:
            report()
    if processed == 0:
        raise ImportRejected("The file has no rows to import.")
    finish = getattr(handler, "finish", None)
    if finish is not None and not problems and not checking:
        # A handler that writes in batches (referrals) writes its last batch here.
        finish()
    if progress is not None:
        report()
    if problems:
        more = problems - len(errors)
        message = f"Nothing was imported: {_plural(problems, 'problem')} found."
        if more:
            message += f" The first {len(errors):,} are listed; {more:,} more are not."
        raise ImportRejected(message, errors, more)
    return {**counts, "rows": processed}


def _looked_ahead(
    rows: Iterable[tuple[int, dict[str, str]]], handler: RowHandler
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows as they come; a handler with ``look_ahead`` sees each chunk first."""
    look_ahead = getattr(handler, "look_ahead", None)
    if look_ahead is None:
        yield from rows
        return
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, LOOK_AHEAD_ROWS)):
        look_ahead(chunk)
        yield from chunk


def _check_columns(row_number: int, row: dict[str, str], handler: RowHandler) -> None:
    missing = [column for column in handler.required_columns if column not in row]
    if missing:
        names = ", ".join(missing)
        raise ImportRejected(
            f"The file has no {names} column: nothing was imported.",
            [RowError(1, names, f"Required column missing: {names}")],
        )
