"""Rounding rules shared by every figure the product shows (DESIGN.md section 3).

Derived figures are rounded half-up to the indicator's decimal places before they are
rated or compared; money is rounded half-up to the penny.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

PENNY = Decimal("0.01")


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round ``value`` half-up (0.5 goes away from zero) to ``places`` decimal places."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_fraction_half_up(value: Fraction, places: int) -> Decimal:
    """``round_half_up`` of an exact fraction: rounded once, with no digit lost before (a
    mean of recurring shares that is exactly a half stays one)."""
    # floor(|n| / d × 10^places + ½), in whole numbers: floor((2 |n| 10^places + d) / 2d).
    numerator, denominator = abs(value.numerator) * 10**places, value.denominator
    whole = (2 * numerator + denominator) // (2 * denominator)
    return Decimal(whole if value >= 0 else -whole).scaleb(-places)


def fraction_to_decimal(value: Fraction) -> Decimal:
    """An exact fraction as a ``Decimal`` of 28 significant digits, rounded once: for a
    figure kept or compared as a decimal (a contract KPI's score) that was built exactly.
    A fraction that is exactly a half at any place shown terminates, so it comes back
    whole."""
    return Decimal(value.numerator) / Decimal(value.denominator)


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


# Every stored figure keeps at most this many significant digits: SQLite reads a decimal
# column back through a 15-digit context, so a longer figure would come back changed on
# the embedded default while PostgreSQL kept it (the same data must give the same figures).
MAX_SIGNIFICANT_DIGITS = 15


def decimal_digits(number: Decimal) -> tuple[int, int]:
    """(digits before the decimal point, decimal places) of a finite Decimal, as written
    without trailing zeros: 1250 -> (4, 0), 0.0500 -> (0, 2), 1E+30 -> (31, 0).

    Worked from the digit tuple, not ``normalize()``, which overflows for exponents
    beyond the context's range (a file may hold "1e999999999")."""
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        return 0, 0
    digits = list(digits)
    while len(digits) > 1 and digits[-1] == 0 and exponent < 0:
        digits.pop()
        exponent += 1
    if digits == [0]:
        return 0, 0
    while digits and digits[0] == 0:
        digits.pop(0)
    return max(0, len(digits) + exponent), max(0, -exponent)


def decimal_problem(
    number: Decimal, *, label: str, max_digits: int, decimal_places: int
) -> str | None:
    """Why ``number`` cannot be stored in a field of ``max_digits`` and ``decimal_places``,
    or None. The one limit check of every figure (returns, targets, SLA results and
    levels, charges, percentages), called by forms, the API and imports alike.

    Checks, in order: digits before the decimal point (at most ``max_digits -
    decimal_places``), decimal places, and at most ``MAX_SIGNIFICANT_DIGITS`` digits in
    all. Each message names the field and gives the limit.
    """
    before, places = decimal_digits(number)
    most_before = max_digits - decimal_places
    if before > most_before:
        return (
            f"{label} is too large: it has {before} digits before the decimal point and "
            f"the most is {most_before}"
        )
    if places > decimal_places:
        plural = "place" if decimal_places == 1 else "places"
        return f"{label} can have at most {decimal_places} decimal {plural}"
    if before + places > MAX_SIGNIFICANT_DIGITS:
        return (
            f"{label} has {before + places} digits; the most is {MAX_SIGNIFICANT_DIGITS} "
            "digits in all"
        )
    return None


def validate_significant_digits(value: Decimal | None) -> None:
    """Model-field validator: at most ``MAX_SIGNIFICANT_DIGITS`` digits in all, so the
    figure reads back the same on SQLite (forms, admin and the API run it)."""
    from django.core.exceptions import ValidationError

    if value is None or not value.is_finite():
        return
    before, places = decimal_digits(value)
    if before + places > MAX_SIGNIFICANT_DIGITS:
        raise ValidationError(
            f"This figure has {before + places} digits; the most is "
            f"{MAX_SIGNIFICANT_DIGITS} digits in all",
            code="max_significant_digits",
        )


def percent_problem(number: Decimal, *, label: str) -> str | None:
    """The one rule for percentages (DESIGN.md section 3, "SLA"): a percent-unit return,
    SLA result or level, a credit or cap percentage lies between 0 and 100."""
    if number < 0:
        return f"{label} is a percentage and cannot be negative"
    if number > 100:
        return f"{label} is a percentage and cannot be more than 100"
    return None


# Free text (commentary, improvement actions, reasons, notes): long enough for a real
# commentary, short enough that every export format holds it whole.
TEXT_LIMIT = 10_000


def text_problem(text: str, *, label: str, limit: int = TEXT_LIMIT) -> str | None:
    """Why a free-text entry is too long, or None; the message gives the limit."""
    if len(text) > limit:
        return f"{label} can be at most {limit:,} characters (it has {len(text):,})"
    return None


def quoted(text: str) -> str:
    """What a person typed, quoted in a message: whole when short, never a whole pasted
    paragraph ('…' after 40 characters)."""
    return f"'{text}'" if len(text) <= 40 else f"'{text[:40]}…'"


def text_errors(**texts: tuple[str | None, str]) -> dict[str, str]:
    """Field name to message for each free text, given as ``field=(text, label)``, that is
    longer than TEXT_LIMIT once stripped (as it is stored); {} when all fit. Services
    check before writing, so the form, the API and imports get the same message."""
    return {
        field: problem
        for field, (text, label) in texts.items()
        if (problem := text_problem((text or "").strip(), label=label))
    }


# A run of characters with no break opportunity longer than this gets zero-width
# spaces, so a PDF wraps it instead of running it off the page (and pushing the other
# columns of its table out of sight) — WeasyPrint's own overflow-wrap is far too slow.
_UNBROKEN_RUN = 30
_ZERO_WIDTH_SPACE = "\u200b"


def breakable(text: str) -> str:
    """``text`` with a zero-width space after every 30 characters of any run that has no
    space, for printing: nothing visible changes and no character is lost."""
    return re.sub(
        rf"\S{{{_UNBROKEN_RUN + 1},}}",
        lambda run: _ZERO_WIDTH_SPACE.join(
            run[0][i : i + _UNBROKEN_RUN] for i in range(0, len(run[0]), _UNBROKEN_RUN)
        ),
        text,
    )
