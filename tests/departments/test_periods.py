"""Tests for departments.periods: keys, labels, navigation and working-day deadlines.

Every date below was checked by hand against the real calendar and the published bank
holidays of England and Wales; no test needs the database or Django settings.
"""

from datetime import date

import holidays
import pytest

from departments import periods
from departments.periods import (
    FREQUENCY_KINDS,
    RETURN_DEADLINE_WORKING_DAYS,
    SLA_RESULT_DEADLINE_WORKING_DAYS,
    Period,
    PeriodKind,
    financial_year_of,
    is_working_day,
    kind_for_frequency,
    latest_closed,
    period_for_date,
    periods_between,
    periods_of_year,
    working_days_after,
    working_days_between,
)

# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind", "number"),
    [
        ("2025-26", PeriodKind.YEAR, 1),
        ("2025-26-P01", PeriodKind.MONTH, 1),
        ("2025-26-P06", PeriodKind.MONTH, 6),
        ("2025-26-P12", PeriodKind.MONTH, 12),
        ("2025-26-Q1", PeriodKind.QUARTER, 1),
        ("2025-26-Q4", PeriodKind.QUARTER, 4),
        ("1999-00", PeriodKind.YEAR, 1),  # the century rolls over in the second half
    ],
)
def test_parse_and_key_round_trip(key, kind, number):
    period = Period.parse(key)
    assert (period.kind, period.number) == (kind, number)
    assert period.key == key
    assert str(period) == key
    assert Period.parse(period.key) == period


def test_every_period_of_a_year_round_trips():
    for kind in PeriodKind:
        for period in periods_of_year(2025, kind):
            assert Period.parse(period.key) == period


def test_constructors_match_parse():
    assert Period.month(2025, 6) == Period.parse("2025-26-P06")
    assert Period.quarter(2025, 2) == Period.parse("2025-26-Q2")
    assert Period.financial_year(2025) == Period.parse("2025-26")
    assert Period.parse("2025-26-P06").year == 2025


@pytest.mark.parametrize(
    "key",
    [
        "",
        "2025-27",  # second half must be the next year
        "2025-25",
        "2025-26-P00",
        "2025-26-P13",
        "2025-26-Q0",
        "2025-26-Q5",
        "2025-26-Q02",
        "2025-26-P6",  # months always take two digits
        "2025-26-P006",
        "25-26",
        "2025-2026",
        "2025/26",
        "2025-26-X01",
        "2025-26-p06",  # strict: one spelling per period, so lower case is refused
        "2025-26-q2",
        " 2025-26",
        "2025-26\n",
        "2025\u201326",  # en dash pasted from a document
        "\u0662\u0660\u0662\u0665-26",  # Arabic-Indic digits match \d but are not a key
    ],
)
def test_bad_keys_raise_value_error_naming_the_key(key):
    with pytest.raises(ValueError) as excinfo:
        Period.parse(key)
    message = str(excinfo.value)
    assert repr(key) in message
    assert "2025-26-P06" in message and "2025-26-Q2" in message


def test_bad_key_message_is_exact():
    with pytest.raises(ValueError) as excinfo:
        Period.parse("2025-26-P13")
    assert str(excinfo.value) == (
        "'2025-26-P13' is not a period key: expected a financial year such as 2025-26, "
        "a month such as 2025-26-P06 or a quarter such as 2025-26-Q2"
    )


def test_parse_refuses_non_strings():
    with pytest.raises(ValueError, match="None"):
        Period.parse(None)


@pytest.mark.parametrize(
    ("year", "kind", "number"),
    [
        (2025, PeriodKind.MONTH, 0),
        (2025, PeriodKind.MONTH, 13),
        (2025, PeriodKind.QUARTER, 5),
        (2025, PeriodKind.YEAR, 2),
        (2025, "week", 1),
        ("2025", PeriodKind.MONTH, 1),
        (99, PeriodKind.YEAR, 1),
        (2025, PeriodKind.MONTH, True),
    ],
)
def test_constructor_validates(year, kind, number):
    with pytest.raises(ValueError):
        Period(year, kind, number)


def test_kind_given_as_string_is_stored_as_enum():
    period = Period(2025, "month", 6)
    assert period.kind is PeriodKind.MONTH
    assert period == Period.month(2025, 6)
    assert hash(period) == hash(Period.month(2025, 6))


def test_repr_shows_the_key():
    assert repr(Period.parse("2025-26-Q2")) == "Period.parse('2025-26-Q2')"


