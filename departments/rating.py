"""Rating a figure against its target (DESIGN.md section 3, "Target" and "RAG").

The base rule lives here because the return workflow needs it (a red return cannot be
submitted without commentary and an improvement action); ``reporting`` builds every
dashboard figure on these same functions.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from departments.models import PerformanceIndicator, Polarity, Target, YearToDate
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
