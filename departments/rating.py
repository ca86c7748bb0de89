"""Rating a figure against its target, and the one "missing" rule (DESIGN.md section 3,
"Target" and "RAG").

The base rules live here because the return workflow needs them (a red return cannot be
submitted without commentary and an improvement action; reminders chase what is
missing); ``reporting`` builds every dashboard figure, export and early warning on these
same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils import timezone

from departments.models import (
    KpiReturn,
    PerformanceIndicator,
    Polarity,
    ReturnState,
    Target,
    YearToDate,
)
from departments.numbers import round_half_up
from departments.periods import Period


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NOT_RATED = "not_rated"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red", "not_rated": "Not rated"}[self]


def period_target(
    indicator: PerformanceIndicator, target: Target | None, period: Period
) -> Decimal | None:
    """The target of one period: the annual value, or for ``sum`` indicators the annual
    value ÷ the periods in the year (12 monthly, 4 quarterly), rounded half-up."""
    if target is None:
        return None
    if indicator.year_to_date == YearToDate.SUM:
        return round_half_up(target.annual_value / period.periods_in_year, indicator.decimal_places)
    return target.annual_value


def rate(
    value: Decimal | None,
    target: Decimal | None,
    tolerance: Decimal,
    polarity: str,
    decimal_places: int,
) -> Rag:
    """Higher is better: green at or above target, amber within the tolerance below it,
    red otherwise; lower is better mirrored. Compared on values rounded half-up."""
    if value is None or target is None:
        return Rag.NOT_RATED
    value = round_half_up(value, decimal_places)
    target = round_half_up(target, decimal_places)
    if polarity == Polarity.HIGHER:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= target - tolerance else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= target + tolerance else Rag.RED


def rate_period_value(
    indicator: PerformanceIndicator, target: Target | None, period: Period, value: Decimal | None
) -> Rag:
    """The RAG of one period's value for ``indicator`` against its period target."""
    tolerance = target.tolerance if target is not None else Decimal(0)
    return rate(
        value,
        period_target(indicator, target, period),
        tolerance,
        indicator.polarity,
        indicator.decimal_places,
    )


# --- the one "missing" rule ------------------------------------------------------------

# A return counts once it is submitted: submitted, approved or locked. A draft or a
# sent-back return is still with the department (DESIGN.md section 3, "RAG").
COUNTED_STATES = frozenset({ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.LOCKED})
# What ``is_counted`` (and so ``counted_value``) reads of a return: a caller reading
# returns with ``only()`` names these, so the rule never loads a deferred field.
COUNTED_FIELDS = ("state", "value", "numerator", "denominator")


def is_counted(indicator: PerformanceIndicator, kpi_return: KpiReturn | None) -> bool:
    """Whether a return counts: submitted or later, with its figures (a ratio return
    needs its numerator and denominator, as its value and year to date are built from
    them; any other return its value)."""
    if kpi_return is None or kpi_return.state not in COUNTED_STATES:
        return False
    if indicator.is_ratio:
        return kpi_return.numerator is not None and kpi_return.denominator is not None
    return kpi_return.value is not None


class Timeliness(StrEnum):
    """Where a return stands against its deadline: the one vocabulary of every page,
    email, export, API field and early warning.

    ``not_due``  "Not yet due": its period has not ended and it is not submitted.
    ``due``      "Due": the period has ended, the deadline (the 15th working day after
                 the period's last day) has not passed, and it is not submitted. The
                 deadline day itself is still "Due".
    ``missing``  "Missing": the deadline has passed and it is not submitted: never
                 started, a draft, sent back (until it is submitted again), or submitted
                 without its figures (a ratio return without numerator and denominator).
                 DESIGN.md also says "overdue" of such a return; this product calls the
                 state "Missing" everywhere and uses no other word for it.
    ``on_time``  "Submitted on time": submitted (or approved or locked) on or before the
                 deadline day, in London time.
    ``late``     "Submitted late": submitted after the deadline day, in London time.
    """

    NOT_DUE = "not_due"
    DUE = "due"
    MISSING = "missing"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return TIMELINESS_LABELS[self]


TIMELINESS_LABELS = {
    Timeliness.NOT_DUE: "Not yet due",
    Timeliness.DUE: "Due",
    Timeliness.MISSING: "Missing",
    Timeliness.ON_TIME: "Submitted on time",
    Timeliness.LATE: "Submitted late",
}


@dataclass(frozen=True)
class ReturnTimeliness:
    """The rule's answer: the state, the deadline it judged by (a London date) and the
    London date of the submission in force (None when not submitted as of the day, or
    when a counted return carries no submission time)."""

    state: Timeliness
    deadline: date
    submitted_on: date | None

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def missing(self) -> bool:
        return self.state is Timeliness.MISSING

    @property
    def late(self) -> bool:
        return self.state is Timeliness.LATE