# --- dates and the year boundary -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2025-26", date(2025, 4, 1), date(2026, 3, 31)),
        ("2025-26-P01", date(2025, 4, 1), date(2025, 4, 30)),
        ("2025-26-P06", date(2025, 9, 1), date(2025, 9, 30)),
        ("2025-26-P09", date(2025, 12, 1), date(2025, 12, 31)),
        ("2025-26-P10", date(2026, 1, 1), date(2026, 1, 31)),
        ("2025-26-P12", date(2026, 3, 1), date(2026, 3, 31)),
        ("2023-24-P11", date(2024, 2, 1), date(2024, 2, 29)),  # leap February
        ("2025-26-P11", date(2026, 2, 1), date(2026, 2, 28)),
        ("2025-26-Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-26-Q3", date(2025, 10, 1), date(2025, 12, 31)),
        ("2025-26-Q4", date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_start_and_end_are_inclusive(key, start, end):
    period = Period.parse(key)
    assert (period.start, period.end) == (start, end)
    assert period.contains(start) and period.contains(end)
    assert not period.contains(date.fromordinal(start.toordinal() - 1))
    assert not period.contains(date.fromordinal(end.toordinal() + 1))


def test_financial_year_boundary():
    assert financial_year_of(date(2025, 4, 1)) == 2025
    assert financial_year_of(date(2026, 3, 31)) == 2025
    assert financial_year_of(date(2026, 4, 1)) == 2026
    assert period_for_date(date(2026, 3, 31)) == Period.parse("2025-26-P12")
    assert period_for_date(date(2026, 4, 1)) == Period.parse("2026-27-P01")
    assert period_for_date(date(2026, 1, 15), PeriodKind.QUARTER) == Period.parse("2025-26-Q4")
    assert period_for_date(date(2025, 6, 30), PeriodKind.QUARTER) == Period.parse("2025-26-Q1")
    assert period_for_date(date(2025, 7, 1), PeriodKind.QUARTER) == Period.parse("2025-26-Q2")
    assert period_for_date(date(2026, 3, 31), PeriodKind.YEAR) == Period.parse("2025-26")


def test_next_and_previous_cross_financial_years():
    assert Period.parse("2025-26-P12").next() == Period.parse("2026-27-P01")
    assert Period.parse("2026-27-P01").previous() == Period.parse("2025-26-P12")
    assert Period.parse("2025-26-Q1").previous() == Period.parse("2024-25-Q4")
    assert Period.parse("2025-26-Q4").next() == Period.parse("2026-27-Q1")
    assert Period.parse("2025-26-P06").next() == Period.parse("2025-26-P07")
    assert Period.parse("2025-26").next() == Period.parse("2026-27")
    assert Period.parse("2025-26").previous() == Period.parse("2024-25")


def test_position_in_year():
    month, quarter, year = (Period.parse(k) for k in ("2025-26-P06", "2025-26-Q2", "2025-26"))
    assert (month.index_in_year, quarter.index_in_year, year.index_in_year) == (6, 2, 1)
    assert (month.periods_in_year, quarter.periods_in_year, year.periods_in_year) == (12, 4, 1)
    assert month.year_key == quarter.year_key == year.year_key == "2025-26"
    assert month.year_period == quarter.year_period == year.year_period == year


def test_same_period_last_year():
    assert Period.parse("2025-26-Q2").same_period_last_year() == Period.parse("2024-25-Q2")
    assert Period.parse("2025-26-P12").same_period_last_year() == Period.parse("2024-25-P12")
    assert Period.parse("2025-26").same_period_last_year() == Period.parse("2024-25")


def test_months_inside():
    assert Period.parse("2025-26-P06").months() == [Period.parse("2025-26-P06")]
    assert [p.key for p in Period.parse("2025-26-Q4").months()] == [
        "2025-26-P10",
        "2025-26-P11",
        "2025-26-P12",
    ]
    year_months = Period.parse("2025-26").months()
    assert len(year_months) == 12
    assert (year_months[0].key, year_months[-1].key) == ("2025-26-P01", "2025-26-P12")


def test_periods_to_date():
    assert [p.key for p in Period.parse("2025-26-P03").periods_to_date()] == [
        "2025-26-P01",
        "2025-26-P02",
        "2025-26-P03",
    ]
    assert Period.parse("2025-26-Q1").periods_to_date() == [Period.parse("2025-26-Q1")]
    assert len(Period.parse("2025-26-P12").periods_to_date()) == 12
    assert Period.parse("2025-26").periods_to_date() == [Period.parse("2025-26")]


def test_periods_of_year():
    assert [p.key for p in periods_of_year(2025, PeriodKind.QUARTER)] == [
        "2025-26-Q1",
        "2025-26-Q2",
        "2025-26-Q3",
        "2025-26-Q4",
    ]
    assert len(periods_of_year(2025, PeriodKind.MONTH)) == 12
    assert periods_of_year(2025, PeriodKind.YEAR) == [Period.parse("2025-26")]


def test_periods_between_is_inclusive_across_years():
    first, last = Period.parse("2025-26-P11"), Period.parse("2026-27-P02")
    assert [p.key for p in periods_between(first, last)] == [
        "2025-26-P11",
        "2025-26-P12",
        "2026-27-P01",
        "2026-27-P02",
    ]
    assert periods_between(first, first) == [first]
    assert periods_between(last, first) == []  # backwards ranges are empty, like range()


def test_periods_between_refuses_mixed_kinds():
    with pytest.raises(ValueError, match="same kind"):
        periods_between(Period.parse("2025-26-P01"), Period.parse("2025-26-Q2"))


def test_sorting_across_kinds():
    keys = ["2025-26-Q2", "2025-26", "2025-26-P06", "2025-26-Q1", "2024-25-P12", "2025-26-P01"]
    ordered = sorted(Period.parse(k) for k in keys)
    # By start date; on the same start (1 April 2025) the month, then quarter, then year.
    assert [p.key for p in ordered] == [
        "2024-25-P12",
        "2025-26-P01",
        "2025-26-Q1",
        "2025-26",
        "2025-26-Q2",
        "2025-26-P06",
    ]
    assert Period.parse("2025-26-P01") <= Period.parse("2025-26-P01")
    assert Period.parse("2025-26-P12") > Period.parse("2025-26-Q4")


def test_periods_are_hashable():
    lookup = {Period.parse("2025-26-P06"): "x"}
    assert lookup[Period.month(2025, 6)] == "x"
    assert len({Period.parse("2025-26-Q2"), Period.quarter(2025, 2)}) == 1


# --- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label", "short_label"),
    [
        ("2025-26-P06", "September 2025 (P06 2025/26)", "Sep 2025"),
        ("2025-26-P01", "April 2025 (P01 2025/26)", "Apr 2025"),
        ("2025-26-P10", "January 2026 (P10 2025/26)", "Jan 2026"),
        ("2025-26-P12", "March 2026 (P12 2025/26)", "Mar 2026"),
        ("2025-26-Q2", "Q2 2025/26 (July to September 2025)", "Q2 2025/26"),
        ("2025-26-Q3", "Q3 2025/26 (October to December 2025)", "Q3 2025/26"),
        ("2025-26-Q4", "Q4 2025/26 (January to March 2026)", "Q4 2025/26"),
        ("2025-26", "2025/26", "2025/26"),
        ("1999-00", "1999/00", "1999/00"),
    ],
)
def test_labels(key, label, short_label):
    period = Period.parse(key)
    assert period.label == label
    assert period.short_label == short_label


