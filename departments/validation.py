"""Validation of a return's figures: one set of rules for the form, the API and imports.

Each message names the field and the problem in plain words, as a council officer would
want to read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from core.words import plural
from departments.models import ForecastConfidence, KpiReturn, PerformanceIndicator, Unit
from departments.numbers import decimal_digits, decimal_problem, percent_problem, quoted
from departments.periods import Period

UNIT_NAMES = {
    Unit.PERCENT: "a percentage",
    Unit.DAYS: "a number of days",
    Unit.COUNT: "a count",
    Unit.GBP: "an amount in pounds",
    Unit.KG: "a weight in kilograms",
    Unit.RATE: "a rate",
    Unit.SCORE: "a score",
}
FIGURE_LABELS = {"value": "Value", "numerator": "Numerator", "denominator": "Denominator"}
_VALUE_FIELD = KpiReturn._meta.get_field("value")
_RATIO_FIELD = KpiReturn._meta.get_field("numerator")
# Digits a return's value may have before the decimal point: what its column holds.
VALUE_DIGITS_BEFORE_POINT = _VALUE_FIELD.max_digits - _VALUE_FIELD.decimal_places


@dataclass
class CleanedFigures:
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict)


# Commas are taken only as thousands separators in groups of three ("1,250",
# "12,345.5"): a decimal comma ("4,5", as much of Europe writes it) or a stray one would
# otherwise be read as a different number without a word.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?")
# A number as people write it, with an exponent as files and programs write one ("1e30",
# "1E+3"; kept: a spreadsheet's CSV holds them). Python's Decimal takes more than this:
# underscores ("1_000") and digits of other scripts ("١٢"), which no officer means as a
# figure, so they are refused rather than read as a number nobody typed.
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_decimal(raw: object) -> Decimal | None:
    """A Decimal from what a person typed or a file held; None when empty.

    Spaces and a leading pound sign are allowed, commas that separate thousands in
    groups of three ("1,250"), and an exponent ("1e3"); not underscores ("1_000") nor
    digits other than 0 to 9, which Python's Decimal alone would take. Raises ValueError
    for anything that is not a number; its message says why when a person could not tell
    (a decimal comma, a percent sign, an underscore).
    """
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ValueError("not a number")
        return _zero_plain(raw)
    if isinstance(raw, bool):
        raise ValueError("not a number")
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
        if not number.is_finite():
            raise ValueError("not a number")
        return _zero_plain(number)
    text = str(raw).strip().replace(" ", "").replace("\u00a0", "").replace("£", "")
    if text == "":
        return None
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValueError(
                "has a comma that does not separate thousands: write decimals with a "
                "point, like 4.5, and thousands as 1,250 or 1250"
            )
        text = text.replace(",", "")
    if text.endswith("%"):
        raise ValueError("has a percent sign: enter the number only, like 96.5")
    if "_" in text:
        raise ValueError("has an underscore: write the number with digits only, like 1000 or 1,250")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError("not a number")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise ValueError("not a number") from error
    if not number.is_finite():
        raise ValueError("not a number")
    return _zero_plain(number)


def _zero_plain(number: Decimal) -> Decimal:
    """Zero as plain 0: "0E-20000" or "-0" is zero, but its exponent would overflow
    PostgreSQL's numeric type (a server error) while SQLite stored it."""
    return number if number else Decimal(0)


def number_message(label: str, error: ValueError, example: str = "92.5") -> str:
    """What to tell a person whose figure ``parse_decimal`` refused."""
    reason = str(error)
    if reason == "not a number":
        return f"{label} must be a number, like {example}"
    return f"{label} {reason}"


def _places(number: Decimal) -> int:
    return decimal_digits(number)[1]


def clean_figures(
    indicator: PerformanceIndicator,
    *,
    value: object = None,
    numerator: object = None,
    denominator: object = None,
) -> CleanedFigures:
    """Check the figures of a return; for a ratio indicator derive the value."""
    result = CleanedFigures()
    parsed: dict[str, Decimal | None] = {}
    for name, raw in (("value", value), ("numerator", numerator), ("denominator", denominator)):
        try:
            parsed[name] = parse_decimal(raw)
        except ValueError as error:
            result.errors[name] = number_message(FIGURE_LABELS[name], error)
    if result.errors:
        return result
    if indicator.is_ratio:
        _clean_ratio(indicator, parsed, result)
    else:
        _clean_value(indicator, parsed, result)
    return result


