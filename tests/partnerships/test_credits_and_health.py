"""Service credits, service health and contract health: worked examples with the
figures computed by hand in the comments (DESIGN.md section 3, "SLA", "Service health",
"Contract health").

Time is frozen on Saturday 15 November 2025, noon in London. September 2025
(2025-26-P06) ended on Tuesday 30 September; its SLA results were due 10 working days
later, on Tuesday 14 October 2025 (1, 2, 3, 6, 7, 8, 9, 10, 13, 14 October), so a result
entered before midnight at the end of 14 October, London time, is on time.
"""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.periods import Period
from departments.rating import Rag
from partnerships.models import Sla, SlaResult
from partnerships.outcomes import Outcome, outcome_of, serious_failure_credit
from partnerships.sla_results import services
from partnerships.sla_results.selectors import month_rows
from partnerships.sla_results.summaries import rebuild_sla_service_months
from reporting.metrics.health import (
    contract_health,
    contract_health_series,
    credits_year_to_date,
    service_months,
    trailing_months,
)
from reporting.metrics.scores import Component, rag_for_score, weighted_score
from tests.factories import (
    EscalationFactory,
    MilestoneFactory,
    PartnershipFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
P06 = Period.parse("2025-26-P06")  # September 2025
ON_TIME = datetime(2025, 10, 3, 9, tzinfo=LONDON)
# 23:30 on the deadline day in London is 22:30 UTC: still on time.
LAST_MINUTE = datetime(2025, 10, 14, 23, 30, tzinfo=LONDON)
# 00:30 on 15 October in London is 23:30 UTC on the 14th: late all the same.
JUST_LATE = datetime(2025, 10, 15, 0, 30, tzinfo=LONDON)
DEADLINE_DAY = date(2025, 10, 14)
DAY_AFTER_DEADLINE = date(2025, 10, 15)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desktop(partnership):
    """Service A: £118,000.00 a month, credits capped at 15% (= £17,700.00)."""
    return ServiceFactory(
        partnership=partnership,
        code="desktop",
        name="Desktop and end-user computing",
        monthly_charge=Decimal("118000.00"),
        credit_cap_percent=Decimal("15"),
    )


def availability(service, code: str, credit: str) -> object:
    """Higher is better: met at 99.5 or more, minor failure from 98 up, serious below 98."""
    return SlaFactory(
        service=service,
        code=code,
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal(credit),
    )


def result(sla, value: str, *, period: str = P06.key, entered_at=ON_TIME, **kwargs) -> SlaResult:
    return SlaResultFactory(
        sla=sla, period=period, reported_value=Decimal(value), entered_at=entered_at, **kwargs
    )


def month_of(service, period: Period = P06):
    return service_months(partnership_ids=[service.partnership_id], months=[period])[
        (service.pk, period.key)
    ]


def rows_by_code(partnership, period: Period = P06) -> dict:
    return {
        row.sla.code: row
        for row in month_rows(
            slas=Sla.objects.filter(service__partnership=partnership),
            results=SlaResult.objects.filter(period=period.key),
        )
    }


# --- service credits ---------------------------------------------------------------------


@pytest.fixture
def three_slas(desktop):
    """SLAs with credits of 4%, 3% and 2% of £118,000.00: £4,720.00, £3,540.00, £2,360.00."""
    return [
        availability(desktop, "DT-01", "4"),
        availability(desktop, "DT-02", "3"),
        availability(desktop, "DT-03", "2"),
    ]


def test_a_met_result_earns_no_credit(partnership, desktop, three_slas):
    result(three_slas[0], "99.5")  # exactly the expected level: met

    row = rows_by_code(partnership)["DT-01"]
    month = month_of(desktop)

    assert (row.outcome, row.credit) == (Outcome.MET, Decimal("0"))
    assert row.credit_rule == "Met: no credit"
    assert (month.met, month.credits, month.capped) == (1, Decimal("0.00"), False)
    assert month.credit_rule == "No serious failure: no credit"


def test_a_minor_failure_earns_no_credit(partnership, desktop, three_slas):
    result(three_slas[0], "98", commentary="A switch failed")  # the minimum itself: minor

    row = rows_by_code(partnership)["DT-01"]
    month = month_of(desktop)

    assert (row.outcome, row.credit) == (Outcome.MINOR, Decimal("0"))
    assert row.credit_rule == "Minor failure: no credit"
    assert (month.minor, month.credits) == (1, Decimal("0.00"))


def test_one_serious_failure_earns_its_credit_percentage_of_the_charge(
    partnership, desktop, three_slas
):
    # 4% of £118,000.00 = £4,720.00, under the £17,700.00 cap.
    result(three_slas[0], "97.99", commentary="Storage outage")
    result(three_slas[1], "99.9")
    result(three_slas[2], "99.0", commentary="Slow logons")

    rows = rows_by_code(partnership)
    month = month_of(desktop)

    assert rows["DT-01"].outcome == Outcome.SERIOUS
    assert rows["DT-01"].credit == Decimal("4720.00")
    assert "£118,000.00 monthly charge = £4,720.00" in rows["DT-01"].credit_rule
    assert [rows[c].credit for c in ("DT-02", "DT-03")] == [Decimal("0"), Decimal("0")]
    assert (month.met, month.minor, month.serious) == (1, 1, 1)
    assert (month.cap, month.credits, month.capped) == (
        Decimal("17700.00"),
        Decimal("4720.00"),
        False,
    )
    assert month.credit_rule == "1 serious failure: £4,720.00 (under the £17,700.00 cap)"


def test_serious_failures_beyond_the_cap_are_capped(partnership, desktop):
    # Five SLAs at 4% each, all serious: 5 × £4,720.00 = £23,600.00, capped at 15% of
    # £118,000.00 = £17,700.00.
    slas = [availability(desktop, f"DT-0{n}", "4") for n in range(1, 6)]
    for sla in slas:
        result(sla, "90", commentary="Data centre outage")

    month = month_of(desktop)

    assert month.serious == 5
    assert month.credits_uncapped == Decimal("23600")
    assert (month.cap, month.credits, month.capped) == (
        Decimal("17700.00"),
        Decimal("17700.00"),
        True,
    )
    assert "capped" in month.credit_rule
    assert "£23,600.00" in month.credit_rule
    assert "£118,000.00 charge = £17,700.00" in month.credit_rule
    # Each SLA's own figure is before the cap.
    assert {row.credit for row in rows_by_code(partnership).values()} == {Decimal("4720.00")}
    health = contract_health(partnership=desktop.partnership, period=P06, today=date(2025, 11, 15))
    assert health.credits == Decimal("17700.00")


def test_credits_that_exactly_reach_the_cap_are_not_cut(desktop):
    # 4% + 4% + 4% + 3% = 15% of £118,000.00 = £17,700.00: exactly the cap.
    for code, credit in (("DT-01", "4"), ("DT-02", "4"), ("DT-03", "4"), ("DT-04", "3")):
        result(availability(desktop, code, credit), "97", commentary="Outage")

    month = month_of(desktop)

    assert (month.credits, month.capped) == (Decimal("17700.00"), False)
    assert month.credit_rule == "4 serious failures: £17,700.00 (under the £17,700.00 cap)"


def test_a_lower_is_better_sla_is_rated_the_other_way_round(partnership, desktop):
    # Expected 2.00 s, minimum 3.50 s: 1.9 met, 2.0 met, 3.5 minor, 3.51 serious.
    def response_time(code):
        return SlaFactory(
            service=desktop,
            code=code,
            title="Page response time (seconds)",
            unit="seconds",
            polarity="lower",
            expected_level=Decimal("2.00"),
            minimum_level=Decimal("3.50"),
            credit_percent=Decimal("2.5"),
        )

    for code, value in (("RT-1", "1.9"), ("RT-2", "2.0"), ("RT-3", "3.5"), ("RT-4", "3.51")):
        result(response_time(code), value, commentary="Slow pages")

    rows = rows_by_code(partnership)
    month = month_of(desktop)

    assert [rows[c].outcome for c in ("RT-1", "RT-2", "RT-3", "RT-4")] == [
        Outcome.MET,
        Outcome.MET,
        Outcome.MINOR,
        Outcome.SERIOUS,
    ]
    # The same outcomes in SQL: 2 met, 1 minor, 1 serious; 2.5% of £118,000.00 = £2,950.00.
    assert (month.met, month.minor, month.serious) == (2, 1, 1)
    assert rows["RT-4"].credit == Decimal("2950.00")
    assert month.credits == Decimal("2950.00")
    for value, outcome in (("1.9", "met"), ("2.0", "met"), ("3.5", "minor"), ("3.51", "serious")):
        assert (
            outcome_of(
                Decimal(value),
                polarity="lower",
                expected=Decimal("2.00"),
                minimum=Decimal("3.50"),
            )
            == outcome
        )


def test_a_missing_result_earns_nothing_and_counts_against_timely_reporting(
    partnership, desktop, three_slas
):
    result(three_slas[0], "99.9")
    result(three_slas[1], "99.6")  # DT-03 has no result

    rows = rows_by_code(partnership)
    month = month_of(desktop)

    assert (rows["DT-03"].outcome, rows["DT-03"].credit) == (Outcome.MISSING, Decimal("0"))
    assert rows["DT-03"].credit_rule == ("No result: no credit (counts against timely reporting)")
    assert (month.expected, month.entered, month.missing, month.credits) == (
        3,
        2,
        1,
        Decimal("0.00"),
    )
    # Service health counts only what was entered: 2 met of 2 = 100.0.
    assert month.health == Decimal("100.0")
    # Timely reporting after the deadline: 2 entered on time of the 3 SLAs = 66.7.
    timely = components_of(
        contract_health(partnership=partnership, period=P06, today=DAY_AFTER_DEADLINE)
    )["timely"]
    assert timely.score == Decimal("66.7")


def test_a_disputed_serious_result_earns_its_credit_until_resolved_with_a_minor_figure(
    partnership, desktop, three_slas, sam
):
    # Reported 97.0 (serious): 4% of £118,000.00 = £4,720.00 while disputed.
    disputed = result(three_slas[0], "97.0", commentary="Storage outage", entered_by=None)
    services.dispute_sla_result(result=disputed, actor=sam, reason="Our logs show 98.6")

    row = rows_by_code(partnership)["DT-01"]
    assert (row.disputed, row.outcome, row.credit) == (True, Outcome.SERIOUS, Decimal("4720.00"))
    assert month_of(desktop).credits == Decimal("4720.00")

    # Agreed at 98.6: between 98 and 99.5, a minor failure, so no credit.
    services.resolve_sla_dispute(
        result=disputed, actor=sam, reason="Agreed at the contract meeting", agreed_value="98.6"
    )

    row = rows_by_code(partnership)["DT-01"]
    month = month_of(desktop)
    assert (row.disputed, row.value, row.outcome, row.credit) == (
        False,
        Decimal("98.6"),
        Outcome.MINOR,
        Decimal("0"),
    )
    assert (month.minor, month.serious, month.credits) == (1, 0, Decimal("0.00"))
    assert contract_health(partnership=partnership, period=P06).credits == Decimal("0")


def test_a_disputed_result_confirmed_keeps_its_credit(partnership, desktop, three_slas, sam):
    disputed = result(three_slas[1], "96.0", commentary="Network outage")
    services.dispute_sla_result(result=disputed, actor=sam, reason="Check the monitoring")
    services.resolve_sla_dispute(result=disputed, actor=sam, reason="Monitoring confirms it")

    row = rows_by_code(partnership)["DT-02"]
    month = month_of(desktop)

    # 3% of £118,000.00 = £3,540.00, kept.
    assert (row.outcome, row.credit, row.value) == (
        Outcome.SERIOUS,
        Decimal("3540.00"),
        Decimal("96.0"),
    )
    assert month.credits == Decimal("3540.00")


def test_credits_are_rounded_half_up_to_the_penny(partnership):
    # 2.5% of £93,000.33 = £2,325.00825, which rounds half-up to £2,325.01.
    service = ServiceFactory(
        partnership=partnership,
        monthly_charge=Decimal("93000.33"),
        credit_cap_percent=Decimal("10"),
    )
    sla = availability(service, "PN-01", "2.5")
    result(sla, "50", commentary="Outage")

    assert serious_failure_credit(
        credit_percent=Decimal("2.5"), monthly_charge=Decimal("93000.33")
    ) == Decimal("2325.01")
    assert rows_by_code(partnership)["PN-01"].credit == Decimal("2325.01")
    month = month_of(service)
    # Cap: 10% of £93,000.33 = £9,300.033, rounded to £9,300.03.
    assert (month.credits, month.cap) == (Decimal("2325.01"), Decimal("9300.03"))


def test_year_to_date_sums_each_months_capped_credits_from_april(partnership, desktop):
    slas = [availability(desktop, f"DT-0{n}", "4") for n in range(1, 6)]
    low = availability(desktop, "DT-06", "2")
    # March 2025 (2024-25-P12), the previous year: not counted.
    result(slas[0], "90", period="2024-25-P12", commentary="Outage")
    # April (P01): one serious at 4% = £4,720.00.
    result(slas[0], "90", period="2025-26-P01", commentary="Outage")
    # June (P03): five serious at 4% = £23,600.00, capped at £17,700.00.
    for sla in slas:
        result(sla, "90", period="2025-26-P03", commentary="Outage")
    # September (P06): one serious at 2% = £2,360.00.
    result(low, "90", period="2025-26-P06", commentary="Outage")
    # October (P07), after September: not counted in September's year to date.
    result(slas[1], "90", period="2025-26-P07", commentary="Outage")

    # £4,720.00 + £17,700.00 + £2,360.00 = £24,780.00
    assert credits_year_to_date(partnership=partnership, period=P06) == {
        desktop.pk: Decimal("24780.00")
    }
    assert credits_year_to_date(partnership=partnership, period=Period.parse("2025-26-P02")) == {
        desktop.pk: Decimal("4720.00")
    }
    # March 2025 is the last month of 2024-25: its own year to date is that month alone.
    assert credits_year_to_date(partnership=partnership, period=Period.parse("2024-25-P12")) == {
        desktop.pk: Decimal("4720.00")
    }


# --- service health ----------------------------------------------------------------------


def test_service_health_counts_a_minor_failure_as_half(desktop):
    # 100 × (2 met + ½ × 1 minor) ÷ 4 entered = 100 × 2.5 ÷ 4 = 62.5: amber.
    for code, value in (("DT-01", "99.9"), ("DT-02", "99.5"), ("DT-03", "99"), ("DT-04", "97")):
        result(availability(desktop, code, "4"), value, commentary="x")

    month = month_of(desktop)

    assert (month.met, month.minor, month.serious, month.entered) == (2, 1, 1, 4)
    assert month.health == Decimal("62.5")
    assert month.rag == Rag.AMBER


def test_service_health_with_every_result_met_is_100_green(desktop, three_slas):
    for sla in three_slas:
        result(sla, "99.8")

    month = month_of(desktop)

    assert (month.health, month.rag) == (Decimal("100.0"), Rag.GREEN)


def test_service_health_without_results_is_not_rated(desktop, three_slas):
    month = month_of(desktop)

    assert month.health is None
    assert month.rag == Rag.NOT_RATED
    assert month.rag.label == "Not rated"


@pytest.mark.parametrize(
    ("met", "serious", "health", "rag"),
    [
        (4, 1, "80.0", Rag.GREEN),  # 100 × 4 ÷ 5
        (3, 2, "60.0", Rag.AMBER),  # 100 × 3 ÷ 5
        (1, 1, "50.0", Rag.RED),  # 100 × 1 ÷ 2
    ],
)
def test_service_health_rag_from_counts(desktop, met, serious, health, rag):
    for n in range(met):
        result(availability(desktop, f"M-{n}", "1"), "99.9")
    for n in range(serious):
        result(availability(desktop, f"S-{n}", "1"), "90", commentary="x")

    month = month_of(desktop)

    assert (month.health, month.rag) == (Decimal(health), rag)


@pytest.mark.parametrize(
    ("value", "rag"),
    [
        ("100.0", Rag.GREEN),
        ("80.0", Rag.GREEN),
        ("79.9", Rag.AMBER),
        ("60.0", Rag.AMBER),
        ("59.9", Rag.RED),
        ("0.0", Rag.RED),
    ],
)
def test_rag_thresholds_of_a_score(value, rag):
    assert rag_for_score(Decimal(value)) == rag


def test_a_score_without_data_is_not_rated():
    assert rag_for_score(None) == Rag.NOT_RATED


# --- contract health ---------------------------------------------------------------------


def components_of(health) -> dict[str, Component]:
    return {c.key: c for c in health.components}


@pytest.fixture
def contract(partnership, desktop):
    """The worked example for September 2025 (window of milestones: 1 October 2024 to
    30 September 2025; escalations and risks open at the end of 30 September 2025).

    Service A (desktop): £118,000.00, cap 15% = £17,700.00; SLAs DT-01 (4%), DT-02 (3%),
    DT-03 (2%). Service B (network): £50,000.00, cap 10% = £5,000.00; SLA NW-01 (5%).
    """
    network = ServiceFactory(
        partnership=partnership,
        code="network",
        name="Wide area network",
        monthly_charge=Decimal("50000.00"),
        credit_cap_percent=Decimal("10"),
    )
    dt1 = availability(desktop, "DT-01", "4")
    dt2 = availability(desktop, "DT-02", "3")
    dt3 = availability(desktop, "DT-03", "2")
    availability(network, "NW-01", "5")  # no result for September
    result(dt1, "99.7")  # met, on time
    result(dt2, "99.0", commentary="Patch weekend", entered_at=LAST_MINUTE)  # minor, on time
    result(dt3, "97.0", commentary="Storage outage", entered_at=JUST_LATE)  # serious, late

    def milestone(title, due, delivered=None, state=None):
        MilestoneFactory(
            partnership=partnership,
            title=title,
            due_date=due,
            delivered_date=delivered,
            state=state or ("delivered" if delivered else "in_progress"),
        )

    milestone("Kept, early", date(2025, 3, 31), date(2025, 3, 20))
    milestone("Kept, on the day", date(2025, 6, 30), date(2025, 6, 30))
    milestone("Late", date(2025, 7, 31), date(2025, 8, 12))
    milestone("Due on the last day, not delivered", date(2025, 9, 30))
    milestone("Due before the window", date(2024, 9, 30), date(2024, 9, 30))
    milestone("Due after the month", date(2025, 10, 15))

    def escalation(severity, raised, resolved=None):
        EscalationFactory(
            partnership=partnership,
            severity=severity,
            raised_on=raised,
            resolved_on=resolved,
            state="resolved" if resolved else "open",
        )

    escalation("high", date(2025, 9, 1))  # open: −20
    escalation("medium", date(2025, 8, 1), date(2025, 10, 5))  # open at month end: −10
    escalation("medium", date(2025, 10, 1))  # raised after the month end: 0
    escalation("high", date(2025, 7, 1), date(2025, 9, 20))  # resolved in the month: 0
    escalation("low", date(2025, 9, 10))  # low: 0
    escalation("high", date(2025, 9, 30), date(2025, 9, 30))  # resolved on the last day: 0

    def risk(likelihood, impact, raised, resolved=None):
        RiskFactory(
            partnership=partnership,
            likelihood=likelihood,
            impact=impact,
            raised_on=raised,
            resolved_on=resolved,
            state="resolved" if resolved else "open",
        )

    risk(4, 4, date(2025, 6, 1))  # 16, open: −20
    risk(3, 5, date(2025, 5, 1), date(2025, 10, 2))  # 15, open at month end: −20
    risk(3, 4, date(2025, 6, 1))  # 12: 0
    risk(5, 5, date(2025, 10, 3))  # 25, raised after the month end: 0
    return partnership


def test_contract_health_worked_example_with_the_default_weights(contract):
    health = contract_health(partnership=contract, period=P06, today=DAY_AFTER_DEADLINE)
    parts = components_of(health)

    # SLA performance: 100 × (1 met + ½ × 1 minor) ÷ 3 entered = 50.0
    assert parts["sla"].score == Decimal("50.0")
    # Credits: DT-03 serious, 2% of £118,000.00 = £2,360.00; caps £17,700.00 + £5,000.00
    # = £22,700.00; 100 × (1 − 2,360 ÷ 22,700) = 89.603... = 89.6
    assert health.credits == Decimal("2360.00")
    assert parts["credits"].score == Decimal("89.6")
    # Milestones: 4 due from 1 October 2024 to 30 September 2025, 2 by their due date: 50.0
    assert parts["milestones"].score == Decimal("50.0")
    # Escalations and risks: 100 − 20 × 1 high − 10 × 1 medium − 20 × 2 risks ≥ 15 = 30.0
    assert parts["escalations"].score == Decimal("30.0")
    # Timely: after the deadline every SLA counts: 2 on time of 4 = 50.0
    assert parts["timely"].score == Decimal("50.0")
    # (40 × 50 + 20 × 89.6 + 15 × 50 + 15 × 30 + 10 × 50) ÷ 100
    # = (2000 + 1792 + 750 + 450 + 500) ÷ 100 = 54.92 = 54.9: red
    assert health.score == Decimal("54.9")
    assert health.rag == Rag.RED
    assert [(c.key, c.weight, c.effective_weight) for c in health.components] == [
        ("sla", 40, Decimal("40.0")),
        ("credits", 20, Decimal("20.0")),
        ("milestones", 15, Decimal("15.0")),
        ("escalations", 15, Decimal("15.0")),
        ("timely", 10, Decimal("10.0")),
    ]
    assert parts["timely"].detail == "2 of 4 results entered by the deadline"
    assert parts["milestones"].detail.startswith("2 of 4 milestones")
    assert parts["escalations"].detail == (
        "1 high escalation, 1 medium escalation and 2 risks scoring 15 or more open at month end"
    )


def test_service_health_inside_the_worked_example(contract, desktop):
    health = contract_health(partnership=contract, period=P06, today=DAY_AFTER_DEADLINE)
    # desktop: 1 met, 1 minor, 1 serious; network: nothing entered
    desktop_month = next(s for s in health.services if s.service_id == desktop.pk)
    network_month = next(s for s in health.services if s.service_id != desktop.pk)
    # 100 × (1 + ½) ÷ 3 = 50.0: red
    assert (desktop_month.health, desktop_month.rag) == (Decimal("50.0"), Rag.RED)
    assert (network_month.health, network_month.rag, network_month.missing) == (
        None,
        Rag.NOT_RATED,
        1,
    )


def test_weights_changed_for_the_partnership_change_the_score(contract):
    contract.weight_sla, contract.weight_credits = 50, 20
    contract.weight_milestones, contract.weight_escalations, contract.weight_timely = 10, 10, 10
    contract.save()

    health = contract_health(partnership=contract, period=P06, today=DAY_AFTER_DEADLINE)

    # (50 × 50 + 20 × 89.6 + 10 × 50 + 10 × 30 + 10 × 50) ÷ 100
    # = (2500 + 1792 + 500 + 300 + 500) ÷ 100 = 55.92 = 55.9
    assert health.score == Decimal("55.9")
    assert [c.effective_weight for c in health.components] == [
        Decimal("50.0"),
        Decimal("20.0"),
        Decimal("10.0"),
        Decimal("10.0"),
        Decimal("10.0"),
    ]


def test_weights_that_do_not_add_up_to_100_are_used_in_proportion(contract):
    # 30/10/5/15/0: the total is 60 and timely reporting does not count.
    contract.weight_sla, contract.weight_credits = 30, 10
    contract.weight_milestones, contract.weight_escalations, contract.weight_timely = 5, 15, 0
    contract.save()

    health = contract_health(partnership=contract, period=P06, today=DAY_AFTER_DEADLINE)

    # (30 × 50 + 10 × 89.6 + 5 × 50 + 15 × 30) ÷ 60 = (1500 + 896 + 250 + 450) ÷ 60
    # = 3096 ÷ 60 = 51.6
    assert health.score == Decimal("51.6")
    # 30 ÷ 60 = 50.0%, 10 ÷ 60 = 16.7%, 5 ÷ 60 = 8.3%, 15 ÷ 60 = 25.0%, 0
    assert [c.effective_weight for c in health.components] == [
        Decimal("50.0"),
        Decimal("16.7"),
        Decimal("8.3"),
        Decimal("25.0"),
        Decimal("0"),
    ]


def test_timely_reporting_before_and_after_the_deadline(partnership, desktop):
    network = ServiceFactory(partnership=partnership, monthly_charge=Decimal("50000.00"))
    dt1 = availability(desktop, "DT-01", "4")
    dt2 = availability(desktop, "DT-02", "3")
    availability(desktop, "DT-03", "2")
    availability(network, "NW-01", "5")
    result(dt1, "99.9", entered_at=ON_TIME)
    result(dt2, "99.0", commentary="Patching", entered_at=LAST_MINUTE)

    on_deadline_day = components_of(
        contract_health(partnership=partnership, period=P06, today=DEADLINE_DAY)
    )
    after = components_of(
        contract_health(partnership=partnership, period=P06, today=DAY_AFTER_DEADLINE)
    )

    # On the deadline day only the entered results can be judged: 2 on time of 2 = 100.0.
    assert on_deadline_day["timely"].score == Decimal("100.0")
    # From the next day every SLA counts: 2 of 4 = 50.0.
    assert after["timely"].score == Decimal("50.0")
    # SLA performance is the same either way: 100 × (1 + ½) ÷ 2 = 75.0.
    assert on_deadline_day["sla"].score == after["sla"].score == Decimal("75.0")


def test_a_result_entered_after_midnight_in_london_is_late(partnership, desktop):
    result(availability(desktop, "DT-01", "4"), "99.9", entered_at=LAST_MINUTE)
    result(availability(desktop, "DT-02", "4"), "99.9", entered_at=JUST_LATE)

    month = month_of(desktop)
    timely = components_of(
        contract_health(partnership=partnership, period=P06, today=DAY_AFTER_DEADLINE)
    )["timely"]

    # 23:30 on 14 October London is on time; 00:30 on 15 October London (23:30 UTC on
    # the 14th) is not: 1 of 2 = 50.0.
    assert month.on_time == 1
    assert timely.score == Decimal("50.0")


def test_without_milestones_due_and_results_only_escalations_and_timely_count(partnership):
    service = ServiceFactory(partnership=partnership, monthly_charge=Decimal("80000.00"))
    for n in range(4):
        availability(service, f"SV-0{n}", "2")
    MilestoneFactory(partnership=partnership, due_date=date(2026, 1, 31))  # not due yet
    EscalationFactory(partnership=partnership, severity="medium", raised_on=date(2025, 9, 2))

    after = contract_health(partnership=partnership, period=P06, today=DAY_AFTER_DEADLINE)
    parts = components_of(after)

    # No result entered: SLA performance, credits and milestones have no data.
    assert [parts[k].score for k in ("sla", "credits", "milestones")] == [None, None, None]
    # Escalations: 100 − 10 × 1 medium = 90.0; timely: 0 of 4 entered by the deadline = 0.0
    assert (parts["escalations"].score, parts["timely"].score) == (Decimal("90.0"), Decimal("0.0"))
    # Their weights 15 and 10 take the whole: 15 ÷ 25 = 60.0%, 10 ÷ 25 = 40.0%;
    # score (15 × 90 + 10 × 0) ÷ 25 = 54.0
    assert [c.effective_weight for c in after.components] == [
        Decimal("0"),
        Decimal("0"),
        Decimal("0"),
        Decimal("60.0"),
        Decimal("40.0"),
    ]
    assert after.score == Decimal("54.0")
    assert after.rag == Rag.RED

    # On the deadline day nothing entered cannot be judged yet: escalations alone = 90.0.
    before = contract_health(partnership=partnership, period=P06, today=DEADLINE_DAY)
    assert components_of(before)["timely"].score is None
    assert before.score == Decimal("90.0")
    assert components_of(before)["escalations"].effective_weight == Decimal("100.0")


def test_milestone_weight_is_shared_out_in_proportion_when_none_is_due(partnership, desktop):
    result(availability(desktop, "DT-01", "4"), "99.9")

    health = contract_health(partnership=partnership, period=P06, today=DAY_AFTER_DEADLINE)

    # Components with data: 40 + 20 + 15 + 10 = 85. SLA 100, credits 100, escalations 100,
    # timely 100 (1 of 1): 100.0. Shares: 40 ÷ 85 = 47.1%, 20 ÷ 85 = 23.5%,
    # 15 ÷ 85 = 17.6%, 10 ÷ 85 = 11.8%.
    assert health.score == Decimal("100.0")
    assert [c.effective_weight for c in health.components] == [
        Decimal("47.1"),
        Decimal("23.5"),
        Decimal("0"),
        Decimal("17.6"),
        Decimal("11.8"),
    ]


def test_weighted_score_rounds_the_weighted_mean_half_up():
    # (1 × 62.4 + 1 × 62.5) ÷ 2 = 62.45, shown as 62.5 (half-up; half-even would give 62.4).
    value, shared = weighted_score(
        [
            Component("a", "A", Fraction("62.4"), 1, ""),
            Component("b", "B", Fraction("62.5"), 1, ""),
            Component("c", "C", None, 5, ""),
        ]
    )
    assert value == Decimal("62.5")
    assert [c.effective_weight for c in shared] == [Decimal("50.0"), Decimal("50.0"), Decimal(0)]


def test_no_component_with_data_gives_no_score():
    value, shared = weighted_score([Component("a", "A", None, 40, "")])
    assert value is None
    assert rag_for_score(value) == Rag.NOT_RATED


def test_milestones_over_leap_year_februaries(partnership):
    def milestone(due, delivered=None):
        MilestoneFactory(
            partnership=partnership,
            due_date=due,
            delivered_date=delivered,
            state="delivered" if delivered else "in_progress",
        )

    milestone(date(2023, 2, 28), date(2023, 2, 20))  # A kept
    milestone(date(2023, 3, 1), date(2023, 3, 10))  # B late
    milestone(date(2024, 2, 29), date(2024, 2, 29))  # C kept, on the leap day
    milestone(date(2024, 3, 1), date(2024, 2, 15))  # D kept
    milestone(date(2025, 1, 10), date(2025, 1, 9))  # E kept
    milestone(date(2025, 2, 28))  # F not delivered
    milestone(date(2025, 3, 1))  # G not delivered

    months = [
        Period.parse("2023-24-P11"),  # February 2024
        Period.parse("2023-24-P12"),  # March 2024
        Period.parse("2024-25-P10"),  # January 2025
        Period.parse("2024-25-P11"),  # February 2025
    ]
    series = contract_health_series(partnership=partnership, months=months, today=NOW.date())
    scores = {h.period.key: components_of(h)["milestones"] for h in series}

    # February 2024: due 1 March 2023 to 29 February 2024: B (late), C (kept): 1 of 2 = 50.0
    assert scores["2023-24-P11"].score == Decimal("50.0")
    assert scores["2023-24-P11"].detail.startswith("1 of 2 ")
    # March 2024: 1 April 2023 to 31 March 2024: C, D kept: 2 of 2 = 100.0
    assert scores["2023-24-P12"].score == Decimal("100.0")
    # January 2025: 1 February 2024 to 31 January 2025: C, D, E kept: 3 of 3 = 100.0
    assert scores["2024-25-P10"].score == Decimal("100.0")
    # February 2025: 1 March 2024 to 28 February 2025: D, E kept, F not: 2 of 3 = 66.7
    # (C, due on 29 February 2024, has left the window).
    assert scores["2024-25-P11"].score == Decimal("66.7")
    assert scores["2024-25-P11"].detail.startswith("2 of 3 ")


def test_the_series_gives_each_month_its_own_figures(contract):
    months = trailing_months(P06, 3)  # July, August, September 2025

    series = contract_health_series(partnership=contract, months=months, today=NOW.date())

    assert [h.period.key for h in series] == ["2025-26-P04", "2025-26-P05", "2025-26-P06"]
    # Only September has results; its figures match the single-month worked example.
    assert series[-1].score == Decimal("54.9")
    assert [components_of(h)["sla"].score for h in series] == [None, None, Decimal("50.0")]
    # August: escalations open on 31 August: the medium raised 1 August and the high
    # raised 1 July (resolved 20 September): −20 − 10; risks 16 and 15: −40 → 30.0
    assert components_of(series[1])["escalations"].score == Decimal("30.0")
    # July: the high raised 1 July (−20) and both risks (−40) → 40.0
    assert components_of(series[0])["escalations"].score == Decimal("40.0")


# --- a fixed number of queries -----------------------------------------------------------


def _queries_for_series(partnership, months: list[Period]) -> int:
    with CaptureQueriesContext(connection) as captured:
        contract_health_series(partnership=partnership, months=months, today=NOW.date())
    return len(captured)


def _partnership_with(slas: int, months: list[Period]):
    partnership = PartnershipFactory()
    services_ = [
        ServiceFactory(partnership=partnership, monthly_charge=Decimal("10000")) for _ in range(3)
    ]
    made = [availability(services_[n % 3], f"Q-{n:02d}", "1") for n in range(slas)]
    rows = [
        SlaResult(
            sla=sla,
            period=month.key,
            reported_value=Decimal("97" if (n + i) % 4 == 0 else "99.9"),
            entered_at=ON_TIME,
        )
        for n, sla in enumerate(made)
        for i, month in enumerate(months)
    ]
    for row in rows:
        row.set_period_dates()  # bulk_create does not run save()
    SlaResult.objects.bulk_create(rows)
    rebuild_sla_service_months()  # a bulk write sends no signals: counted as the seeding does
    for n in range(3):
        MilestoneFactory(partnership=partnership, due_date=date(2025, 3 + n, 1))
        EscalationFactory(partnership=partnership, raised_on=date(2025, 4 + n, 1))
        RiskFactory(partnership=partnership, likelihood=5, impact=3)
    return partnership


def test_the_series_makes_the_same_queries_for_1_and_24_months(partnership):
    months = trailing_months(P06, 24)
    small = _partnership_with(3, months[-1:])
    large = _partnership_with(3, months)

    one = _queries_for_series(small, months[-1:])
    twenty_four = _queries_for_series(large, months)

    assert one == twenty_four == 5


def test_the_series_makes_the_same_queries_for_3_and_30_slas():
    months = trailing_months(P06, 12)
    few = _partnership_with(3, months)
    many = _partnership_with(30, months)

    assert _queries_for_series(few, months) == _queries_for_series(many, months) == 5
