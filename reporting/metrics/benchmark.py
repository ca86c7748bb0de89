"""How the council compares with a group of other councils: pure functions on Decimal.

Every figure is worked out exactly from the published values and rounded only for
display. The methods, stated so that a council can check them in a spreadsheet:

- **The group**: the group's member councils and the council itself (a CIPFA nearest
  neighbours list leaves the council out; it is ranked among them, 16 of 16). Of a series
  of groups (one per model year), the one in force for a period is the latest whose model
  year is at or before the period's financial year (``group_in_force``).
- **Median and quartiles**: the inclusive method of Excel's QUARTILE.INC and
  ``statistics.quantiles(method="inclusive")``: sort the n values; the p-quantile lies at
  position (n − 1) × p counting from 0, interpolated linearly between the values either
  side (``quantile_inclusive``).
- **Rank**: 1 is best, with the polarity (higher, lower, or nearest the midpoint: ranked
  by distance from it); councils with the same figure share the best rank of their
  places, as the Scottish benchmarking framework does (1, 2, 2, 4).
- **Quartile band**: the quartiles of the figures turned so that higher is better (a
  lower-is-better figure negated; a midpoint figure as minus its distance from the
  midpoint): at or above the upper quartile is the top quartile, at or above the median
  the second, at or above the lower quartile the third, below it the bottom.
- **In words**: the council's distance from the group median in median absolute
  deviations (MAD: the median of every figure's distance from the median), on the same
  better-is-higher scale: within 0.5 MAD either side "broadly similar"; more than 0.5 and
  at most 1.5 "slightly better/worse"; more than 1.5 and at most 3 "better/worse"; more
  than 3 "much better/worse". A MAD of 0 (most of the group share one figure) gives
  "broadly similar" for a council on the median and otherwise says better or worse
  without a size, since there is no spread to measure by.
- **Direction of travel against the group median**: the council's gap to the median,
  better-is-higher, now against the same period a year earlier, each rounded half-up to
  the metric's places: a larger gap is "improved", a smaller "worse", an equal one
  "unchanged"; "no comparison" without both.
- **Missing figures**: a member with no figure (blank, suppressed, not published) is
  left out of every figure and counted and named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from departments.models import BenchmarkPolarity
from departments.numbers import plain_figure, round_half_up
from reporting.metrics.returns import Direction

QUARTILE_METHOD = (
    "Inclusive quartiles, as Excel's QUARTILE.INC: the p-quantile of n sorted figures is at "
    "position (n − 1) × p from 0, interpolated linearly between its neighbours."
)
RANK_METHOD = (
    "Rank 1 is best with the metric's polarity (nearest the midpoint: by distance from it); "
    "equal figures share the best rank of their places."
)
BAND_METHOD = (
    "Quartiles of the figures turned so that higher is better: at or above the upper "
    "quartile is the top quartile, at or above the median the second, at or above the lower "
    "quartile the third, below it the bottom."
)
STATEMENT_METHOD = (
    "Distance from the group median in median absolute deviations (MAD), polarity-aware: "
    "within ±0.5 broadly similar; over 0.5 to 1.5 slightly better or worse; over 1.5 to 3 "
    "better or worse; over 3 much better or worse."
)
GROUP_METHOD = (
    "The group's member councils and the council itself; of a series of groups, the latest "
    "model year at or before the period's financial year."
)
DIRECTION_METHOD = (
    "The council's gap to the group median (better is positive) against the same period a "
    "year earlier, each rounded to the metric's places."
)

HALF = Decimal("0.5")
ONE_AND_A_HALF = Decimal("1.5")
THREE = Decimal(3)


class Band(StrEnum):
    TOP = "top"
    SECOND = "second"
    THIRD = "third"
    BOTTOM = "bottom"

    @property
    def label(self) -> str:
        return {
            "top": "Top quartile",
            "second": "Second quartile",
            "third": "Third quartile",
            "bottom": "Bottom quartile",
        }[self]


class Likeness(StrEnum):
    """The statement's band: how far from the group median, in MADs, and which way."""

    MUCH_BETTER = "much_better"
    BETTER = "better"
    SLIGHTLY_BETTER = "slightly_better"
    SIMILAR = "broadly_similar"
    SLIGHTLY_WORSE = "slightly_worse"
    WORSE = "worse"
    MUCH_WORSE = "much_worse"
    BETTER_NO_SPREAD = "better_no_spread"
    WORSE_NO_SPREAD = "worse_no_spread"

    @property
    def words(self) -> str:
        return {
            "much_better": "much better than",
            "better": "better than",
            "slightly_better": "slightly better than",
            "broadly_similar": "broadly similar to",
            "slightly_worse": "slightly worse than",
            "worse": "worse than",
            "much_worse": "much worse than",
            "better_no_spread": "better than",
            "worse_no_spread": "worse than",
        }[self]


