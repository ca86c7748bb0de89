"""Reporting periods of the UK local-government financial year, and working days.

The financial year runs from 1 April to 31 March and is named by the calendar year in which
it starts (``2025`` is 2025-26). Months are numbered P01 (April) to P12 (March) and quarters
Q1 (April to June) to Q4 (January to March). One key format is used everywhere (URLs, API,
forms, imports, exports): ``2025-26`` for a year, ``2025-26-P06`` for a month and
``2025-26-Q2`` for a quarter.

Dates are plain ``datetime.date`` values in Europe/London; a period's start and end are both
inclusive. "Today" defaults to ``django.utils.timezone.localdate()``: the date in the
project's TIME_ZONE (Europe/London), never the server's UTC date.

Working days exclude Saturdays, Sundays and the bank holidays of England and Wales as
published by the maintained ``holidays`` package (including substitute days).
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import holidays
from django.utils import timezone

from departments.numbers import quoted

RETURN_DEADLINE_WORKING_DAYS = 15  # KPI return deadline after period end
SLA_RESULT_DEADLINE_WORKING_DAYS = 10  # SLA results are due 10 working days after month end

# Four-digit keys only: the key format has no room for other years, and date() stops at 9999.
MIN_YEAR = 1000
MAX_YEAR = 9998
# Published statistics are taken for financial years from 1990-91 to 2100-01 (the range
# of dates read from spreadsheets): an earlier or later year is a typing slip.
EARLIEST_PUBLISHED_YEAR = 1990
LATEST_PUBLISHED_YEAR = 2100

# Fixed English names rather than calendar.month_name, which follows the process locale.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_ABBRS = tuple(name[:3] for name in MONTH_NAMES)

_EXPECTED_FORMS = (
    "expected a financial year such as 2025-26, a month such as 2025-26-P06 "
    "or a quarter such as 2025-26-Q2"
)
# ASCII digits only ([0-9], not \d) and upper-case P/Q: keys are strict so that a key has
# exactly one spelling and can be compared, cached and used in URLs as a plain string.
_KEY_RE = re.compile(r"(?P<start>[0-9]{4})-(?P<end>[0-9]{2})(?:-(?P<part>P[0-9]{2}|Q[0-9]))?")


class PeriodKind(StrEnum):
    """The length of a reporting period."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"


FREQUENCY_KINDS: dict[str, PeriodKind] = {
    "monthly": PeriodKind.MONTH,
    "quarterly": PeriodKind.QUARTER,
    "annual": PeriodKind.YEAR,
}

_PERIODS_IN_YEAR = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
# Tie-break for periods starting on the same day (P01, Q1 and the year): shortest first.
_KIND_RANK = {PeriodKind.MONTH: 0, PeriodKind.QUARTER: 1, PeriodKind.YEAR: 2}
_PART_KINDS = {"P": PeriodKind.MONTH, "Q": PeriodKind.QUARTER}
_KINDS = ", ".join(kind.value for kind in PeriodKind)


def _calendar_month(year: int, number: int) -> tuple[int, int]:
    """(calendar year, calendar month) of month ``number`` (1-12) of financial year ``year``."""
    month = (number + 2) % 12 + 1  # P01 -> 4 (April) ... P09 -> 12, P10 -> 1 ... P12 -> 3
    return (year if month >= 4 else year + 1), month


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # True is not month 1


def _year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


