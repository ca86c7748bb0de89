"""A return's year-end forecast beside its current status, and the one rule that flags a
forecast for the head of service to check (issue 20, item 1).

The forecast is rated by ``departments.rating.rate_forecast``; this module puts that
rating, the officer's confidence and the return's current RAG together for pages,
exports, packs and the API, which all read ``forecast_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from departments.models import ForecastConfidence, KpiReturn, PerformanceIndicator, Target
from departments.numbers import round_half_up
from departments.rating import Rag, forecast_target, rate_forecast


def forecast_flag(current: Rag, confidence: str) -> str:
    """Why a forecast needs the head of service's check, or "" when it does not.

    ``current`` is the return's current status: its RAG against its period target.
    Flagged when the two point opposite ways: red now but forecast on track (is the
    recovery real?), or green now but forecast off track (what is about to go wrong?).
    Amber, not rated and "at risk" are never flagged: they do not contradict anything.
    """
    if current is Rag.RED and confidence == ForecastConfidence.ON_TRACK:
        return "Red now but forecast on track: check the recovery is real"
    if current is Rag.GREEN and confidence == ForecastConfidence.OFF_TRACK:
        return "Green now but forecast off track: check what is expected to go wrong"
    return ""


@dataclass(frozen=True)
class Forecast:
    """A return's year-end forecast with its rating and flag. ``value`` is as entered
    (``rounded_value`` as rated); ``target`` is the annual target, already rounded to
    the indicator's ``places``."""

    value: Decimal
    places: int
    confidence: ForecastConfidence
    note: str
    target: Decimal | None
    rag: Rag
    current: Rag
    flag: str

    @property
    def flagged(self) -> bool:
        return bool(self.flag)

    @property
    def rounded_value(self) -> Decimal:
        """The forecast rounded half-up to the indicator's places, as it was rated."""
        return round_half_up(self.value, self.places)


def forecast_of(
    indicator: PerformanceIndicator,
    kpi_return: KpiReturn | None,
    target: Target | None,
    current: Rag,
) -> Forecast | None:
    """The forecast of ``kpi_return`` (None when it has none), rated against ``target``
    (the indicator's Target of the return's financial year, or None) and checked against
    ``current``, the return's current RAG, which the caller has already worked out.

    No queries: the caller passes what it has read."""
    if kpi_return is None or kpi_return.forecast_value is None:
        return None
    confidence = ForecastConfidence(kpi_return.forecast_confidence)
    return Forecast(
        value=kpi_return.forecast_value,
        places=indicator.decimal_places,
        confidence=confidence,
        note=kpi_return.forecast_note,
        target=forecast_target(indicator, target),
        rag=rate_forecast(indicator, target, kpi_return.forecast_value),
        current=current,
        flag=forecast_flag(current, confidence),
    )