# --- has_ended and latest_closed -------------------------------------------------------------


def test_has_ended_only_after_the_last_day():
    p12 = Period.parse("2025-26-P12")
    assert not p12.has_ended(today=date(2026, 3, 31))  # still running on its last day
    assert p12.has_ended(today=date(2026, 4, 1))


def test_has_ended_defaults_to_local_date(monkeypatch):
    # No settings here, so stand in for timezone.localdate(), which reads Europe/London.
    monkeypatch.setattr(periods.timezone, "localdate", lambda: date(2026, 4, 1))
    assert Period.parse("2025-26-P12").has_ended()
    assert latest_closed() == Period.parse("2025-26-P12")


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        (PeriodKind.MONTH, date(2026, 4, 1), "2025-26-P12"),
        (PeriodKind.MONTH, date(2026, 3, 31), "2025-26-P11"),
        (PeriodKind.MONTH, date(2025, 4, 1), "2024-25-P12"),
        (PeriodKind.QUARTER, date(2025, 11, 15), "2025-26-Q2"),
        (PeriodKind.QUARTER, date(2026, 4, 1), "2025-26-Q4"),
        (PeriodKind.QUARTER, date(2025, 6, 30), "2024-25-Q4"),
        (PeriodKind.YEAR, date(2026, 4, 1), "2025-26"),
        (PeriodKind.YEAR, date(2026, 3, 31), "2024-25"),
    ],
)
def test_latest_closed(kind, today, expected):
    closed = latest_closed(kind, today=today)
    assert closed == Period.parse(expected)
    assert closed.has_ended(today)
    assert not closed.next().has_ended(today)