@dataclass(frozen=True)
class Area:
    """One council's published figure for a period; ``value`` None when it has none."""

    area_code: str
    area_name: str
    value: Decimal | None


@dataclass(frozen=True)
class Quartiles:
    lower: Decimal
    median: Decimal
    upper: Decimal


@dataclass(frozen=True)
class Comparison:
    """The council against one group for one period (every figure exact)."""

    council_value: Decimal | None
    councils: int  # in the group, the council included
    reporting: int  # of them, with a figure
    missing: tuple[str, ...]  # names of those without one
    quartiles: Quartiles | None
    lowest: Decimal | None
    highest: Decimal | None
    rank: int | None
    band: Band | None
    mad: Decimal | None
    mads_from_median: Decimal | None  # better-is-positive; None when MAD is 0
    likeness: Likeness | None
    gap_to_median: Decimal | None  # better-is-positive, exact

    @property
    def median(self) -> Decimal | None:
        return self.quartiles.median if self.quartiles else None


def group_in_force(model_years: Iterable[int], year: int) -> int | None:
    """The model year in force for financial year ``year`` (2021 for 2021-22): the latest
    model year at or before it, or None when every model is later than the year."""
    eligible = [model_year for model_year in model_years if model_year <= year]
    return max(eligible) if eligible else None