@functools.total_ordering
@dataclass(frozen=True, repr=False)
class Period:
    """One reporting period: a financial year, a quarter or a month of it.

    ``year`` is the calendar year in which the financial year starts (2025 for 2025-26);
    ``number`` is 1-12 for months (P01 = April), 1-4 for quarters and 1 for a year.
    Periods are hashable and totally ordered by (start date, kind), months before quarters
    before years on the same start date, so ``sorted()`` works across kinds.
    """

    year: int
    kind: PeriodKind
    number: int

    def __post_init__(self) -> None:
        try:
            # Accept the plain string ("month") but always store the enum, so equality and
            # hashing do not depend on how the caller spelt the kind.
            object.__setattr__(self, "kind", PeriodKind(self.kind))
        except ValueError:
            raise ValueError(f"{self.kind!r} is not a period kind: expected {_KINDS}") from None
        if not _is_int(self.year) or not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year must be an int from {MIN_YEAR} to {MAX_YEAR}: {self.year!r}")
        count = _PERIODS_IN_YEAR[self.kind]
        if not _is_int(self.number) or not 1 <= self.number <= count:
            raise ValueError(
                f"{self.kind} number must be an int from 1 to {count}: {self.number!r}"
            )

    @classmethod
    def parse(cls, key: str) -> Period:
        """Parse ``2025-26``, ``2025-26-P06`` or ``2025-26-Q2`` strictly; ValueError otherwise."""
        match = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
        # The second half must be the following year, so "2025-27" cannot name anything.
        if match is None or int(match["end"]) != (int(match["start"]) + 1) % 100:
            raise ValueError(f"{key!r} is not a period key: {_EXPECTED_FORMS}")
        year, part = int(match["start"]), match["part"]
        kind = PeriodKind.YEAR if part is None else _PART_KINDS[part[0]]
        number = int(part[1:]) if part else 1
        if not 1 <= number <= _PERIODS_IN_YEAR[kind] or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"{key!r} is not a period key: {_EXPECTED_FORMS}")
        return cls(year, kind, number)

    @classmethod
    def month(cls, year: int, number: int) -> Period:
        """Month ``number`` (1 = April ... 12 = March) of financial year ``year``."""
        return cls(year, PeriodKind.MONTH, number)

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        """Quarter ``number`` (1 = April to June ... 4 = January to March) of ``year``."""
        return cls(year, PeriodKind.QUARTER, number)

    @classmethod
    def financial_year(cls, year: int) -> Period:
        """The financial year starting 1 April ``year``."""
        return cls(year, PeriodKind.YEAR, 1)

    @property
    def year_key(self) -> str:
        """Key of the financial year, e.g. ``2025-26``."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @functools.cached_property
    def key(self) -> str:
        """The one canonical key: ``2025-26``, ``2025-26-P06`` or ``2025-26-Q2``
        (worked out once per period: pages ask it thousands of times)."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.year_key}-P{self.number:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year_key}-Q{self.number}"
        return self.year_key

    def __str__(self) -> str:
        return self.key

    def __repr__(self) -> str:
        return f"Period.parse({self.key!r})"

    @property
    def label(self) -> str:
        """Page label: "September 2025 (P06 2025/26)", "Q2 2025/26 (July to September 2025)"."""
        if self.kind is PeriodKind.MONTH:
            cal_year, cal_month = _calendar_month(self.year, self.number)
            name = MONTH_NAMES[cal_month - 1]
            return f"{name} {cal_year} (P{self.number:02d} {_year_label(self.year)})"
        if self.kind is PeriodKind.QUARTER:
            first, last = self.start, self.end
            # Quarters never straddle 1 January (Q3 ends in December, Q4 starts in January),
            # so one calendar year always describes the span.
            span = f"{MONTH_NAMES[first.month - 1]} to {MONTH_NAMES[last.month - 1]} {last.year}"
            return f"Q{self.number} {_year_label(self.year)} ({span})"
        return _year_label(self.year)

    @property
    def short_label(self) -> str:
        """Compact label for charts and tables: "Sep 2025", "Q2 2025/26", "2025/26"."""
        if self.kind is PeriodKind.MONTH:
            cal_year, cal_month = _calendar_month(self.year, self.number)
            return f"{_MONTH_ABBRS[cal_month - 1]} {cal_year}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{self.number} {_year_label(self.year)}"
        return _year_label(self.year)

    @property
    def in_words(self) -> str:
        """How people read the period (DESIGN.md section 3, "Periods"): a month by its
        name, "October 2026"; a quarter or a year by its label, "Q2 2025/26 (July to
        September 2025)", "2025/26"."""
        if self.kind is PeriodKind.MONTH:
            cal_year, cal_month = _calendar_month(self.year, self.number)
            return f"{MONTH_NAMES[cal_month - 1]} {cal_year}"
        return self.label

    @property
    def start(self) -> date:
        """First day of the period (inclusive)."""
        return _bounds(self.year, self.kind, self.number)[0]

    @property
    def end(self) -> date:
        """Last day of the period (inclusive)."""
        return _bounds(self.year, self.kind, self.number)[1]

    def contains(self, d: date) -> bool:
        """Whether the date falls within the period, both ends inclusive."""
        return self.start <= d <= self.end

    def has_ended(self, today: date | None = None) -> bool:
        """Whether the last day is before ``today`` (default: today in Europe/London).

        A period is still running on its last day; it has ended from the next day.
        """
        return self.end < (today if today is not None else timezone.localdate())

    def deadline(self, working_days: int = RETURN_DEADLINE_WORKING_DAYS) -> date:
        """The ``working_days``-th working day after the period's last day."""
        return working_days_after(self.end, working_days)

    @property
    def year_period(self) -> Period:
        """The financial year containing this period."""
        return Period.financial_year(self.year)

    @property
    def index_in_year(self) -> int:
        """1-based position in the financial year (P06 -> 6, Q2 -> 2, the year -> 1)."""
        return self.number

    @property
    def periods_in_year(self) -> int:
        """How many periods of this kind make a financial year: 12, 4 or 1."""
        return _PERIODS_IN_YEAR[self.kind]

    def _shifted(self, steps: int) -> Period:
        return _shifted(self, steps)

    def next(self) -> Period:
        """The following period of the same kind (2025-26-P12 -> 2026-27-P01)."""
        return self._shifted(1)

    def previous(self) -> Period:
        """The preceding period of the same kind (2025-26-Q1 -> 2024-25-Q4)."""
        return self._shifted(-1)

    def same_period_last_year(self) -> Period:
        """The same period of the previous financial year, for direction of travel."""
        return Period(self.year - 1, self.kind, self.number)

    def months(self) -> list[Period]:
        """The months inside this period in order (a month returns ``[self]``)."""
        if self.kind is PeriodKind.MONTH:
            return [self]
        per = 12 // self.periods_in_year
        first = (self.number - 1) * per + 1
        return [Period.month(self.year, n) for n in range(first, first + per)]

    def periods_to_date(self) -> list[Period]:
        """Periods of this kind from the first of its financial year up to and including it."""
        return [Period(self.year, self.kind, n) for n in range(1, self.number + 1)]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return (self.start, _KIND_RANK[self.kind]) < (other.start, _KIND_RANK[other.kind])


