"""Scores of 0-100 and their RAG (DESIGN.md section 3): green ≥ 80, amber ≥ 60, red below.

Scores are rounded half-up to one decimal place before they are rated or shown.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from departments.numbers import round_fraction_half_up, score
from departments.rating import Rag

GREEN_FROM = Decimal(80)
AMBER_FROM = Decimal(60)


def rag_for_score(value: Decimal | None) -> Rag:
    if value is None:
        return Rag.NOT_RATED
    if value >= GREEN_FROM:
        return Rag.GREEN
    return Rag.AMBER if value >= AMBER_FROM else Rag.RED


def exact_share(good: Decimal | int, total: Decimal | int) -> Decimal | None:
    """100 × good ÷ total, unrounded; None without a total."""
    if not total:
        return None
    return Decimal(100) * Decimal(good) / Decimal(total)


def share_fraction(good: Fraction | Decimal | int, total: Decimal | int) -> Fraction | None:
    """100 × good ÷ total as an exact fraction; None without a total. A ``Decimal`` (an
    amount of money) converts to a fraction exactly, so nothing is lost before the one
    rounding (``fraction_score``)."""
    if not total:
        return None
    # One fraction made and reduced, not three multiplied and divided: a council's pages
    # take thousands of these shares. Whole numbers and fractions have a numerator and a
    # denominator already; only a Decimal needs converting.
    good = Fraction(good) if isinstance(good, Decimal) else good
    total = Fraction(total) if isinstance(total, Decimal) else total
    return Fraction(100 * good.numerator * total.denominator, good.denominator * total.numerator)


def fraction_score(exact: Fraction) -> Decimal:
    """A score held as an exact fraction (a share, or a weighted mean of shares), rounded
    half-up once to one decimal place: a mean that is exactly a half is rounded up, never
    shown a hair below it (DESIGN.md section 3, "Exactness")."""
    return round_fraction_half_up(exact, 1)


def share_score(good: Decimal | int, total: Decimal | int) -> Decimal | None:
    """100 × good ÷ total, to one decimal place; None without a total."""
    exact = exact_share(good, total)
    return None if exact is None else score(exact)


@dataclass(frozen=True)
class Component:
    """One part of a weighted score: its own score (None: no data), weight and share.

    ``exact`` is the score as an exact fraction (``share_fraction``): the weighted mean uses
    it, so the total is rounded once, at the end, not built from figures already rounded
    for display, nor from shares cut to 28 digits (a third).
    """

    key: str
    label: str
    exact: Fraction | None
    weight: int
    detail: str
    effective_weight: Decimal = Decimal(0)  # percent of the total after sharing out

    @property
    def score(self) -> Decimal | None:
        return None if self.exact is None else fraction_score(self.exact)

    @property
    def has_data(self) -> bool:
        return self.exact is not None


def weighted_score(components: list[Component]) -> tuple[Decimal | None, list[Component]]:
    """The weighted mean of the components that have data, to one decimal place.

    Weights of components without data are shared out in proportion among the others;
    each component is returned with its effective weight (percent, one decimal place).
    """
    value, shared = weighted_exact(components)
    return (None if value is None else fraction_score(value)), shared


def weighted_exact(components: list[Component]) -> tuple[Fraction | None, list[Component]]:
    """``weighted_score`` unrounded, as an exact fraction: for a figure built from this one
    (council partner health from contract health), which must use exact values and round
    once."""
    counted = tuple(c.has_data and c.weight > 0 for c in components)
    # Σ weight × n ÷ d over the counted components, kept as one numerator over one
    # denominator in whole numbers and reduced once at the end: Fraction's own arithmetic
    # reduces at every step, about four times the work for a council's thousands of
    # department-months. The value is the same exact fraction.
    numerator, denominator, total = 0, 1, 0
    for c, used in zip(components, counted, strict=True):
        if used:
            n, d = c.exact.numerator, c.exact.denominator
            numerator = numerator * d + c.weight * n * denominator
            denominator *= d
            total += c.weight
    if not total:
        return None, components
    value = Fraction(numerator, denominator * total)
    effective = _effective_weights(tuple(c.weight for c in components), counted)
    shared = [
        Component(c.key, c.label, c.exact, c.weight, c.detail, weight)
        for c, weight in zip(components, effective, strict=True)
    ]
    return value, shared


# A council's pages weigh thousands of department-months with the same few weights and
# the same few components missing: the shares of the weights are worked out once each.
@functools.lru_cache(maxsize=256)
def _effective_weights(weights: tuple[int, ...], counted: tuple[bool, ...]) -> tuple[Decimal, ...]:
    """Each weight's percent of the counted weights' total, to one decimal place; 0 for a
    component not counted (no data, or no weight)."""
    total = sum(w for w, used in zip(weights, counted, strict=True) if used)
    return tuple(
        score(Decimal(100) * w / total) if used else Decimal(0)
        for w, used in zip(weights, counted, strict=True)
    )