# --- frequencies -----------------------------------------------------------------------------


def test_kind_for_frequency():
    assert kind_for_frequency("monthly") is PeriodKind.MONTH
    assert kind_for_frequency("quarterly") is PeriodKind.QUARTER
    assert kind_for_frequency("annual") is PeriodKind.YEAR
    assert set(FREQUENCY_KINDS) == {"monthly", "quarterly", "annual"}


@pytest.mark.parametrize("frequency", ["weekly", "Monthly", "", None])
def test_unknown_frequency_raises(frequency):
    with pytest.raises(ValueError, match=repr(frequency)):
        kind_for_frequency(frequency)


# --- working days ----------------------------------------------------------------------------


def test_constants():
    assert RETURN_DEADLINE_WORKING_DAYS == 15
    assert SLA_RESULT_DEADLINE_WORKING_DAYS == 10


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 9, 1), True),  # Monday
        (date(2025, 9, 6), False),  # Saturday
        (date(2025, 9, 7), False),  # Sunday
        (date(2025, 12, 25), False),  # Christmas Day, Thursday
        (date(2025, 12, 26), False),  # Boxing Day, Friday
        (date(2025, 12, 29), True),
        (date(2026, 1, 1), False),  # New Year's Day, Thursday
        (date(2026, 1, 2), True),
        (date(2025, 4, 18), False),  # Good Friday 2025
        (date(2025, 4, 21), False),  # Easter Monday 2025
        (date(2026, 4, 3), False),  # Good Friday 2026
        (date(2026, 4, 6), False),  # Easter Monday 2026
        (date(2026, 8, 31), False),  # Summer bank holiday (England and Wales, not Scotland)
        (date(2026, 12, 28), False),  # Boxing Day substitute: 26 Dec 2026 is a Saturday
        (date(2027, 12, 27), False),  # Christmas substitute: 25 Dec 2027 is a Saturday
        (date(2027, 12, 28), False),  # Boxing Day substitute: 26 Dec 2027 is a Sunday
        (date(2027, 12, 29), True),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_substitute_day_agrees_with_holidays_package():
    published = holidays.country_holidays("GB", subdiv="ENG", years=2026)
    assert date(2026, 12, 26).weekday() == 5  # Saturday
    assert "Boxing Day" in published.get(date(2026, 12, 28))
    # Thu 24 Dec 2026 -> Fri 25 Christmas, Sat 26, Sun 27, Mon 28 substitute -> Tue 29.
    assert working_days_after(date(2026, 12, 24), 1) == date(2026, 12, 29)