# A period's days and its neighbours are asked for thousands of times by a page of 24
# months (the trends' month-on-month changes, the twelve-month windows of contract health):
# worked out once per period. Periods are immutable, and there are a few thousand at most.
@functools.lru_cache(maxsize=4096)
def _bounds(year: int, kind: PeriodKind, number: int) -> tuple[date, date]:
    per = 12 // _PERIODS_IN_YEAR[kind]
    first_year, first_month = _calendar_month(year, (number - 1) * per + 1)
    last_year, last_month = _calendar_month(year, number * per)
    return (
        date(first_year, first_month, 1),
        date(last_year, last_month, calendar.monthrange(last_year, last_month)[1]),
    )


@functools.lru_cache(maxsize=4096)
def _shifted(period: Period, steps: int) -> Period:
    # Count in periods from the start of the year, so P12 + 1 rolls into the next P01.
    years, index = divmod(period.number - 1 + steps, period.periods_in_year)
    return Period(period.year + years, period.kind, index + 1)


# How published statistics name periods: "2010/11" (DEFRA, LG Inform), "2022-23;Q1"
# (the Scottish benchmarking framework), "2022/23 Q1"; and the product's own keys.
_PUBLISHED_RE = re.compile(
    r"(?P<start>[0-9]{4})[/-](?P<end>[0-9]{2})(?:\s*[;\s-]\s*(?P<part>P[0-9]{2}|Q[0-9]))?"
)


def key_from_published(text: str) -> str:
    """The period key of a period as published statistics write it: ``2010/11`` is
    ``2010-11``, ``2022-23;Q1`` and ``2022/23 Q1`` are ``2022-23-Q1``, and a key is
    itself. ValueError, saying what is expected, for anything else and for a year
    outside ``EARLIEST_PUBLISHED_YEAR`` to ``LATEST_PUBLISHED_YEAR``."""
    match = _PUBLISHED_RE.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{quoted(str(text))} is not a period: expected a financial year such as "
            "2021-22 or 2021/22, or a quarter such as 2022-23-Q1 or 2022-23;Q1"
        )
    key = f"{match['start']}-{match['end']}" + (f"-{match['part']}" if match["part"] else "")
    try:
        period = Period.parse(key)
    except ValueError:
        raise ValueError(
            f"{quoted(text)} is not a period: the years must follow each other, as in "
            "2021/22, a quarter is Q1 to Q4 and a month P01 to P12"
        ) from None
    if not EARLIEST_PUBLISHED_YEAR <= period.year <= LATEST_PUBLISHED_YEAR:
        raise ValueError(
            f"{quoted(text.strip())} is outside the years taken: from "
            f"{Period.financial_year(EARLIEST_PUBLISHED_YEAR).key} to "
            f"{Period.financial_year(LATEST_PUBLISHED_YEAR).key}"
        )
    return period.key


def key_in_words(key: str) -> str:
    """A stored period key as people read it (``Period.in_words``), or the key itself
    when it is not one (a record's name must never fail to show)."""
    try:
        return Period.parse(key).in_words
    except ValueError:
        return key


def date_in_words(d: date) -> str:
    """A date as people read it (DESIGN.md section 3): "20 November 2026"."""
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def financial_year_of(d: date) -> int:
    """The financial year containing ``d``: 2025 for 1 April 2025 to 31 March 2026."""
    return d.year if d.month >= 4 else d.year - 1


