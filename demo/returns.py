"""KPI returns around their targets: noise, seasonality, the episode and workflow states."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from demo.forecasts import add_forecast, is_latest
from demo.reference import DECIMAL_PLACES, IndicatorSpec
from demo.scale import Episode
from demo.timestamps import at, no_later_than
from departments import periods
from departments.models import KpiReturn, PerformanceIndicator, PeriodSignOff, ReturnState, Target
from departments.numbers import round_half_up

# Multipliers by month of the financial year (P01 = April): winter is December to February.
WINTER = {9: 1, 10: 1, 11: 1}
SUMMER = {3: 1, 4: 1, 5: 1}

RED_COMMENTARY = [
    "Performance fell below target because of staff absence in the team.",
    "Demand rose sharply this period and the backlog grew.",
    "Delays in the shared case-management system slowed processing.",
    "Data from the partner's system arrived late, so cases were closed late.",
    "A change of process during the period reduced throughput.",
]
IMPROVEMENT_ACTIONS = [
    "Agency staff engaged for eight weeks; backlog reviewed weekly by the head of service.",
    "Escalated to the partner's service manager; workaround agreed for manual referrals.",
    "Recovery plan agreed at departmental management team, reporting monthly to SMT.",
    "Process reviewed with the team; additional checks introduced at triage.",
]
GREEN_COMMENTARY = [
    "",
    "",
    "On target.",
    "Improvement sustained following the process changes made last year.",
]


@dataclass
class Staff:
    """Who submits and approves each department's returns in the demo."""

    officer: object
    head: object
    smt: object


def target_for(spec: IndicatorSpec, year_index: int) -> Decimal:
    """The annual target in year ``year_index``: about 1% better each year."""
    better = Decimal(1) if spec.polarity == "higher" else Decimal(-1)
    improved = spec.target * (1 + better * Decimal("0.01") * year_index)
    if spec.unit == "percent":
        improved = min(improved, Decimal(100))
    return round_half_up(improved, DECIMAL_PLACES[spec.unit])


def _season_factor(spec: IndicatorSpec, period: periods.Period) -> float:
    months = [m.index_in_year for m in period.months()]
    if spec.season == "winter_peak":
        return (
            1.0
            + 0.25 * sum(m in WINTER for m in months) / len(months)
            - 0.12 * sum(m in SUMMER for m in months) / len(months)
        )
    if spec.season == "winter_dip":
        return 1.0 - 0.1 * sum(m in WINTER for m in months) / len(months)
    return 1.0


class ReturnFigures:
    """Values for one indicator's periods, deterministic for a seeded ``rng``."""

    def __init__(self, rng: random.Random, episode: Episode, dependent_departments: set[str]):
        self.rng = rng
        self.episode = episode
        self.dependent = dependent_departments

    def z_score(self, spec: IndicatorSpec, period: periods.Period) -> float:
        """Performance in tolerance units: 0 is on target, below -1 is red."""
        z = self.rng.gauss(0.45, 0.95)
        if spec.season == "rising":
            z += (period.index_in_year - (period.periods_in_year + 1) / 2) / period.periods_in_year
        if spec.department in self.dependent and self.episode.coordination_falling(period):
            z -= 1.6
        return z

    def value(
        self,
        spec: IndicatorSpec,
        annual: Decimal,
        tolerance: Decimal,
        period: periods.Period,
        z: float,
    ) -> Decimal:
        places = DECIMAL_PLACES[spec.unit]
        target = annual
        noise_scale = float(tolerance)
        if spec.year_to_date == "sum":
            target = annual / period.periods_in_year
            noise_scale = float(tolerance) / period.periods_in_year**0.5
        direction = 1 if spec.polarity == "higher" else -1
        raw = float(target) + direction * noise_scale * z
        if spec.season in ("winter_peak", "winter_dip"):
            raw = float(target) * _season_factor(spec, period) + direction * noise_scale * z
        if spec.unit == "percent":
            raw = min(max(raw, 0.0), 100.0)
        raw = max(raw, 0.0)
        return round_half_up(Decimal(repr(raw)), places)

    def ratio(
        self, spec: IndicatorSpec, indicator: PerformanceIndicator, value: Decimal
    ) -> tuple[Decimal, Decimal, Decimal]:
        denominator = Decimal(self.rng.randint(60, 2400))
        numerator = (denominator * value / indicator.ratio_multiplier).to_integral_value()
        numerator = min(max(numerator, Decimal(0)), denominator)
        return numerator, denominator, indicator.derive_value(numerator, denominator)