def test_christmas_2025():
    # Wed 24 Dec 2025 -> Thu 25 and Fri 26 bank holidays, weekend 27-28:
    # 1 Mon 29, 2 Tue 30, 3 Wed 31 Dec, (Thu 1 Jan holiday), 4 Fri 2 Jan 2026.
    assert working_days_after(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert working_days_after(date(2025, 12, 24), 3) == date(2025, 12, 31)
    assert working_days_after(date(2025, 12, 24), 4) == date(2026, 1, 2)
    assert working_days_between(date(2025, 12, 24), date(2026, 1, 2)) == 4


def test_december_2025_return_deadline():
    # P09 2025-26 ends Wed 31 Dec 2025; Thu 1 Jan 2026 is a bank holiday. Working days:
    # 1 Fri 2 Jan, 2 Mon 5, 3 Tue 6, 4 Wed 7, 5 Thu 8, 6 Fri 9, 7 Mon 12, 8 Tue 13, 9 Wed 14,
    # 10 Thu 15, 11 Fri 16, 12 Mon 19, 13 Tue 20, 14 Wed 21, 15 Thu 22 Jan 2026.
    p09 = Period.parse("2025-26-P09")
    assert p09.end == date(2025, 12, 31)
    assert p09.deadline() == date(2026, 1, 22)
    assert p09.deadline(SLA_RESULT_DEADLINE_WORKING_DAYS) == date(2026, 1, 15)
    assert Period.parse("2025-26-Q3").deadline() == date(2026, 1, 22)


def test_easter_2026_deadlines():
    # P12 2025-26 ends Tue 31 Mar 2026. Working days: 1 Wed 1 Apr, 2 Thu 2, (Fri 3 Good Friday,
    # weekend, Mon 6 Easter Monday), 3 Tue 7, 4 Wed 8, 5 Thu 9, 6 Fri 10, 7 Mon 13, 8 Tue 14,
    # 9 Wed 15, 10 Thu 16, 11 Fri 17, 12 Mon 20, 13 Tue 21, 14 Wed 22, 15 Thu 23 Apr 2026.
    p12 = Period.parse("2025-26-P12")
    assert p12.deadline(10) == date(2026, 4, 16)
    assert p12.deadline(15) == date(2026, 4, 23)
    # The quarter and the year end on the same day, so their returns are due the same day.
    assert Period.parse("2025-26-Q4").deadline() == date(2026, 4, 23)
    assert Period.parse("2025-26").deadline() == date(2026, 4, 23)


def test_easter_2025_deadlines():
    # P12 2024-25 ends Mon 31 Mar 2025. Working days: 1 Tue 1 Apr, 2 Wed 2, 3 Thu 3, 4 Fri 4,
    # 5 Mon 7, 6 Tue 8, 7 Wed 9, 8 Thu 10, 9 Fri 11, 10 Mon 14, 11 Tue 15, 12 Wed 16,
    # 13 Thu 17, (Fri 18 Good Friday, weekend, Mon 21 Easter Monday), 14 Tue 22, 15 Wed 23 Apr.
    p12 = Period.parse("2024-25-P12")
    assert p12.deadline(SLA_RESULT_DEADLINE_WORKING_DAYS) == date(2025, 4, 14)
    assert p12.deadline() == date(2025, 4, 23)


def test_december_2026_deadline_with_substitute_days():
    # P09 2026-27 ends Thu 31 Dec 2026; Fri 1 Jan 2027 is a bank holiday. Working days:
    # 1 Mon 4 Jan, 2 Tue 5, 3 Wed 6, 4 Thu 7, 5 Fri 8, 6 Mon 11, 7 Tue 12, 8 Wed 13, 9 Thu 14,
    # 10 Fri 15, 11 Mon 18, 12 Tue 19, 13 Wed 20, 14 Thu 21, 15 Fri 22 Jan 2027.
    assert Period.parse("2026-27-P09").deadline() == date(2027, 1, 22)
    # Fri 24 Dec 2027 -> weekend, Mon 27 and Tue 28 substitutes -> Wed 29 Dec 2027.
    assert working_days_after(date(2027, 12, 24), 1) == date(2027, 12, 29)


def test_working_days_after_edges():
    assert working_days_after(date(2025, 9, 6), 0) == date(2025, 9, 6)  # n == 0: d itself
    # Counting starts the day after, even from a weekend: Sat 6 Sep 2025 -> Mon 8 Sep.
    assert working_days_after(date(2025, 9, 6), 1) == date(2025, 9, 8)
    assert working_days_after(date(2025, 9, 5), 1) == date(2025, 9, 8)  # Fri -> Mon
    with pytest.raises(ValueError):
        working_days_after(date(2025, 9, 5), -1)


def test_working_days_between():
    assert working_days_between(date(2025, 9, 1), date(2025, 9, 1)) == 0
    assert working_days_between(date(2025, 9, 8), date(2025, 9, 1)) == 0  # end before start
    # (Mon 1, Mon 8 Sep 2025]: Tue 2 .. Fri 5 and Mon 8.
    assert working_days_between(date(2025, 9, 1), date(2025, 9, 8)) == 5
    # The whole of April 2026 after 31 March: 22 weekdays less Good Friday and Easter Monday.
    assert working_days_between(date(2026, 3, 31), date(2026, 4, 30)) == 20
    for n in (0, 1, 10, 15, 40):
        end = working_days_after(date(2025, 12, 24), n)
        assert working_days_between(date(2025, 12, 24), end) == n


def test_every_day_of_a_year_maps_to_the_periods_containing_it():
    day, end = date(2025, 4, 1), date(2026, 3, 31)
    while day <= end:
        month = period_for_date(day)
        quarter = period_for_date(day, PeriodKind.QUARTER)
        assert month.contains(day) and quarter.contains(day)
        assert month in quarter.months()
        assert period_for_date(day, PeriodKind.YEAR) == Period.financial_year(2025)
        day = date.fromordinal(day.toordinal() + 1)