def _clean_value(indicator, parsed, result: CleanedFigures) -> None:
    number = parsed["value"]
    if parsed["numerator"] is not None or parsed["denominator"] is not None:
        result.errors["numerator"] = (
            f"{indicator.code} is not a ratio indicator: enter the value only"
        )
        return
    if number is None:
        result.errors["value"] = "Enter the value"
        return
    problem = _range_problem(indicator, number, "Value") or _value_limit_problem(
        indicator, number, "Value"
    )
    if problem:
        result.errors["value"] = problem
        return
    result.value = number


def _value_limit_problem(indicator, number: Decimal, label: str) -> str | None:
    """The stored column's digits before the point, the indicator's decimal places."""
    places = indicator.decimal_places
    if _places(number) > places:
        return f"{label} can have at most {plural(places, 'decimal place')} for {indicator.code}"
    return decimal_problem(
        number, label=label, max_digits=VALUE_DIGITS_BEFORE_POINT + places, decimal_places=places
    )


def _range_problem(indicator, number: Decimal, label: str) -> str | None:
    if number < 0:
        return f"{label} cannot be negative: {indicator.code} is {UNIT_NAMES[indicator.unit]}"
    if indicator.unit == Unit.PERCENT:
        return percent_problem(number, label=label)
    return None


def _ratio_part_problem(name: str, number: Decimal) -> str | None:
    """Why a numerator or denominator cannot be stored, or None."""
    if number < 0:
        return f"{FIGURE_LABELS[name]} cannot be negative"
    return decimal_problem(
        number,
        label=FIGURE_LABELS[name],
        max_digits=_RATIO_FIELD.max_digits,
        decimal_places=_RATIO_FIELD.decimal_places,
    )


def _clean_ratio(indicator, parsed, result: CleanedFigures) -> None:
    numerator, denominator = parsed["numerator"], parsed["denominator"]
    # Each part's own limits, checked once: None for a part not given.
    part_problems = {
        name: _ratio_part_problem(name, number)
        for name, number in (("numerator", numerator), ("denominator", denominator))
        if number is not None
    }
    parts_stored = not any(part_problems.values())
    # Only figures that can be stored are divided (10^40 ÷ 10^-12 has more digits than a
    # Decimal rounds): a numerator or denominator out of its limits is named below, by its
    # own field, whatever value was typed beside it.
    if parsed["value"] is not None and parts_stored:
        derived = None
        if numerator is not None and denominator:
            derived = indicator.derive_value(numerator, denominator)
        if derived is None or derived != parsed["value"]:
            result.errors["value"] = (
                f"{indicator.code} is worked out from numerator and denominator: "
                "leave the value empty"
            )
            return
    if numerator is None:
        result.errors["numerator"] = "Enter the numerator"
    if denominator is None:
        result.errors["denominator"] = "Enter the denominator"
    if result.errors:
        return
    for name, problem in part_problems.items():
        if problem:
            result.errors[name] = problem
    if result.errors:
        return
    if denominator == 0:
        result.errors["denominator"] = "Denominator cannot be zero"
        return
    if indicator.unit == Unit.PERCENT and numerator > denominator:
        result.errors["numerator"] = (
            "Numerator cannot be greater than the denominator for a percentage"
        )
        return
    derived = indicator.derive_value(numerator, denominator)
    problem = _value_limit_problem(indicator, derived, "The value worked out")
    if problem:
        result.errors["denominator"] = (
            f"{problem} ({numerator.normalize():f} ÷ {denominator.normalize():f}): "
            "check the denominator"
        )
        return
    result.numerator, result.denominator = numerator, denominator
    result.value = derived


