"""A return's year-end forecast beside its current status, and the one rule that flags a
forecast for the head of service to check (issue 20, item 1).

The forecast is rated by ``departments.rating.rate_forecast``; this module puts that
rating, the officer's confidence and the return's current RAG together for pages,
exports, packs and the API, which all read ``forecast_of``; whether a return's forecast
can be flagged at all is ``may_be_flagged``'s answer, for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from departments.models import ForecastConfidence, KpiReturn, PerformanceIndicator, Target
from departments.numbers import round_half_up
from departments.rating import Rag, forecast_target, is_counted, rate_forecast


def forecast_flag(current: Rag, confidence: str, *, forecast: Rag) -> str:
    """Why a forecast needs the head of service's check, or "" when it does not.

    ``current`` is the return's current status (its RAG against its period target) and
    ``forecast`` the forecast's own rating against the annual target. Flagged when the
    officer's confidence points the opposite way to either:

    - to the current status: red now but forecast on track (is the recovery real?), or
      green now but forecast off track (what is about to go wrong?);
    - to the forecast's own rating: a forecast that meets the annual target (green) but
      is called off track, or misses it beyond the tolerance (red) but is called on
      track; the figure or the confidence is wrong, and the head asks which.

    Amber, not rated and "at risk" are never flagged: they do not contradict anything.
    When both apply, both reasons are given.
    """
    reasons = []
    if current is Rag.RED and confidence == ForecastConfidence.ON_TRACK:
        reasons.append("Red now but forecast on track: check the recovery is real")
    if current is Rag.GREEN and confidence == ForecastConfidence.OFF_TRACK:
        reasons.append("Green now but forecast off track: check what is expected to go wrong")
    if forecast is Rag.GREEN and confidence == ForecastConfidence.OFF_TRACK:
        reasons.append(
            "Forecast meets the annual target but is called off track: check the confidence"
        )
    if forecast is Rag.RED and confidence == ForecastConfidence.ON_TRACK:
        reasons.append(
            "Forecast misses the annual target but is called on track: check the confidence"
        )
    return "; ".join(reasons)


def may_be_flagged(indicator: PerformanceIndicator, kpi_return: KpiReturn) -> bool:
    """Whether ``kpi_return``'s forecast can be flagged for the head of service: only
    once the return counts (``departments.rating.is_counted``: submitted, approved or
    locked, with its figures).

    Why: the flag asks the head of service to check a forecast against the return's
    current status. A draft, or a return sent back, is still with the department: it
    has no current status yet (it gives no value and no RAG until it is submitted), its
    officer may still change the figure, the forecast or both, and it is not before the
    head. So the return page, the API (through ``forecast_of``) and the head's list of
    forecasts to check (``returns.selectors.flagged_forecasts``) all follow this one
    rule: a draft's forecast is shown with its rating, never flagged."""
    return is_counted(indicator, kpi_return)


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
    Flagged only when ``may_be_flagged``.

    No queries: the caller passes what it has read."""
    if kpi_return is None or kpi_return.forecast_value is None:
        return None
    confidence = ForecastConfidence(kpi_return.forecast_confidence)
    rag = rate_forecast(indicator, target, kpi_return.forecast_value)
    return Forecast(
        value=kpi_return.forecast_value,
        places=indicator.decimal_places,
        confidence=confidence,
        note=kpi_return.forecast_note,
        target=forecast_target(indicator, target),
        rag=rag,
        current=current,
        flag=forecast_flag(current, confidence, forecast=rag)
        if may_be_flagged(indicator, kpi_return)
        else "",
    )
