"""Year-end forecasts on the demo council's latest returns (issue 20, item 7).

Each indicator's return for the latest ended period of its kind carries a forecast
near where its figures point, rated by the product's own rule; a few officers are more
hopeful (a red result forecast on track) or more gloomy (a green one forecast off
track) than their figures, so the head of service has forecasts to check.

The forecasts draw on a random generator of their own, seeded by the return, so adding
them leaves every other figure of the seeded demo as it was.
"""

from __future__ import annotations

import random
from decimal import Decimal

from departments import periods
from departments.models import ForecastConfidence, KpiReturn, Polarity, Target, Unit
from departments.numbers import round_half_up
from departments.rating import (
    Rag,
    forecast_target,
    period_target,
    rate_forecast,
    rate_period_value,
)

# How often an officer's confidence contradicts the current status.
HOPEFUL_SHARE = 0.4  # of red returns, forecast on track
GLOOMY_SHARE = 0.12  # of green returns, forecast off track
CONFIDENCE_OF = {
    Rag.GREEN: ForecastConfidence.ON_TRACK,
    Rag.AMBER: ForecastConfidence.AT_RISK,
    Rag.RED: ForecastConfidence.OFF_TRACK,
}
NOTES = {
    ForecastConfidence.ON_TRACK: "The trend since the summer holds and the plan is funded.",
    ForecastConfidence.AT_RISK: "Close to target: winter demand could tip it either way.",
    ForecastConfidence.OFF_TRACK: "The gap so far is too wide to close before March.",
}
HOPEFUL_NOTE = "The recovery plan should bring the year back on target by March."
GLOOMY_NOTE = "Two caseworkers leave in January, so the second half will fall short."


def is_latest(period: periods.Period, today) -> bool:
    """Whether ``period`` is the latest of its kind to have ended by ``today``."""
    return period.has_ended(today) and not period.next().has_ended(today)


def add_forecast(kpi_return: KpiReturn, target: Target) -> None:
    """Give ``kpi_return`` (unsaved, its indicator attached) a forecast against
    ``target``, the indicator's target of the return's year."""
    indicator = kpi_return.indicator
    period = periods.Period.parse(kpi_return.period)
    rng = random.Random(f"forecast {indicator.code} {kpi_return.period}")
    current = rate_period_value(indicator, target, period, kpi_return.value)
    year_end = forecast_target(indicator, target)
    # Half the way from the year-end target to where this period's figure points.
    period_goal = period_target(indicator, target, period)
    drift = Decimal(1)
    if kpi_return.value is not None and period_goal:
        drift = 1 + (kpi_return.value / period_goal - 1) / 2
    drift *= Decimal(str(round(rng.uniform(0.98, 1.02), 4)))
    value = round_half_up(max(year_end * drift, Decimal(0)), indicator.decimal_places)
    if indicator.unit == Unit.PERCENT:
        value = min(value, Decimal(100))
    confidence = CONFIDENCE_OF[rate_forecast(indicator, target, value)]
    note = NOTES[confidence]
    roll = rng.random()
    # A hopeful or gloomy officer forecasts a figure that bears their confidence out, so
    # the head checks the forecast against the status now, not a figure at odds with its
    # own confidence (departments.forecasts.forecast_flag flags both).
    if current is Rag.RED and roll < HOPEFUL_SHARE:
        value = year_end
        confidence, note = ForecastConfidence.ON_TRACK, HOPEFUL_NOTE
    elif current is Rag.GREEN and roll < GLOOMY_SHARE:
        value = _short_of(kpi_return, target, year_end)
        confidence, note = ForecastConfidence.OFF_TRACK, GLOOMY_NOTE
    kpi_return.forecast_value = value
    kpi_return.forecast_confidence = confidence.value
    kpi_return.forecast_note = note


def _short_of(kpi_return: KpiReturn, target: Target, year_end: Decimal) -> Decimal:
    """A year-end figure missing ``year_end`` by more than the tolerance (rated red): a
    tenth of the target beyond it, the wrong way for the indicator."""
    indicator = kpi_return.indicator
    gap = target.tolerance + max(year_end / 10, Decimal(1))
    worse = year_end - gap if indicator.polarity == Polarity.HIGHER else year_end + gap
    return round_half_up(max(worse, Decimal(0)), indicator.decimal_places)
