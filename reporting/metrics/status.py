"""Whether a figure is rated, and why (DESIGN.md section 3, "Which months are rated").

Every figure of a month carries a ``FigureStatus``: one of four states and the reason in
words, shown beside the figure on pages, in exports and packs, and in the API.

- **not rated**: the month has not ended (its figures are not judged yet), or there is
  nothing to rate (no referrals, no component with data);
- **outside the contract**: the month lies outside a partnership's contract term; it has
  no contract health and is left out of council partner health;
- **provisional**: the month has ended but the deadline for its data has not passed
  (SLA results: 10 working days after month end; returns: 15), so the figure may still
  move; the reason says what is awaited;
- **rated**: the deadline has passed; what is still missing is named in the reason as
  overdue.

This module holds the type, the rules shared by every figure kind (an unfinished month,
dates in words) and the status of the figure kinds that have no dataclass of their own
elsewhere (a returns month, a coordination month). Contract health decides its status in
``reporting.metrics.health.contract_health_status`` and council partner health in
``reporting.metrics.partner_health.council_partner_health``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from core.words import plural
from departments.periods import Period, date_in_words


class FigureState(StrEnum):
    """The four states of a figure; the values are the API's ``status``."""

    RATED = "rated"
    PROVISIONAL = "provisional"
    NOT_RATED = "not_rated"
    OUTSIDE_CONTRACT = "outside_contract"

    @property
    def label(self) -> str:
        return {
            "rated": "Rated",
            "provisional": "Provisional",
            "not_rated": "Not rated",
            "outside_contract": "Outside the contract",
        }[self]


# (API value, label) pairs: the API's ``status`` choices and their schema enum.
STATE_CHOICES = [(state.value, state.label) for state in FigureState]
STATE_HELP = (
    "rated (its data deadline has passed), provisional (the month has ended but its data "
    "is still due), not_rated (the month has not ended, or there is nothing to rate) or "
    "outside_contract (outside the partnership's contract term)."
)
REASON_HELP = "Why, in words: what is awaited, what is overdue, or why there is no figure."


@dataclass(frozen=True)
class FigureStatus:
    """A figure's state and the reason in words ("SLA results due 13 November 2026: 4 of
    16 entered"). Frozen and made of plain values, so cached pages can hold it."""

    state: FigureState
    reason: str = ""

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def rated(self) -> bool:
        return self.state is FigureState.RATED

    @property
    def provisional(self) -> bool:
        return self.state is FigureState.PROVISIONAL

    @property
    def has_figure(self) -> bool:
        """Rated or provisional: the month has a figure that may be shown and counted."""
        return self.state in (FigureState.RATED, FigureState.PROVISIONAL)

    @property
    def outside_contract(self) -> bool:
        return self.state is FigureState.OUTSIDE_CONTRACT

    def __str__(self) -> str:
        """ "Provisional: SLA results due 13 November 2026: 4 of 16 entered"."""
        return f"{self.label}: {self.reason}" if self.reason else self.label


# Dates and months in words are the periods module's (DESIGN.md section 3, "Periods").
in_words = date_in_words


def month_in_words(month: Period) -> str:
    """A month as people read it: "October 2026" (``Period.in_words``)."""
    return month.in_words


def unfinished(month: Period, today: date) -> FigureStatus | None:
    """Not rated when ``month`` has not ended by ``today`` (Europe/London): a month is
    rated only after its last day. None when it has ended."""
    if month.has_ended(today):
        return None
    return FigureStatus(
        FigureState.NOT_RATED,
        f"{month_in_words(month)} has not ended: its figures are rated from "
        f"{in_words(month.end + timedelta(days=1))}",
    )


def next_ended(month: Period, today: date | None = None) -> Period | None:
    """The month after ``month`` for a page's "next" link, or None when it has not ended
    by ``today`` (default: London today): navigation stops at the latest ended month."""
    following = month.next()
    return following if following.has_ended(today) else None


def joined(parts: Iterable[str]) -> str:
    """Reasons joined into one sentence-like string, empty parts left out."""
    return "; ".join(part for part in parts if part)


def returns_status(*, month: Period, rows: list, today: date) -> FigureStatus:
    """The status of a month's returns figures (RAG counts, on-target shares) from the
    month's ``IndicatorRow``s: provisional until every row's deadline (15 working days
    after its period ends) has passed, saying how many of the returns now due are in;
    rated after, naming the missing ones. Rows without a period of their own are left
    out (no period of their kind has ended in the year)."""
    if (status := unfinished(month, today)) is not None:
        return status
    rows = [row for row in rows if row.period is not None]
    if not rows:
        return FigureStatus(FigureState.NOT_RATED, f"No return is due for {month_in_words(month)}")
    open_rows = [row for row in rows if row.deadline is not None and today <= row.deadline]
    if open_rows:
        deadline = max(row.deadline for row in open_rows)
        counted = sum(1 for row in open_rows if row.value is not None)
        return FigureStatus(
            FigureState.PROVISIONAL,
            f"Returns due {in_words(deadline)}: {counted} of {len(open_rows)} submitted",
        )
    missing = sum(1 for row in rows if row.missing)
    if missing:
        return FigureStatus(
            FigureState.RATED, f"{missing} of {plural(len(rows), 'return')} missing (overdue)"
        )
    return FigureStatus(FigureState.RATED, f"All {plural(len(rows), 'return')} in")


def coordination_status(
    *, month: Period, index: Decimal | None, referrals: int, today: date
) -> FigureStatus:
    """The status of a coordination index (a department's or the council's) for a month:
    not rated while the month runs or without referrals; rated otherwise. Referrals have
    no data deadline: each is filed by its raised date as it happens, and its outcome is
    read as the data stands."""
    if (status := unfinished(month, today)) is not None:
        return status
    if index is None:
        return FigureStatus(FigureState.NOT_RATED, f"No referrals in {month_in_words(month)}")
    return FigureStatus(FigureState.RATED, f"From {plural(referrals, 'referral')}")


def mean_status(counted: list[FigureStatus]) -> FigureStatus:
    """The status of a mean over months (the annual report's mean contract health) from
    the statuses of the months counted in it, those with a figure: not rated when no month
    is counted; provisional when any counted month is, saying how many; rated otherwise."""
    if not counted:
        return FigureStatus(FigureState.NOT_RATED, "No month has a figure to count")
    provisional = sum(1 for status in counted if status.provisional)
    if provisional:
        verb = "is" if provisional == 1 else "are"
        return FigureStatus(
            FigureState.PROVISIONAL,
            f"{provisional} of the {plural(len(counted), 'month')} counted {verb} provisional",
        )
    return FigureStatus(FigureState.RATED, f"From {plural(len(counted), 'rated month')}")
