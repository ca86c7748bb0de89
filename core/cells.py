"""What reading a tabular file yields, for the row engine (``core.importer``) and the
workbook reader (``core.workbooks``) alike: the text of a cell with what the spreadsheet
said about it, a problem on a row, and the refusal of a whole file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal


@dataclass(frozen=True)
class RowError:
    """One problem: the row as a person sees it, the file's column name, plain words."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    """The file was refused: nothing was stored. ``errors`` lists every problem found.

    ``more`` counts the problems beyond the first ``MAX_LISTED_ERRORS``, which are not
    kept: a file with a systematic mistake would otherwise fill memory and the page.
    """

    def __init__(self, message: str, errors: list[RowError] | None = None, more: int = 0):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.more = more


class CellText(str):
    """The text of one cell as a person sees it, with what the spreadsheet said about it.

    ``percent_format``: the cell was a number formatted as a percentage; the text is the
    number shown (``96`` for a cell showing 96%, stored by Excel as 0.96), exact and not
    rounded to the places the format shows (0.965 under "0%" shows 97% but is ``96.5``:
    the person typed 96.5, the format only decides how much of it is displayed). Only
    the row handler knows whether a percentage belongs in that column
    (``percent_cell_problem``).
    ``problem``: the cell cannot be read as it stands (a formula with no saved value, a
    spreadsheet error such as #DIV/0!); the importer reports it as a row error naming
    the column and never calls the handler for that row.
    """

    percent_format: bool = False
    problem: str | None = None
    date_1904: bool = False  # a number in a workbook whose dates count from 1 January 1904

    @classmethod
    def of(
        cls,
        text: str,
        *,
        percent_format: bool = False,
        problem: str | None = None,
        date_1904: bool = False,
    ):
        cell = cls(text)
        cell.percent_format = percent_format
        cell.problem = problem
        cell.date_1904 = date_1904
        return cell


def normalise_column(name: object) -> str:
    """ " Indicator Code " -> "indicator_code": forgiving of how people type headers."""
    return "_".join(cell_text(name).lower().split())


def column_label(header: list[str] | tuple[str, ...], index: int) -> str:
    """How a message names the 0-based column ``index``: the header's (normalised) name,
    or its spreadsheet letter where the header names none ("C (no heading)"), or when the
    row is the header itself (``header`` empty: "C")."""
    from openpyxl.utils import get_column_letter

    if index < len(header) and header[index]:
        return header[index]
    return get_column_letter(index + 1) + (" (no heading)" if header else "")


def cell_text(value: object) -> str:
    """A cell as the text a person typed, whatever the file format stored.

    Whole-number floats lose their ".0" (Excel stores every number as a float), other
    floats keep their shortest exact spelling (0.1, not 0.1000000000000000055), dates
    are ISO dates, and text is stripped.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(str(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