def _workflow(
    rng: random.Random,
    period: periods.Period,
    today: date,
    latest: periods.Period,
) -> tuple[str | None, bool]:
    """The state a return of ``period`` is in today (None: missing), and whether it was late."""
    deadline = period.deadline()
    if deadline + timedelta(days=20) < today:  # long past: approved and signed off
        if rng.random() < 0.01:
            return None, False
        return ReturnState.LOCKED, rng.random() < 0.05
    if period.end < latest.start:  # the period before the latest: mostly approved
        roll = rng.random()
        if roll < 0.75:
            return ReturnState.APPROVED, rng.random() < 0.05
        if roll < 0.9:
            return ReturnState.SUBMITTED, False
        return ReturnState.SENT_BACK, False
    roll = rng.random()  # the latest period: work for the demo users to do
    if roll < 0.12:
        return None, False
    if roll < 0.5:
        return ReturnState.DRAFT, False
    if roll < 0.8:
        return ReturnState.SUBMITTED, False
    return ReturnState.APPROVED, False


def build_returns(
    *,
    rng: random.Random,
    figures: ReturnFigures,
    indicators: list[tuple[IndicatorSpec, PerformanceIndicator]],
    targets: dict[tuple[int, int], tuple[Decimal, Decimal]],
    years: list[int],
    today: date,
    staff: dict[int, Staff],
) -> Iterator[KpiReturn]:
    """Yield every return the demo council holds, one indicator at a time."""
    latest = periods.latest_closed(periods.PeriodKind.MONTH, today)
    for spec, indicator in indicators:
        kind = periods.kind_for_frequency(spec.frequency)
        people = staff[indicator.department_id]
        for year in years:
            annual, tolerance = targets[(indicator.pk, year)]
            for period in periods.periods_of_year(year, kind):
                if not period.has_ended(today):
                    break
                state, late = _workflow(rng, period, today, latest)
                z = figures.z_score(spec, period)
                if state is None:
                    continue
                kpi_return = _one_return(
                    rng, figures, spec, indicator, period, annual, tolerance, z, state, late, people
                )
                _no_later_than_the_seeding(kpi_return, today)
                if is_latest(period, today):
                    target = Target(
                        indicator=indicator,
                        financial_year=year,
                        annual_value=annual,
                        tolerance=tolerance,
                    )
                    add_forecast(kpi_return, target)
                yield kpi_return


def _no_later_than_the_seeding(kpi_return: KpiReturn, today: date) -> None:
    """A return is submitted and approved no later than the seeding: seeded in the days
    after a month ends, the latest month's returns are dated that day, not on the days
    before their deadline still to come (the one rule would read them as not submitted)."""
    for field in ("submitted_at", "approved_at"):
        if (moment := getattr(kpi_return, field)) is not None:
            setattr(kpi_return, field, no_later_than(moment, today))


def _one_return(
    rng, figures, spec, indicator, period, annual, tolerance, z, state, late, people: Staff
) -> KpiReturn:
    value = figures.value(spec, annual, tolerance, period, z)
    numerator = denominator = None
    if indicator.is_ratio:
        numerator, denominator, value = figures.ratio(spec, indicator, value)
    poor = z < -0.9
    deadline = period.deadline()
    submitted = deadline - timedelta(days=rng.randint(1, 12))
    if late:
        submitted = deadline + timedelta(days=rng.randint(1, 10))
    ret = KpiReturn(
        indicator=indicator,
        department_id=indicator.department_id,
        period=period.key,
        value=value,
        numerator=numerator,
        denominator=denominator,
        state=state,
        commentary=rng.choice(RED_COMMENTARY) if poor else rng.choice(GREEN_COMMENTARY),
        improvement_action=rng.choice(IMPROVEMENT_ACTIONS) if poor else "",
        created_by=people.officer,
        version=1 if state == ReturnState.DRAFT else 2,
    )
    ret.set_period_dates()
    if state != ReturnState.DRAFT:
        ret.submitted_by, ret.submitted_at = people.officer, at(submitted, rng)
    if state == ReturnState.SENT_BACK:
        ret.sent_back_reason = "Please add the figures for the out-of-hours team and resubmit."
        ret.version = 3
    if state in (ReturnState.APPROVED, ReturnState.LOCKED):
        ret.approved_by = people.head
        ret.approved_at = at(submitted + timedelta(days=rng.randint(1, 4)), rng)
        ret.version = 3
    if state == ReturnState.LOCKED:
        ret.locked_at = at(deadline + timedelta(days=18))
    return ret


def build_sign_offs(period_keys: set[str], smt_user, today: date) -> list[PeriodSignOff]:
    """Council-wide sign-off of every period whose returns are all locked."""
    sign_offs = []
    for key in sorted(period_keys):
        period = periods.Period.parse(key)
        if period.deadline() + timedelta(days=20) < today:
            sign_offs.append(
                PeriodSignOff(
                    period=key,
                    department=None,
                    signed_off_by=smt_user,
                    signed_off_at=at(period.deadline() + timedelta(days=18)),
                )
            )
    return sign_offs
