"""Dates as people write them, read by one rule (DESIGN.md section 3, "Periods"):
``london_date``, called by every form field, API field and import column that takes a date.

A date is the Europe/London calendar day it names: ISO dates and times (a time with an
offset is moved to London first), UK day-first dates (01/04/2026), Excel serials and dates in
words, day first ("14 January 2027"). Anything else, an impossible day or a year outside the
product's range is refused with a message that names what was typed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from datetime import timezone as fixed_offset
from zoneinfo import ZoneInfo

from departments.numbers import quoted
from departments.periods import MONTH_NAMES

LONDON = ZoneInfo("Europe/London")
# Dates a person can mean in this product's records; anything outside is a typing slip
# ("0226" for 2026) that would otherwise be filed in a year nobody looks at.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# Excel counts days from 30 December 1899 for every date after February 1900 (its day 60
# is the 29 February 1900 that never was, kept from Lotus 1-2-3), so serial 46113 is
# 1 April 2026. Only serials of 1990 to 2100 are taken: a small whole number in a date
# column (2026, 45) is far likelier a slip than a date in the 1900s.
_EXCEL_DAY_ZERO = date(1899, 12, 30)
# Old Mac Excel workbooks (the "1904 date system") count from 1 January 1904 instead.
_EXCEL_1904_DAY_ZERO = date(1904, 1, 1)

_TIME = r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,][0-9]+)?)?"
_ISO_DATE_TIME_RE = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    rf"(?:[Tt ]{_TIME}"
    r"(?P<offset>[Zz]|(?P<sign>[+-])(?P<off_hour>[0-9]{2})(?::?(?P<off_minute>[0-9]{2}))?)?)?"
)
_UK_DATE_RE = re.compile(
    rf"(?P<day>[0-9]{{1,2}})/(?P<month>[0-9]{{1,2}})/(?P<year>[0-9]{{4}})(?: {_TIME})?"
)
_UK_SHORT_YEAR_RE = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}(?: .*)?")
_SERIAL_RE = re.compile(r"(?P<days>[0-9]{1,7})(?:\.[0-9]+)?")
# A date written in words, day first, as the product writes dates itself: "14 January 2027"
# (or "14 Jan 2027"; any case). The month names the product writes (MONTH_NAMES),
# whatever the server's locale.
_MONTH_NUMBERS = {
    form.lower(): number
    for number, name in enumerate(MONTH_NAMES, start=1)
    for form in (name, name[:3])
}
_MONTH_NUMBERS["sept"] = 9
_WORDS_DATE_RE = re.compile(r"(?P<day>[0-9]{1,2}) (?P<month>[A-Za-z]+) (?P<year>[0-9]{4})")
_DATE_FORMS = (
    "write it as 2026-04-01 or 01/04/2026, or as a date and time such as 2026-04-01T09:30:00+01:00"
)


def _calendar_date(text: str, year: str, month: str, day: str, *, day_first: bool) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        hint = " (dates are written day first, as 13/04/2026)" if day_first else ""
        raise ValueError(f"{quoted(text)} is not a date in the calendar{hint}") from None


def _check_time(text: str, match: re.Match) -> None:
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{quoted(text)} does not have a time of day from 00:00 to 23:59")


def london_date(text: str) -> date:
    """The date in Europe/London of a date or date-time as people and systems write it.

    Accepted (surrounding spaces ignored):

    - an ISO date, ``2026-04-01``;
    - an ISO date-time, with ``T`` or a space between date and time, seconds and
      fractions optional: with an offset or ``Z`` it is an instant, converted to
      Europe/London before the date is taken (``2026-03-31T23:30:00Z`` is 00:30 BST on
      1 April, so 2026-04-01); without one it is London time already, so its date is
      the date written (DESIGN.md section 3, "Periods");
    - an en-GB written date, day first as UK councils type it, ``01/04/2026`` or
      ``1/4/2026``, optionally with a London time ``01/04/2026 09:30``. A two-digit year
      (``01/04/26``) is refused: it does not say its century;
    - a date in words, day first, ``1 April 2026`` or ``1 Apr 2026``, as the product
      writes dates (and as a form's hint gives them);
    - an Excel date serial, the whole number a date cell holds when its format is lost:
      ``46113`` is 2026-04-01. A fraction is the London time of day and is dropped.
      Only serials from 32874 (1 January 1990) to 73415 (31 December 2100) are taken.

      A cell of a workbook that counts dates from 1904 (``text.date_1904``, set by the
      importer's workbook reader) counts from 1 January 1904 instead, so the same serial
      in both date systems gives the date the person saw.

    Returns a ``datetime.date`` from 1 January 1900 to 31 December 2100. Raises
    ValueError with a plain-English message quoting the text for anything else.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("Enter a date, such as 2026-04-01")
    day_zero = _EXCEL_1904_DAY_ZERO if getattr(text, "date_1904", False) else _EXCEL_DAY_ZERO
    text = text.strip()
    if match := _ISO_DATE_TIME_RE.fullmatch(text):
        day = _calendar_date(text, match["year"], match["month"], match["day"], day_first=False)
        if match["hour"] is not None:
            _check_time(text, match)
        if match["offset"]:
            # Range first: a date-time at the edge of the calendar cannot be shifted.
            day = _instant_in_london(text, match, _in_range(text, day))
    elif match := _UK_DATE_RE.fullmatch(text):
        day = _calendar_date(text, match["year"], match["month"], match["day"], day_first=True)
        if match["hour"] is not None:
            _check_time(text, match)
    elif (match := _WORDS_DATE_RE.fullmatch(text)) and (
        month := _MONTH_NUMBERS.get(match["month"].lower())
    ):
        day = _calendar_date(text, match["year"], str(month), match["day"], day_first=False)
    elif _UK_SHORT_YEAR_RE.fullmatch(text):
        raise ValueError(
            f"{quoted(text)} has a two-digit year: write the year in full, such as 01/04/2026"
        )
    elif match := _SERIAL_RE.fullmatch(text):
        serial = int(match["days"])
        first, last = (
            (date(1990, 1, 1) - day_zero).days,
            (date(2100, 12, 31) - day_zero).days,
        )
        if not first <= serial <= last:
            raise ValueError(
                f"{quoted(text)} is not a date: a whole number is read as an Excel date "
                f"serial, from {first} (1 January 1990) to {last} (31 December 2100)"
            )
        day = day_zero + timedelta(days=serial)
    else:
        raise ValueError(f"{quoted(text)} is not a date: {_DATE_FORMS}")
    return _in_range(text, day)


def _in_range(text: str, day: date) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(
            f"{quoted(text)} is outside the dates this product takes: "
            "1 January 1900 to 31 December 2100"
        )
    return day


def _instant_in_london(text: str, match: re.Match, day: date) -> date:
    """The London date of a date-time written with an offset (``Z`` is +00:00)."""
    offset = timedelta(0)
    if match["sign"]:
        hours, minutes = int(match["off_hour"]), int(match["off_minute"] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"{quoted(text)} has an offset that is not a time difference")
        offset = timedelta(hours=hours, minutes=minutes)
        offset = -offset if match["sign"] == "-" else offset
    moment = datetime(
        day.year,
        day.month,
        day.day,
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        tzinfo=fixed_offset(offset),
    )
    return moment.astimezone(LONDON).date()
