"""Rounding rules shared by every figure the product shows (DESIGN.md section 3).

Derived figures are rounded half-up to the indicator's decimal places before they are
rated or compared; money is rounded half-up to the penny.
"""

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round ``value`` half-up (0.5 goes away from zero) to ``places`` decimal places."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_money(value: Decimal) -> Decimal:
    """Round an amount in GBP half-up to the penny."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def score(value: Decimal) -> Decimal:
    """Scores (health, coordination index) are shown to one decimal place."""
    return round_half_up(value, 1)


def format_figure(value: Decimal | None, places: int) -> str:
    """A figure rounded half-up to ``places`` with thousands separated, or – when empty."""
    if value is None:
        return "–"
    return f"{round_half_up(value, places):,.{places}f}"


def plain_figure(value: Decimal | None, places: int | None = None) -> str:
    """A figure for a form field: no separators, no trailing zeros beyond its places."""
    if value is None:
        return ""
    if places is not None:
        return f"{round_half_up(value, places):f}"
    return f"{value.normalize():f}"
