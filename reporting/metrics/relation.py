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

from departments.periods import Period

MIN_PAIRS = 12
MAX_LAG = 3
WINDOW = 24

Series = list[tuple[Period, Decimal | None]]


@dataclass(frozen=True)
class LagResult:
    lag: int  # months coordination lags health
    r: Decimal | None  # rounded half-up to 2 places; None: not enough data
    pairs: int

    @property
    def enough_data(self) -> bool:
        return self.r is not None


@dataclass(frozen=True)
class Relation:
    lags: list[LagResult]
    best: LagResult | None  # the lag with the highest r, None when none has enough data

    def finding(self, months: int = WINDOW) -> str:
        if self.best is None:
            return (
                f"Over the last {months} months there is not enough data to say how "
                "coordination follows partner health."
            )
        when = (
            "in the same month"
            if self.best.lag == 0
            else f"by {self.best.lag} month{'s' if self.best.lag != 1 else ''}"
        )
        return (
            f"Over the last {months} months, coordination changes follow partner-health "
            f"changes {when}, r = {self.best.r} over {self.best.pairs} pairs."
        )


def changes(series: Series) -> dict[Period, float]:
    """Month-on-month change at each month whose previous month also has a figure."""
    values = {period: value for period, value in series if value is not None}
    return {
        period: float(value - values[period.previous()])
        for period, value in values.items()
        if period.previous() in values
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
    health_changes, coordination_changes = changes(health), changes(coordination)
    pairs = []
    for month, health_change in sorted(health_changes.items(), key=lambda item: item[0].start):
        later = month
        for _ in range(lag):
            later = later.next()
        if later in coordination_changes:
            pairs.append((health_change, coordination_changes[later]))
    return pairs


def relation(
    health: Series, coordination: Series, *, max_lag: int = MAX_LAG, min_pairs: int = MIN_PAIRS
) -> Relation:
    """The relation over the months given (the caller passes the trailing window)."""
    results = []
    for lag in range(max_lag + 1):
        pairs = lagged_pairs(health, coordination, lag)
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