def period_problem(
    indicator: PerformanceIndicator, period_key: str, today: date | None = None
) -> str | None:
    """Why a return cannot be entered for this period, or None."""
    try:
        period = Period.parse(period_key)
    except ValueError:
        return f"Period {quoted(period_key)} is not a period key: use a form such as 2025-26-P06"
    if period.kind != indicator.period_kind:
        example = {"month": "2025-26-P06", "quarter": "2025-26-Q2", "year": "2025-26"}
        return (
            f"{indicator.code} is reported {indicator.get_frequency_display().lower()}: "
            f"use a period such as {example[indicator.period_kind]}"
        )
    if not period.has_ended(today or timezone.localdate()):
        return f"{period.label} has not ended yet: a return can be entered once it has"
    return None


# --- year-end forecasts (issue 20, item 1) ------------------------------------------

FORECAST_LABELS = {
    "forecast_value": "Year-end forecast",
    "forecast_confidence": "Forecast confidence",
    "forecast_note": "Forecast explanation",
}
_CONFIDENCE_WORDS = ", ".join(label.lower() for label in ForecastConfidence.labels)


@dataclass
class CleanedForecast:
    """A return's year-end forecast as stored: all empty when none is given."""

    value: Decimal | None = None
    confidence: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_confidence(raw: object) -> str:
    """The stored confidence ("on_track") from its key or its words ("On track", "on
    track"); "" when empty. Raises ValueError for anything else."""
    text = "" if raw is None else " ".join(str(raw).split()).lower()
    if text == "":
        return ""
    for choice in ForecastConfidence:
        if text in (choice.value, choice.label.lower()):
            return choice.value
    raise ValueError(text)


def is_given(raw: object) -> bool:
    """Whether a field holds anything (0 does; None, "" and spaces do not)."""
    return raw is not None and str(raw).strip() != ""


def clean_forecast(
    indicator: PerformanceIndicator,
    *,
    year: int,
    has_annual_target: bool,
    value: object = None,
    confidence: object = None,
    note: object = None,
    sent: tuple[str, ...] = (),
) -> CleanedForecast:
    """Check a return's year-end forecast: a value in the indicator's unit with the
    confidence (on track, at risk, off track) and a sentence saying why, or nothing.

    ``year`` is the return's financial year (2025 for 2025-26) and ``has_annual_target``
    whether the indicator has a target for it: a forecast is rated against that annual
    target, so without one it is refused, naming the field the person sent: the first of
    ``sent`` (the forecast fields the save gives or changes, when the others hold what is
    stored) that is given, else the first given. The value obeys the return
    value's own rules (not negative, a percentage up to 100, the indicator's decimal
    places), whatever the indicator's year-to-date rule."""
    result = CleanedForecast()
    note = str(note or "").strip()
    try:
        number = parse_decimal(value)
    except ValueError as error:
        result.errors["forecast_value"] = number_message(FORECAST_LABELS["forecast_value"], error)
        number = None
    try:
        chosen = parse_confidence(confidence)
    except ValueError:
        result.errors["forecast_confidence"] = (
            f"Forecast confidence must be one of {_CONFIDENCE_WORDS}"
        )
        chosen = ""
    given = [
        name
        for name, raw in (
            ("forecast_value", value),
            ("forecast_confidence", confidence),
            ("forecast_note", note),
        )
        if is_given(raw)
    ]
    if not given:
        return result
    if not has_annual_target:
        first = next((name for name in sent if name in given), given[0])
        return CleanedForecast(
            errors={
                first: f"{FORECAST_LABELS[first]}: {indicator.code} has no annual target for "
                f"{Period.financial_year(year).label}, so no year-end forecast can "
                "be given: leave the forecast empty"
            }
        )
    if result.errors:
        return result
    if number is None:
        result.errors["forecast_value"] = (
            "Enter the year-end forecast, or leave the confidence and explanation empty"
        )
    else:
        label = FORECAST_LABELS["forecast_value"]
        problem = _range_problem(indicator, number, label) or _value_limit_problem(
            indicator, number, label
        )
        if problem:
            result.errors["forecast_value"] = problem
    if not chosen:
        result.errors["forecast_confidence"] = (
            f"Choose the forecast confidence: {_CONFIDENCE_WORDS}"
        )
    if not note:
        result.errors["forecast_note"] = (
            "Explain the forecast in a sentence: what it rests on and what could change it"
        )
    if result.errors:
        return result
    result.value, result.confidence, result.note = number, chosen, note
    return result