def quantile_inclusive(values: Sequence[Decimal], p: Decimal) -> Decimal:
    """The ``p``-quantile (0 to 1) by the inclusive method (Excel QUARTILE.INC): sort the
    n values, take position h = (n − 1) × p counting from 0 and interpolate linearly
    between the values at floor(h) and floor(h) + 1. ValueError for no values."""
    if not values:
        raise ValueError("no values to take a quantile of")
    if not Decimal(0) <= p <= Decimal(1):
        raise ValueError(f"p must lie between 0 and 1: {p}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    below = int(position)  # floor: position is never negative
    fraction = position - below
    if below + 1 >= len(ordered) or fraction == 0:
        return ordered[below]
    return ordered[below] + fraction * (ordered[below + 1] - ordered[below])


def quartiles(values: Sequence[Decimal]) -> Quartiles:
    """Lower quartile, median and upper quartile by the inclusive method."""
    return Quartiles(
        lower=quantile_inclusive(values, Decimal("0.25")),
        median=quantile_inclusive(values, HALF),
        upper=quantile_inclusive(values, Decimal("0.75")),
    )


def median_absolute_deviation(values: Sequence[Decimal]) -> Decimal:
    """The median of each value's absolute distance from the values' median."""
    centre = quantile_inclusive(values, HALF)
    return quantile_inclusive([abs(value - centre) for value in values], HALF)


def better_is_higher(value: Decimal, polarity: str, midpoint: Decimal | None = None) -> Decimal:
    """The figure on a scale where higher is always better: itself (higher is better), its
    negation (lower is better), or minus its distance from the midpoint."""
    if polarity == BenchmarkPolarity.HIGHER:
        return value
    if polarity == BenchmarkPolarity.LOWER:
        return -value
    if polarity == BenchmarkPolarity.MIDPOINT:
        if midpoint is None:
            raise ValueError("a midpoint polarity needs its midpoint")
        return -abs(value - midpoint)
    raise ValueError(f"{polarity!r} is not a benchmark polarity")


def rank(
    value: Decimal, others: Sequence[Decimal], polarity: str, midpoint: Decimal | None = None
) -> int:
    """The rank of ``value`` among ``values`` (which include it), 1 best: one more than the
    number of figures strictly better, so equal figures share the best rank of their
    places (1, 2, 2, 4). Nearest the midpoint ranks by distance from it."""
    mine = better_is_higher(value, polarity, midpoint)
    return 1 + sum(1 for other in others if better_is_higher(other, polarity, midpoint) > mine)


def quartile_band(
    value: Decimal, values: Sequence[Decimal], polarity: str, midpoint: Decimal | None = None
) -> Band:
    """The quartile band of ``value`` among ``values`` (which include it), polarity-aware:
    at or above the upper quartile of the better-is-higher figures is the top quartile,
    at or above their median the second, at or above their lower quartile the third."""
    scores = [better_is_higher(v, polarity, midpoint) for v in values]
    mine = better_is_higher(value, polarity, midpoint)
    cut = quartiles(scores)
    if mine >= cut.upper:
        return Band.TOP
    if mine >= cut.median:
        return Band.SECOND
    if mine >= cut.lower:
        return Band.THIRD
    return Band.BOTTOM


def likeness(gap: Decimal, mad: Decimal) -> Likeness:
    """The statement band of a better-is-positive ``gap`` to the median, in MADs: |gap| at
    most 0.5 MAD broadly similar; over 0.5 up to 1.5 slightly; over 1.5 up to 3 plain;
    over 3 much. With a MAD of 0 a gap of 0 is broadly similar and any other is better or
    worse with no size (``*_NO_SPREAD``). Compared as gap against multiples of MAD, so
    no division rounds a boundary."""
    if mad < 0:
        raise ValueError("a median absolute deviation is never negative")
    if gap == 0:
        return Likeness.SIMILAR
    if mad == 0:
        return Likeness.BETTER_NO_SPREAD if gap > 0 else Likeness.WORSE_NO_SPREAD
    size = abs(gap)
    better = gap > 0
    if size <= HALF * mad:
        return Likeness.SIMILAR
    if size <= ONE_AND_A_HALF * mad:
        return Likeness.SLIGHTLY_BETTER if better else Likeness.SLIGHTLY_WORSE
    if size <= THREE * mad:
        return Likeness.BETTER if better else Likeness.WORSE
    return Likeness.MUCH_BETTER if better else Likeness.MUCH_WORSE


def compare(
    *,
    council_code: str,
    areas: Sequence[Area],
    polarity: str,
    midpoint: Decimal | None = None,
) -> Comparison:
    """The council (``council_code``, one of ``areas``) against the group's figures.

    ``areas`` is the whole group with the council, one entry each, ``value`` None for
    a figure not published; those are counted and named in ``missing`` and left out of
    every figure. Without the council's own figure there is no rank, band or statement,
    but the group's spread is still given.
    """
    reported = [area for area in areas if area.value is not None]
    values = [area.value for area in reported]
    missing = tuple(sorted(area.area_name for area in areas if area.value is None))
    mine = next((area.value for area in areas if area.area_code == council_code), None)
    if not values:
        return Comparison(
            council_value=mine,
            councils=len(areas),
            reporting=0,
            missing=missing,
            quartiles=None,
            lowest=None,
            highest=None,
            rank=None,
            band=None,
            mad=None,
            mads_from_median=None,
            likeness=None,
            gap_to_median=None,
        )
    spread = quartiles(values)
    scores = [better_is_higher(value, polarity, midpoint) for value in values]
    score_median = quantile_inclusive(scores, HALF)
    mad = median_absolute_deviation(scores)
    gap = None if mine is None else better_is_higher(mine, polarity, midpoint) - score_median
    return Comparison(
        council_value=mine,
        councils=len(areas),
        reporting=len(values),
        missing=missing,
        quartiles=spread,
        lowest=min(values),
        highest=max(values),
        rank=None if mine is None else rank(mine, values, polarity, midpoint),
        band=None if mine is None else quartile_band(mine, values, polarity, midpoint),
        mad=mad,
        mads_from_median=None if gap is None or mad == 0 else gap / mad,
        likeness=None if gap is None else likeness(gap, mad),
        gap_to_median=gap,
    )


def direction_against_median(
    current_gap: Decimal | None, previous_gap: Decimal | None, places: int
) -> Direction:
    """The council's better-is-positive gap to the group median now against a year
    earlier, each rounded half-up to ``places``: larger is improved, smaller worse."""
    if current_gap is None or previous_gap is None:
        return Direction.NO_COMPARISON
    now, then = round_half_up(current_gap, places), round_half_up(previous_gap, places)
    if now == then:
        return Direction.UNCHANGED
    return Direction.IMPROVED if now > then else Direction.WORSE


def statement(comparison: Comparison, *, council: str, group: str, places: int) -> str:
    """The comparison in words: the council against the group median, how far, and which
    members have no figure."""
    missing = _missing_words(comparison, places=places)
    if comparison.quartiles is None:
        return f"No council in {group} has a figure for this period." + missing
    median = plain_figure(comparison.median, places)
    if comparison.council_value is None:
        return f"{council} has no figure for this period; the median of {group} is {median}." + (
            missing
        )
    mine = plain_figure(comparison.council_value, places)
    words = comparison.likeness.words
    sentence = f"{council} ({mine}) is {words} the median of {group} ({median})"
    if comparison.likeness in (Likeness.BETTER_NO_SPREAD, Likeness.WORSE_NO_SPREAD):
        sentence += (
            "; most of the group share one figure (no spread to measure by), so how much "
            "cannot be said"
        )
    elif comparison.mads_from_median is not None:
        distance = plain_figure(abs(comparison.mads_from_median), 1)
        sentence += f", {distance} median absolute deviations away"
    return (
        f"{sentence}. It ranks {comparison.rank} of {comparison.reporting} "
        f"({comparison.band.label.lower()})." + missing
    )


def _missing_words(comparison: Comparison, *, places: int) -> str:
    if not comparison.missing:
        return ""
    count = len(comparison.missing)
    names = ", ".join(comparison.missing)
    have = "has" if count == 1 else "have"
    return f" {count} of {comparison.councils} councils {have} no figure ({names})."
