"""The one date rule (DESIGN.md section 3, "Periods"): ``dates.london_date``.

A date-time with an offset or ``Z`` is an instant, converted to Europe/London before its
date is taken; one without is London time already. In 2026 the clocks go forward at
01:00 GMT on Sunday 29 March (01:00 GMT becomes 02:00 BST) and back at 01:00 GMT on
Sunday 25 October (02:00 BST becomes 01:00 GMT). The financial year 2026-27 starts on
1 April 2026, in BST, so 23:30 UTC on 31 March is already 1 April in London.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from departments.dates import LONDON, london_date
from departments.periods import period_for_date


@pytest.mark.parametrize(
    ("text", "expected", "period"),
    [
        # The financial-year boundary, in BST (UTC+1).
        ("2026-03-31T22:59:59Z", date(2026, 3, 31), "2025-26-P12"),  # 23:59:59 BST
        ("2026-03-31T23:00:00Z", date(2026, 4, 1), "2026-27-P01"),  # 00:00 BST
        ("2026-03-31T23:30:00Z", date(2026, 4, 1), "2026-27-P01"),  # 00:30 BST
        ("2026-04-01T00:30:00+01:00", date(2026, 4, 1), "2026-27-P01"),
        ("2026-03-31T23:30:00+00:00", date(2026, 4, 1), "2026-27-P01"),
        ("2026-03-31T19:30:00-04:00", date(2026, 4, 1), "2026-27-P01"),  # 23:30Z
        # Without an offset the time is London time: the date is the one written.
        ("2026-03-31T23:30:00", date(2026, 3, 31), "2025-26-P12"),
        ("2026-03-31 23:30", date(2026, 3, 31), "2025-26-P12"),
        ("2026-04-01T00:30:00", date(2026, 4, 1), "2026-27-P01"),
        # A month end in winter (GMT): 23:30 UTC is 23:30 in London, the same day.
        ("2026-01-31T23:30:00Z", date(2026, 1, 31), "2025-26-P10"),
        ("2026-02-01T00:30:00Z", date(2026, 2, 1), "2025-26-P11"),
    ],
)
def test_the_financial_year_boundary(text, expected, period):
    assert london_date(text) == expected
    assert period_for_date(london_date(text)).key == period


def test_the_worked_example_of_minus_five_hours():
    # 18:30 at UTC-5 is 23:30 UTC, which is 00:30 BST on 1 April.
    assert london_date("2026-03-31T18:30:00-05:00") == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Saturday 28 March, GMT.
        ("2026-03-28T23:30:00Z", date(2026, 3, 28)),
        ("2026-03-29T00:00:00Z", date(2026, 3, 29)),
        # 00:30Z is 00:30 GMT; 01:30Z is 02:30 BST (01:00 to 02:00 London never happens).
        ("2026-03-29T00:30:00Z", date(2026, 3, 29)),
        ("2026-03-29T01:30:00Z", date(2026, 3, 29)),
        ("2026-03-29T02:30:00+01:00", date(2026, 3, 29)),
        # 22:59Z is 23:59 BST, still the 29th; 23:00Z is midnight BST, the 30th.
        ("2026-03-29T22:59:00Z", date(2026, 3, 29)),
        ("2026-03-29T23:00:00Z", date(2026, 3, 30)),
        ("2026-03-29T23:30:00Z", date(2026, 3, 30)),
        # A London time that does not exist that night still names its day.
        ("2026-03-29T01:30:00", date(2026, 3, 29)),
    ],
)
def test_the_day_the_clocks_go_forward(text, expected):
    assert london_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Saturday 24 October, BST: 22:59Z is 23:59 BST, 23:00Z is midnight BST on the 25th.
        ("2026-10-24T22:59:00Z", date(2026, 10, 24)),
        ("2026-10-24T23:00:00Z", date(2026, 10, 25)),
        # 00:30Z is 01:30 BST; 01:30Z is 01:30 GMT (01:00 to 02:00 London happens twice).
        ("2026-10-25T00:30:00Z", date(2026, 10, 25)),
        ("2026-10-25T01:30:00Z", date(2026, 10, 25)),
        ("2026-10-25T01:30:00+01:00", date(2026, 10, 25)),
        ("2026-10-25T01:30:00+00:00", date(2026, 10, 25)),
        # From then on GMT: 23:30Z is 23:30 on the 25th, midnight UTC is the 26th.
        ("2026-10-25T23:30:00Z", date(2026, 10, 25)),
        ("2026-10-26T00:00:00Z", date(2026, 10, 26)),
        ("2026-10-26T00:30:00+01:00", date(2026, 10, 25)),  # 23:30Z on the 25th, GMT
        # A London time that happens twice that night names one day all the same.
        ("2026-10-25T01:30:00", date(2026, 10, 25)),
    ],
)
def test_the_day_the_clocks_go_back(text, expected):
    assert london_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01", date(2026, 4, 1)),
        ("  2026-04-01 ", date(2026, 4, 1)),
        ("2026-04-01T09:30", date(2026, 4, 1)),
        ("2026-04-01t09:30:15.123456z", date(2026, 4, 1)),
        ("2026-04-01T00:30:00.5+0100", date(2026, 4, 1)),
        ("2026-04-01T00:30+01", date(2026, 4, 1)),
        # en-GB, day first.
        ("01/04/2026", date(2026, 4, 1)),
        ("1/4/2026", date(2026, 4, 1)),
        ("04/01/2026", date(2026, 1, 4)),
        ("31/03/2026 23:30", date(2026, 3, 31)),  # London time, as written
        # In words, day first, as the product writes dates and forms' hints give them.
        ("14 January 2027", date(2027, 1, 14)),
        ("1 apr 2026", date(2026, 4, 1)),
        ("30 Sept 2026", date(2026, 9, 30)),
        # Excel date serials: days since 30 December 1899.
        ("46113", date(2026, 4, 1)),
        ("46112", date(2026, 3, 31)),
        ("46113.99", date(2026, 4, 1)),  # 23:45 London time on 1 April
        ("32874", date(1990, 1, 1)),
        ("73415", date(2100, 12, 31)),
    ],
)
def test_the_forms_a_date_is_written_in(text, expected):
    assert london_date(text) == expected


GENERAL = (
    "is not a date: write it as 2026-04-01 or 01/04/2026, or as a date and time such as "
    "2026-04-01T09:30:00+01:00"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a date, such as 2026-04-01"),
        ("   ", "Enter a date, such as 2026-04-01"),
        ("01/04/26", "'01/04/26' has a two-digit year: write the year in full, such as 01/04/2026"),
        ("1/4/26 09:30", "'1/4/26 09:30' has a two-digit year: write the year in full, such as "
         "01/04/2026"),
        ("31/02/2026", "'31/02/2026' is not a date in the calendar (dates are written day "
         "first, as 13/04/2026)"),
        ("04/13/2026", "'04/13/2026' is not a date in the calendar (dates are written day "
         "first, as 13/04/2026)"),
        ("2026-02-29", "'2026-02-29' is not a date in the calendar"),
        ("2026-13-01", "'2026-13-01' is not a date in the calendar"),
        ("2026-04-01T24:00", "'2026-04-01T24:00' does not have a time of day from 00:00 to 23:59"),
        ("2026-04-01T10:60", "'2026-04-01T10:60' does not have a time of day from 00:00 to 23:59"),
        ("2026-04-01T10:00+24:00", "'2026-04-01T10:00+24:00' has an offset that is not a time "
         "difference"),
        ("2026", "'2026' is not a date: a whole number is read as an Excel date serial, from "
         "32874 (1 January 1990) to 73415 (31 December 2100)"),
        ("32873", "'32873' is not a date: a whole number is read as an Excel date serial, from "
         "32874 (1 January 1990) to 73415 (31 December 2100)"),
        ("73416", "'73416' is not a date: a whole number is read as an Excel date serial, from "
         "32874 (1 January 1990) to 73415 (31 December 2100)"),
        ("0226-04-01", "'0226-04-01' is outside the dates this product takes: 1 January 1900 "
         "to 31 December 2100"),
        ("9999-12-31T23:30:00-05:00", "'9999-12-31T23:30:00-05:00' is outside the dates this "
         "product takes: 1 January 1900 to 31 December 2100"),
        ("yesterday", f"'yesterday' {GENERAL}"),
        ("31 February 2027", "'31 February 2027' is not a date in the calendar"),
        ("14 Smarch 2027", f"'14 Smarch 2027' {GENERAL}"),
        ("January 14 2027", f"'January 14 2027' {GENERAL}"),  # day first only
        ("2026/04/01", f"'2026/04/01' {GENERAL}"),
        ("20260401", f"'20260401' {GENERAL}"),
        ("-46113", f"'-46113' {GENERAL}"),
        ("2026-04-01T09:30:00Z[Europe/London]", f"'2026-04-01T09:30:00Z[Europe/London]' "
         f"{GENERAL}"),
        ("٢٠٢٦-٠٤-٠١", f"'٢٠٢٦-٠٤-٠١' {GENERAL}"),  # Arabic-Indic digits
        ("x" * 50, f"'{'x' * 40}…' {GENERAL}"),  # a pasted paragraph is not quoted whole
    ],
)  # fmt: skip
def test_anything_else_is_a_plain_error(text, message):
    with pytest.raises(ValueError) as error:
        london_date(text)
    assert str(error.value) == message


def test_only_text_is_read():
    with pytest.raises(ValueError, match="Enter a date"):
        london_date(46113)  # type: ignore[arg-type]


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 2),
        max_value=datetime(2100, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
        ),
    )
)
def test_an_instant_gives_the_date_the_london_clock_shows(moment):
    """Against the tz database: any instant, written with its offset, with or without
    seconds, gives the date a clock in London showed at that instant."""
    shown = moment.astimezone(LONDON).date()
    assert london_date(moment.isoformat()) == shown
    assert london_date(moment.isoformat(sep=" ", timespec="seconds")) == shown
    naive = moment.replace(tzinfo=None)
    assert london_date(naive.isoformat()) == naive.date()  # London time as written
    assert london_date(f"{naive:%d/%m/%Y %H:%M}") == naive.date()