def return_timeliness(
    *,
    indicator: PerformanceIndicator,
    kpi_return: KpiReturn | None,
    period: Period,
    today: date,
) -> ReturnTimeliness:
    """Whether ``indicator``'s return for ``period`` (a period of the indicator's own
    kind: a month, quarter or year) is not yet due, due, missing, submitted on time or
    submitted late as of ``today`` (a date in Europe/London). DESIGN.md section 3, "RAG".

    ``kpi_return`` is the period's return in any state, or None when none was started.
    The deadline is ``period.deadline()``: the 15th working day (England and Wales)
    after the period's last day; a return is missing from the day after it.

    Submitted means counted (``is_counted``): submitted, approved or locked, with its
    figures. A sent-back return counts as not submitted until it is submitted again, so
    a return that was sent back and submitted again is judged on its latest submission
    (``submitted_at``, set by every submission): submitted again after the deadline, it
    is "Submitted late" even if its first submission was on time, and while it is sent
    back after the deadline it is "Missing". The submission time is read in London time
    (``timezone.localtime``): 23:59 on the deadline day is on time, 00:00 the next day
    late. A submission after ``today`` (judging an earlier day) did not exist yet, so the
    return is judged as not submitted. A counted return with no submission time (a
    record loaded without one) is taken as on time: lateness is never guessed.

    No queries: the caller passes the indicator and the return it has already read.
    """
    deadline = period.deadline()
    submitted_on = None
    if is_counted(indicator, kpi_return):
        if kpi_return.submitted_at is None:
            return ReturnTimeliness(Timeliness.ON_TIME, deadline, None)
        submitted_on = timezone.localtime(kpi_return.submitted_at).date()
        if submitted_on <= today:
            late = submitted_on > deadline
            state = Timeliness.LATE if late else Timeliness.ON_TIME
            return ReturnTimeliness(state, deadline, submitted_on)
    if today <= period.end:
        state = Timeliness.NOT_DUE
    elif today <= deadline:
        state = Timeliness.DUE
    else:
        state = Timeliness.MISSING
    return ReturnTimeliness(state, deadline, None)


# --- counted values and the year to date (DESIGN.md section 3, "RAG") ---------------
# Here rather than in reporting: the monthly read models of ratings
# (departments/returns/ratings.py) are kept from these same functions.


def counted_value(indicator: PerformanceIndicator, kpi_return: KpiReturn | None) -> Decimal | None:
    """The return's value rounded half-up to the indicator's places, or None if it does
    not count."""
    if not is_counted(indicator, kpi_return):
        return None
    if kpi_return.value is None:  # a ratio return saved without its derived value
        return indicator.derive_value(kpi_return.numerator, kpi_return.denominator)
    return round_half_up(kpi_return.value, indicator.decimal_places)


@dataclass(frozen=True)
class YearToDateFigure:
    """An indicator's figure from the first period of the financial year up to and
    including one period, against the year-to-date target, both rounded half-up to the
    indicator's places. ``incomplete``: a period in the range has no counted return (the
    figure is still formed from those that exist; None when none do)."""

    value: Decimal | None
    target: Decimal | None
    rag: Rag
    incomplete: bool
    periods_counted: int
    periods_in_range: int


def year_to_date_target(
    indicator: PerformanceIndicator, target: Target | None, period: Period
) -> Decimal | None:
    """The annual target; for ``sum`` indicators pro-rated: annual × periods from the
    first of the year up to and including ``period`` ÷ periods in the year. Rounded
    half-up to the indicator's places."""
    if target is None:
        return None
    annual = target.annual_value
    if indicator.year_to_date == YearToDate.SUM:
        annual = annual * period.index_in_year / period.periods_in_year
    return round_half_up(annual, indicator.decimal_places)


def _formed_value(indicator: PerformanceIndicator, counted: list[KpiReturn]) -> Decimal | None:
    """Sum, mean or latest of the values, or the ratio of the summed numerator and
    denominator; ``counted`` is in period order. Unrounded except for a ratio."""
    if not counted:
        return None
    rule = indicator.year_to_date
    if rule == YearToDate.RATIO:
        numerator = sum((r.numerator for r in counted), Decimal(0))
        denominator = sum((r.denominator for r in counted), Decimal(0))
        return indicator.derive_value(numerator, denominator) if denominator else None
    total = sum((r.value for r in counted), Decimal(0))
    if rule == YearToDate.SUM:
        return total
    if rule == YearToDate.MEAN:
        return total / len(counted)
    return counted[-1].value  # latest: the latest period with a counted return


def year_to_date(
    indicator: PerformanceIndicator,
    returns_by_period: dict[str, KpiReturn],
    period: Period,
    *,
    target: Target | None,
) -> YearToDateFigure:
    """The year to date at ``period`` (a period of the indicator's own kind), formed as
    the indicator defines, from the counted returns in ``returns_by_period`` (the
    indicator's returns keyed by period key; other periods and states are ignored).
    ``target`` is the indicator's Target for ``period``'s financial year, or None."""
    in_range = period.periods_to_date()
    counted = [r for p in in_range if is_counted(indicator, r := returns_by_period.get(p.key))]
    formed = _formed_value(indicator, counted)
    places = indicator.decimal_places
    value = None if formed is None else round_half_up(formed, places)
    ytd_target = year_to_date_target(indicator, target, period)
    tolerance = target.tolerance if target is not None else Decimal(0)
    return YearToDateFigure(
        value=value,
        target=ytd_target,
        rag=rate(value, ytd_target, tolerance, indicator.polarity, places),
        incomplete=len(counted) < len(in_range),
        periods_counted=len(counted),
        periods_in_range=len(in_range),
    )


# --- year-end forecasts (issue 20, item 1) ---------------------------------------------


def forecast_target(indicator: PerformanceIndicator, target: Target | None) -> Decimal | None:
    """What a year-end forecast is rated against: the year to date at the year's end,
    which is the annual target (a ``sum`` indicator's pro-rating covers the whole year),
    rounded half-up to the indicator's places; None without a target."""
    if target is None:
        return None
    return year_to_date_target(indicator, target, Period.financial_year(target.financial_year))


def rate_forecast(
    indicator: PerformanceIndicator, target: Target | None, forecast_value: Decimal | None
) -> Rag:
    """The RAG of a year-end forecast against the annual target, by the one rule
    (``rate``): the same tolerance, polarity and rounding as every other figure."""
    tolerance = target.tolerance if target is not None else Decimal(0)
    return rate(
        forecast_value,
        forecast_target(indicator, target),
        tolerance,
        indicator.polarity,
        indicator.decimal_places,
    )