def period_for_date(d: date, kind: PeriodKind = PeriodKind.MONTH) -> Period:
    """The period of ``kind`` containing the date ``d``."""
    kind = PeriodKind(kind)
    month_number = (d.month - 4) % 12 + 1  # April -> 1 ... March -> 12
    per = 12 // _PERIODS_IN_YEAR[kind]
    return Period(financial_year_of(d), kind, (month_number - 1) // per + 1)


def periods_of_year(year: int, kind: PeriodKind) -> list[Period]:
    """All periods of ``kind`` in financial year ``year``, in order."""
    kind = PeriodKind(kind)
    return [Period(year, kind, n) for n in range(1, _PERIODS_IN_YEAR[kind] + 1)]


def periods_between(first: Period, last: Period) -> list[Period]:
    """Periods from ``first`` to ``last`` inclusive; empty if ``last`` is before ``first``.

    Both must be of the same kind (ValueError otherwise): a range of mixed kinds has no
    single step.
    """
    if first.kind != last.kind:
        raise ValueError(
            f"cannot list periods between {first} ({first.kind}) and {last} "
            f"({last.kind}): they must be of the same kind"
        )
    count = (last.year - first.year) * first.periods_in_year + last.number - first.number + 1
    return [first._shifted(step) for step in range(count)]  # range() of a negative is empty


def latest_closed(kind: PeriodKind = PeriodKind.MONTH, today: date | None = None) -> Period:
    """The most recent period of ``kind`` that ended before ``today`` (default: London today).

    The period containing today is still open, so the latest closed one is the one before it.
    """
    return period_for_date(today or timezone.localdate(), kind).previous()


def kind_for_frequency(frequency: str) -> PeriodKind:
    """The period kind of an indicator frequency ("monthly", "quarterly", "annual")."""
    try:
        return FREQUENCY_KINDS[frequency]
    except (KeyError, TypeError):
        raise ValueError(
            f"{frequency!r} is not a frequency: expected one of " + ", ".join(FREQUENCY_KINDS)
        ) from None


@functools.cache
def _bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays of England and Wales falling in calendar year ``year``."""
    # Load the neighbouring years too and filter by date, so a substitute day that the
    # package files under an adjacent year is still found; cached because the package
    # computes Easter and substitutes on every construction.
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(year - 1, year + 2))
    return frozenset(day for day in days if day.year == year)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a bank holiday of England and Wales."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


@functools.lru_cache(maxsize=4096)
def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later (earlier when negative); 29 February becomes
    28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@functools.lru_cache(maxsize=4096)
def working_days_after(d: date, n: int) -> date:
    """The ``n``-th working day strictly after ``d``; ``d`` itself when ``n`` is 0.

    ``d`` need not be a working day: the count starts the day after it. Cached: a
    council's thousand returns ask for the same few deadlines on every page.
    """
    if n < 0:
        raise ValueError(f"working days must be 0 or more, not {n}")
    current = d
    while n:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open range (``start``, ``end``]; 0 if ``end`` <= ``start``.

    ``working_days_between(d, working_days_after(d, n)) == n`` for every ``n`` >= 0.
    """
    days = range(1, (end - start).days + 1)  # empty when end <= start
    return sum(is_working_day(start + timedelta(days=offset)) for offset in days)


def month_or_latest(key: str | None, today: date | None = None) -> Period:
    """The month a page or endpoint was asked for (``?period=2025-26-P06``), or the latest
    closed month when none was given. ValueError, naming the problem, for a bad key or a
    quarter or year."""
    if not key:
        return latest_closed(PeriodKind.MONTH, today)
    period = Period.parse(key)
    if period.kind != PeriodKind.MONTH:
        raise ValueError(f"'{key}' is not a month: use a month such as 2025-26-P06")
    return period


class MonthNotEnded(ValueError):
    """A month key naming the current or a future month where only ended months have
    figures (DESIGN.md section 3, "Which months are rated"). ``month`` is the month
    asked for, ``latest`` the latest ended month to offer instead."""

    def __init__(self, month: Period, latest: Period) -> None:
        self.month, self.latest = month, latest
        super().__init__(
            f"{month.label} has not ended yet, so it has no figures: the latest ended "
            f"month is {latest.label}, period {latest.key}"
        )


def ended_month_or_latest(key: str | None, today: date | None = None) -> Period:
    """``month_or_latest``, refusing a month that has not ended by ``today`` (default:
    London today) with ``MonthNotEnded``: figures pages and the metrics API rate ended
    months only."""
    month = month_or_latest(key, today)
    latest = latest_closed(PeriodKind.MONTH, today)
    if latest < month:
        raise MonthNotEnded(month, latest)
    return month


# --- dates as people and systems write them --------------------------------------------------
