"""How coordination follows partner health (DESIGN.md section 3, "Combined view").

Measured honestly: the Pearson correlation of month-on-month changes (first differences,
so two trends do not correlate by accident) over the trailing window, for coordination
lagging health by 0 to 3 months. A change is taken only between consecutive months that
both have a figure, and a pair needs both changes. Fewer than 12 pairs, or a series
without variation, gives "not enough data", never a number. Pure functions: no ORM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from departments.periods import Period

MIN_PAIRS = 12
MAX_LAG = 3
WINDOW = 24

Series = list[tuple[Period, Decimal | None]]


# Words for how strong a correlation is, by the size of r (Evans, 1996, "Straightforward
# statistics for the behavioral sciences", the bands most UK public-sector guidance
# repeats): the lower bound of each band and its word, strongest first.
STRENGTHS = (
    (Decimal("0.80"), "very strong"),
    (Decimal("0.60"), "strong"),
    (Decimal("0.40"), "moderate"),
    (Decimal("0.20"), "weak"),
    (Decimal("0"), "very weak"),
)
STRENGTH_SCALE = (
    "A correlation (r) of 0.80 or more is called very strong, 0.60 to 0.79 strong, "
    "0.40 to 0.59 moderate, 0.20 to 0.39 weak and below 0.20 very weak."
)
# From "moderate" up a link is described as a tendency; below it, as little or no sign.
TENDS_FROM = Decimal("0.40")
CAVEAT = (
    "A link like this is not proof that one causes the other: both may follow something "
    "else, such as a change in demand, and a few unusual months can make or break it."
)


class Subjects(NamedTuple):
    """What a relation's two series are, in words."""

    health: str
    coordination: str
    coordination_again: str  # the coordination named a second time in a sentence
    plural: bool = False  # "the services ... slip", not "the service slips"


COUNCIL_SUBJECTS = Subjects(
    "the partner's service", "joint working between departments", "joint working"
)


def department_subjects(department_name: str) -> Subjects:
    """The words for one department's relation: its dependency health and coordination."""
    return Subjects(
        f"the partner's services {department_name} depends on",
        f"{department_name}'s joint working with other departments",
        "its joint working",
        plural=True,
    )


def lag_in_words(lag: int) -> str:
    """0 → "in the same month", 1 → "about a month later", 2 → "about 2 months later"."""
    if lag == 0:
        return "in the same month"
    return "about a month later" if lag == 1 else f"about {lag} months later"


@dataclass(frozen=True)
class LagResult:
    lag: int  # months coordination lags health
    r: Decimal | None  # rounded half-up to 2 places; None: not enough data
    pairs: int

    @property
    def enough_data(self) -> bool:
        return self.r is not None

    @property
    def lag_words(self) -> str:
        return lag_in_words(self.lag)

    @property
    def strength(self) -> str | None:
        """The word for the size of r (``STRENGTHS``), None without enough data."""
        if self.r is None:
            return None
        return next(word for bound, word in STRENGTHS if abs(self.r) >= bound)


@dataclass(frozen=True)
class Relation:
    lags: list[LagResult]
    best: LagResult | None  # the lag with the highest r, None when none has enough data

    def finding(self, months: int = WINDOW, *, subjects: Subjects = COUNCIL_SUBJECTS) -> str:
        """What the figures say, in words a director could repeat: ``subjects`` names
        what health and coordination are ("the partner's service", "joint working
        between departments"). Without enough data it says what the figures cannot say
        yet, and why."""
        health, coordination, coordination_again, plural = subjects
        best = self.best
        if best is None:
            most = max((lag.pairs for lag in self.lags), default=0)
            if most >= MIN_PAIRS:
                return (
                    f"{_first_upper(health)} or {coordination} has not changed from month to "
                    f"month over the last {months} months, so the figures cannot say "
                    "whether one follows the other."
                )
            return (
                f"There is not enough data yet to say whether {coordination} follows "
                f"{health}: that takes {MIN_PAIRS} pairs of month-on-month changes within "
                f"the last {months} months, and there {'is' if most == 1 else 'are'} "
                f"{most}. Until then the figures cannot say whether one follows the other."
            )
        later = lag_in_words(best.lag)
        if best.r >= TENDS_FROM:
            slips, improves = ("slip", "they improve") if plural else ("slips", "it improves")
            return (
                f"When {health} {slips}, {coordination} tends to slip too, {later}; when "
                f"{improves}, so does {coordination_again}."
            )
        if best.r <= -TENDS_FROM:
            return (
                f"{_first_upper(coordination)} tends to move the opposite way to {health}, {later}."
            )
        return (
            f"Over the last {months} months there is little sign that {coordination} "
            f"moves with {health}: the closest link found is {best.strength}."
        )

    def statistics(self) -> str:
        """The figures behind the finding: r, its strength word and the pairs it rests on."""
        best = self.best
        if best is None:
            return "Not enough data for a correlation."
        return (
            f"The link is {best.strength}: r = {best.r} over {best.pairs} pairs of months, "
            f"coordination measured {best.lag_words}."
        )


def _first_upper(text: str) -> str:
    """The text with its first letter a capital (str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]


def changes(series: Series) -> dict[Period, float]:
    """Month-on-month change at each month whose previous month also has a figure (a
    series holds periods of one kind)."""
    by_place = _changes_by_place(series)
    return {
        period: by_place[_place(period)]
        for period, value in series
        if value is not None and _place(period) in by_place
    }


def _place(period: Period) -> int:
    """Where a period stands in the run of periods of its kind: the next one is one more.
    The relation of a page's forty departments compares thousands of months, and a whole
    number is cheaper to step and to hash than a ``Period``."""
    return period.year * period.periods_in_year + period.number


def _changes_by_place(series: Series) -> dict[int, float]:
    """``changes`` keyed by each month's ``_place``."""
    values = {_place(period): value for period, value in series if value is not None}
    return {
        place: float(value - values[place - 1])
        for place, value in values.items()
        if place - 1 in values
    }


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, or None when either side has no variation."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return sxy / math.sqrt(sxx * syy)


def lagged_pairs(health: Series, coordination: Series, lag: int) -> list[tuple[float, float]]:
    """(health change in month m, coordination change in month m + lag), where both exist
    and month m + lag lies within the coordination series given."""
    return _pairs_at_lag(_changes_by_place(health), _changes_by_place(coordination), lag)


def _pairs_at_lag(
    health_changes: dict[int, float], coordination_changes: dict[int, float], lag: int
) -> list[tuple[float, float]]:
    return [
        (health_changes[place], coordination_changes[place + lag])
        for place in sorted(health_changes)
        if place + lag in coordination_changes
    ]


def relation(
    health: Series, coordination: Series, *, max_lag: int = MAX_LAG, min_pairs: int = MIN_PAIRS
) -> Relation:
    """The relation over the months given (the caller passes the trailing window)."""
    results = []
    # The month-on-month changes once, for every lag.
    health_changes = _changes_by_place(health)
    coordination_changes = _changes_by_place(coordination)
    for lag in range(max_lag + 1):
        pairs = _pairs_at_lag(health_changes, coordination_changes, lag)
        r = (
            pearson([p[0] for p in pairs], [p[1] for p in pairs])
            if len(pairs) >= min_pairs
            else None
        )
        rounded = (
            None
            if r is None
            else Decimal(repr(r)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        )
        results.append(LagResult(lag, rounded, len(pairs)))
    rated = [result for result in results if result.enough_data]
    best = max(rated, key=lambda result: (result.r, -result.lag)) if rated else None
    return Relation(results, best)
