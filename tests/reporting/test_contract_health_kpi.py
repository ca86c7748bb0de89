"""A contract KPI built on contract health: its evidence is the partnership's monthly
contract health over the assessment period (reporting.metrics.contract_kpis, named by its
dotted path in partnerships.contracts.evidence.MEASURE_READERS). Worked example over April
2024 to March 2025."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from departments import periods
from partnerships.contracts import evidence, services
from partnerships.contracts.models import AssessmentKind, ContractKpi, KpiMeasure
from partnerships.contracts.ratings import Rating
from reporting.metrics.contract_kpis import contract_health_evidence
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory

MONTHS = [periods.Period.parse(f"2024-25-P{n:02d}") for n in range(1, 13)]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def health_kpi(partnership, ada):
    # £100,000.00 a month, credits capped at 10%; a serious failure earns 4% (£4,000.00).
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    kpi = services.save_contract_kpi(
        kpi=ContractKpi(
            partnership=partnership, title="Contract health", measure=KpiMeasure.CONTRACT_HEALTH
        ),
        actor=ada,
    )
    for title in ("Availability", "Resolution"):
        services.save_contract_kpi(
            kpi=ContractKpi(partnership=partnership, title=title, measure=KpiMeasure.SLAS),
            actor=ada,
            slas=[sla],
        )
    return kpi, sla


def _months(sla, serious: int) -> None:
    """Every month's result entered the day after the month ends (on time); the last
    ``serious`` months a serious failure."""
    for i, month in enumerate(MONTHS):
        value = Decimal("97.0") if i >= 12 - serious else Decimal("99.7")
        entered = datetime.combine(month.end + timedelta(days=1), datetime.min.time(), LONDON)
        SlaResultFactory(sla=sla, period=month.key, reported_value=value, entered_at=entered)


def _proposal(partnership, sam, kpi):
    assessment = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=date(2025, 4, 1),
        today=date(2026, 1, 15),
    )
    return assessment.ratings.get(kpi=kpi)


def test_red_months_in_the_stated_share_propose_inadequate(partnership, sam, health_kpi):
    kpi, sla = health_kpi
    _months(sla, serious=3)
    row = _proposal(partnership, sam, kpi)
    # A met month scores 100 (SLA, credits, escalations and timely reporting all 100;
    # milestones have no data). A serious month: SLA 0, credits 100 × (1 − 4,000 ÷
    # 10,000) = 60, so (0 × 40 + 60 × 20 + 100 × 15 + 100 × 10) ÷ 85 = 43.53 (red).
    # Mean (9 × 100 + 3 × 43.529…) ÷ 12 = 85.882352…, stored cut to four places (so that
    # rounding the stored figure to one place gives the proposal's 85.9); red in 3 of 12
    # months = 25%.
    assert row.score == Decimal("85.8823")
    assert row.serious_share == Decimal("25.0000")
    assert row.proposed_rating == Rating.INADEQUATE
    assert row.evidence["summary"] == {
        "months": "12",
        "months with a score": "12",
        "months red (below 60)": "3",
        "provisional months": "0",
        "months with SLA results missing past their deadline": "0",
    }
    assert row.evidence["rows"][-1][:4] == ["2024-25-P12", MONTHS[-1].label, "43.5", "Red"]


def test_fewer_red_months_propose_by_the_score(partnership, sam, health_kpi):
    kpi, sla = health_kpi
    _months(sla, serious=2)
    row = _proposal(partnership, sam, kpi)
    # (10 × 100 + 2 × 43.529…) ÷ 12 = 90.59: Approaching target (85 to below 95).
    assert row.score == Decimal("90.5882")
    assert row.proposed_rating == Rating.APPROACHING


def test_a_month_held_back_is_stated_as_missing_by_every_kpi(partnership, sam, health_kpi):
    kpi, sla = health_kpi
    _months(sla, serious=0)
    # The supplier never entered March 2025, long past its deadline (10 working days).
    sla.results.filter(period="2024-25-P12").delete()
    assessment = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=date(2025, 4, 1),
        today=date(2026, 1, 15),
    )
    summaries = {r.kpi.title: r.evidence["summary"] for r in assessment.ratings.all()}
    for title in ("Contract health", "Availability", "Resolution"):
        assert summaries[title]["months with SLA results missing past their deadline"] == "1"
        assert summaries[title]["provisional months"] == "0"


def test_every_measure_is_read_by_its_named_reader():
    """Partnerships names each measure's reader by its dotted path (it may not import
    reporting): contract health loads reporting's reader, the others their own."""
    assert {measure: evidence.measure_reader(measure) for measure in KpiMeasure} == {
        KpiMeasure.SLAS: evidence.sla_evidence,
        KpiMeasure.MILESTONES: evidence.milestone_evidence,
        KpiMeasure.CONTRACT_HEALTH: contract_health_evidence,
    }
