"""The four early-warning rules (DESIGN.md section 3, "Early warnings"), worked by hand.

Time is frozen on Friday 28 November 2025, noon in London: the latest closed month is
October 2025 (2025-26-P07). Returns for September (P06) were due 15 working days after
30 September, on Tuesday 21 October 2025; returns for October on Friday 21 November.

Rule 1 data: the council has two departments, Housing and Finance, and one partnership
with no services. Its contract health is then the escalations component alone:
100 − 10 × medium escalations open at the month end. Council coordination: four email
referrals a month from Finance to Housing, agreed in 5 days; each department's reach is
1 ÷ (2 − 1) = 100 and the digital share 0, so the index is
100 × (0.5 × on time ÷ 4 + 0.25 × 0 + 0.25 × 1) = 25 + 12.5 × referrals on time:
4 → 75.0, 3 → 62.5, 2 → 50.0, 1 → 37.5, 0 → 25.0.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.periods import Period, periods_between
from departments.roles import Role
from partnerships.contracts.models import ContractKpi
from reporting.metrics.coordination import council_coordination
from reporting.metrics.health import contract_health_series, service_months
from reporting.models import EarlyWarning, WarningRule
from reporting.tasks import evaluate_early_warnings
from reporting.warnings.evaluation import evaluate
from tests.factories import (
    DepartmentFactory,
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    ReferralFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
P03, P04, P05, P06, P07 = (Period.parse(f"2025-26-P0{n}") for n in range(3, 8))
P06_DEADLINE = date(2025, 10, 21)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def of_rule(rule: WarningRule):
    return EarlyWarning.objects.filter(rule=rule).order_by("subject_key", "starting_period")


# --- builders ------------------------------------------------------------------------------


def falling(partnership, housing, finance, first: Period, health: list[int], on_time: list[int]):
    """Month by month from ``first``: (100 − health) ÷ 10 medium escalations open in that
    month only, and four Finance → Housing referrals of which ``on_time`` are resolved
    within their agreed 5 days (2 days) and the rest late (9 days)."""
    month = first
    for h, ot in zip(health, on_time, strict=True):
        for _ in range((100 - h) // 10):
            EscalationFactory(
                partnership=partnership,
                severity="medium",
                raised_on=month.start,
                resolved_on=month.next().start,
                state="resolved",
            )
        for n in range(4):
            raised = month.start + timedelta(days=n)
            ReferralFactory(
                from_department=finance,
                to_department=housing,
                raised_on=raised,
                agreed_days=5,
                acknowledged_on=raised,
                resolved_on=raised + timedelta(days=2 if n < ot else 9),
            )
        month = month.next()


RESULT = {"met": "99.9", "minor": "99.0", "serious": "90"}


def service_with(partnership, departments, outcomes: dict[Period, tuple[str, str]], **kwargs):
    """A service with two availability SLAs (met ≥ 99.5, minor ≥ 98, serious below) and
    the two outcomes given for each month. Health = 100 × (met + ½ minor) ÷ 2."""
    service = ServiceFactory(partnership=partnership, **kwargs)
    service.departments.add(*departments)
    slas = [SlaFactory(service=service, code=f"{service.code}-{n}") for n in (1, 2)]
    for month, pair in outcomes.items():
        for sla, outcome in zip(slas, pair, strict=True):
            SlaResultFactory(
                sla=sla,
                period=month.key,
                reported_value=Decimal(RESULT[outcome]),
                commentary="" if outcome == "met" else "Outage",
            )
    return service


def indicator(department, code, returns: dict[str, str], *, statutory=True, **kwargs):
    """Higher is better, target 90 with tolerance 5: green ≥ 90, amber ≥ 85, red below.
    ``returns``: period key → value, approved."""
    made = IndicatorFactory(department=department, code=code, statutory=statutory, **kwargs)
    for year in (2024, 2025):
        TargetFactory(
            indicator=made, financial_year=year, annual_value=Decimal("90"), tolerance=Decimal("5")
        )
    for key, value in returns.items():
        KpiReturnFactory(indicator=made, period=key, value=Decimal(value), state="approved")
    return made


# --- rule 1: contract health and coordination falling together -----------------------------


def test_falling_together_for_three_months_fires_once_with_the_figures(
    partnership, housing, finance
):
    # P03 100.0 / 75.0; P04 90.0 / 62.5; P05 80.0 / 50.0; P06 70.0 / 37.5: both fell in
    # each of P04, P05 and P06. P02 has no referrals, so the fall starts in P04.
    falling(partnership, housing, finance, P03, [100, 90, 80, 70], [4, 3, 2, 1])

    result = evaluate([P06], notify=False)

    warning = of_rule(WarningRule.FALLING_TOGETHER).get()
    assert [w.pk for w in result.raised] == [warning.pk]
    assert (warning.subject_key, warning.starting_period, warning.latest_period) == (
        f"partnership:{partnership.pk}",
        "2025-26-P04",
        "2025-26-P06",
    )
    assert (warning.partnership_id, warning.department_id) == (partnership.pk, None)
    assert warning.evidence["months"] == [
        {"period": "2025-26-P03", "contract_health": "100.0", "coordination_index": "75.0"},
        {"period": "2025-26-P04", "contract_health": "90.0", "coordination_index": "62.5"},
        {"period": "2025-26-P05", "contract_health": "80.0", "coordination_index": "50.0"},
        {"period": "2025-26-P06", "contract_health": "70.0", "coordination_index": "37.5"},
    ]
    assert warning.evidence["summary"] == (
        "Contract health fell from 100.0 to 70.0 and the council coordination index from "
        "75.0 to 37.5, in each month from July 2025 to September 2025."
    )
    # The evidence is the metric functions' own figures.
    shown = periods_between(P03, P06)
    health = contract_health_series(partnership=partnership, months=shown)
    coordination = council_coordination(periods=shown)
    assert [
        (m["contract_health"], m["coordination_index"]) for m in warning.evidence["months"]
    ] == [(f"{h.score:.1f}", f"{c.index:.1f}") for h, c in zip(health, coordination, strict=True)]
    assert (result.updated, result.unchanged) == (0, 0)


def test_two_months_of_falls_do_not_fire(partnership, housing, finance):
    # P03 → P04 unchanged (100.0 / 75.0 both months), then falls in P05 and P06 only.
    falling(partnership, housing, finance, P03, [100, 100, 90, 80], [4, 4, 3, 2])

    result = evaluate([P04, P05, P06], notify=False)

    assert result.raised == []
    assert not of_rule(WarningRule.FALLING_TOGETHER).exists()


@pytest.mark.parametrize(
    ("health", "on_time"),
    [
        ([100, 90, 95, 80], [4, 3, 2, 1]),  # health rises in P05 (90.0 → 95.0)
        ([100, 90, 80, 70], [4, 3, 4, 1]),  # coordination rises in P05 (62.5 → 75.0)
    ],
    ids=["health-rises", "coordination-rises"],
)
def test_one_series_rising_in_the_middle_does_not_fire(
    partnership, housing, finance, health, on_time
):
    falling(partnership, housing, finance, P03, health, on_time)

    assert evaluate([P04, P05, P06], notify=False).raised == []
    assert not of_rule(WarningRule.FALLING_TOGETHER).exists()


def test_a_fall_that_goes_on_moves_its_one_warning_forward(partnership, housing, finance):
    # A fourth month of falls: P07 60.0 / 25.0.
    falling(partnership, housing, finance, P03, [100, 90, 80, 70, 60], [4, 3, 2, 1, 0])
    first = evaluate([P06], notify=False)

    second = evaluate([P07], notify=False)

    warning = of_rule(WarningRule.FALLING_TOGETHER).get()
    assert [w.pk for w in first.raised] == [warning.pk]
    assert (second.raised, second.updated, second.unchanged) == ([], 1, 0)
    assert (warning.starting_period, warning.latest_period) == ("2025-26-P04", "2025-26-P07")
    assert warning.evidence["months"][-1] == {
        "period": "2025-26-P07",
        "contract_health": "60.0",
        "coordination_index": "25.0",
    }
    assert len(warning.evidence["months"]) == 5
    # Evaluating the earlier month again does not move it back.
    again = evaluate([P06], notify=False)
    warning.refresh_from_db()
    assert (again.raised, again.updated, again.unchanged) == ([], 0, 1)
    assert warning.latest_period == "2025-26-P07"


# --- rule 2: a service a department depends on red two months running ----------------------


def test_a_service_red_two_months_warns_each_department_that_depends_on_it(
    council, partnership, housing, finance
):
    asc = DepartmentFactory(council=council, name="Adult Social Care", code="asc")
    # P03 met + met = 100.0; P04 met + minor = 75.0 (amber); P05 met + serious = 50.0
    # (red); P06 serious + serious = 0.0 (red).
    service = service_with(
        partnership,
        [housing, asc],
        {
            P03: ("met", "met"),
            P04: ("met", "minor"),
            P05: ("met", "serious"),
            P06: ("serious", "serious"),
        },
        code="case-management",
        name="Shared case-management system",
    )
    # Finance depends on a green service only.
    service_with(partnership, [finance], {P05: ("met", "met"), P06: ("met", "met")}, code="hr")

    result = evaluate([P06], notify=False)

    warnings = list(of_rule(WarningRule.SERVICE_RED))
    assert len(result.raised) == 2
    assert sorted((w.subject_key, w.department_id) for w in warnings) == sorted(
        [
            (f"department:{housing.pk}/service:{service.pk}", housing.pk),
            (f"department:{asc.pk}/service:{service.pk}", asc.pk),
        ]
    )
    for warning in warnings:
        assert (warning.starting_period, warning.latest_period) == ("2025-26-P05", "2025-26-P06")
        assert (warning.service_id, warning.partnership_id) == (service.pk, partnership.pk)
        assert warning.evidence["months"] == [
            {"period": "2025-26-P05", "service_health": "50.0", "results": 2},
            {"period": "2025-26-P06", "service_health": "0.0", "results": 2},
        ]
        assert warning.evidence["summary"] == (
            "Shared case-management system was red in each month from August 2025 to "
            "September 2025 "
            "(health 50.0, 0.0)."
        )
    assert {w.subject_label for w in warnings} == {
        "Housing: Shared case-management system",
        "Adult Social Care: Shared case-management system",
    }
    assert not EarlyWarning.objects.filter(department=finance).exists()
    # The figures are the service health of the metric functions.
    figures = service_months(partnership_ids=[partnership.pk], months=[P04, P05, P06])
    assert [figures[(service.pk, m.key)].health for m in (P04, P05, P06)] == [
        Decimal("75.0"),
        Decimal("50.0"),
        Decimal("0.0"),
    ]


def test_a_service_red_for_one_month_only_does_not_fire(partnership, housing):
    service_with(partnership, [housing], {P05: ("met", "met"), P06: ("serious", "serious")})

    assert evaluate([P05, P06], notify=False).raised == []
    assert not of_rule(WarningRule.SERVICE_RED).exists()


# --- rule 3: a statutory indicator red three periods running -------------------------------


def test_a_statutory_indicator_red_three_months_fires(housing):
    # P03 green 91.0, then red 80.0, 84.9, 70.0 in P04, P05, P06.
    red = indicator(
        housing,
        "BV-RED",
        {"2025-26-P03": "91", "2025-26-P04": "80", "2025-26-P05": "84.9", "2025-26-P06": "70"},
    )

    result = evaluate([P06], notify=False)

    warning = of_rule(WarningRule.STATUTORY_RED).get()
    assert [w.pk for w in result.raised] == [warning.pk]
    assert (warning.subject_key, warning.starting_period, warning.latest_period) == (
        f"indicator:{red.pk}",
        "2025-26-P04",
        "2025-26-P06",
    )
    assert (warning.indicator_id, warning.department_id) == (red.pk, housing.pk)
    returns = {r.period: r.pk for r in red.returns.all()}
    assert [(p["period"], p["value"], p["return_id"]) for p in warning.evidence["periods"]] == [
        ("2025-26-P04", "80.0", returns["2025-26-P04"]),
        ("2025-26-P05", "84.9", returns["2025-26-P05"]),
        ("2025-26-P06", "70.0", returns["2025-26-P06"]),
    ]
    assert {Decimal(p["target"]) for p in warning.evidence["periods"]} == {Decimal("90")}
    assert warning.evidence["summary"] == (
        "BV-RED was red in each period from July 2025 to September 2025."
    )


def test_a_non_statutory_indicator_or_two_reds_then_amber_do_not_fire(housing):
    red_three = {"2025-26-P04": "80", "2025-26-P05": "80", "2025-26-P06": "80"}
    indicator(housing, "LPI-RED", red_three, statutory=False)
    # 80 red, 80 red, then 85 amber (exactly the target less the tolerance).
    indicator(housing, "BV-AMBER", {**red_three, "2025-26-P06": "85"})

    assert evaluate([P06], notify=False).raised == []
    assert not of_rule(WarningRule.STATUTORY_RED).exists()


def test_a_quarterly_statutory_indicator_red_three_quarters_fires_with_quarter_keys(housing):
    quarterly = indicator(
        housing,
        "BV-Q",
        {"2024-25-Q3": "95", "2024-25-Q4": "80", "2025-26-Q1": "82", "2025-26-Q2": "60"},
        frequency="quarterly",
    )

    # P04 and P05 read Q1 (Q3, Q4, Q1: not all red); P06 reads Q2: Q4, Q1, Q2 all red.
    result = evaluate([P04, P05, P06], notify=False)

    warning = of_rule(WarningRule.STATUTORY_RED).get()
    assert [w.pk for w in result.raised] == [warning.pk]
    assert (warning.subject_key, warning.starting_period, warning.latest_period) == (
        f"indicator:{quarterly.pk}",
        "2024-25-Q4",
        "2025-26-Q2",
    )
    assert [(p["period"], p["value"]) for p in warning.evidence["periods"]] == [
        ("2024-25-Q4", "80.0"),
        ("2025-26-Q1", "82.0"),
        ("2025-26-Q2", "60.0"),
    ]


# --- rule 4: returns missing past their deadline -------------------------------------------


@pytest.fixture
def gaps(housing, finance):
    """Housing: H1 with no return, H2 a draft, H3 submitted (monthly) and HQ quarterly
    with no Q2 return; Finance: F1 with no return, F2 approved. All due 21 October 2025."""
    h1 = IndicatorFactory(department=housing, code="H1")
    h2 = IndicatorFactory(department=housing, code="H2")
    KpiReturnFactory(indicator=h2, period=P06.key, value=Decimal("95"), state="draft")
    h3 = IndicatorFactory(department=housing, code="H3")
    KpiReturnFactory(indicator=h3, period=P06.key, value=Decimal("95"), state="submitted")
    IndicatorFactory(department=housing, code="HQ", frequency="quarterly")
    IndicatorFactory(department=finance, code="F1")
    f2 = IndicatorFactory(department=finance, code="F2")
    KpiReturnFactory(indicator=f2, period=P06.key, value=Decimal("95"), state="approved")
    return h1


def test_returns_missing_past_the_deadline_warn_once_per_department_and_period(
    gaps, housing, finance
):
    assert P06.deadline() == P06_DEADLINE

    result = evaluate([P06], today=date(2025, 10, 22), notify=False)

    warnings = list(of_rule(WarningRule.MISSING_RETURNS))
    assert len(result.raised) == len(warnings) == 3
    found = {
        (w.department_id, w.starting_period, w.latest_period): [
            i["code"] for i in w.evidence["indicators"]
        ]
        for w in warnings
    }
    assert found == {
        # The draft H2 counts as missing; the submitted H3 does not.
        (housing.pk, "2025-26-P06", "2025-26-P06"): ["H1", "H2"],
        (housing.pk, "2025-26-Q2", "2025-26-Q2"): ["HQ"],
        (finance.pk, "2025-26-P06", "2025-26-P06"): ["F1"],
    }
    housing_month = next(
        w for w in warnings if w.department_id == housing.pk and w.starting_period == P06.key
    )
    assert housing_month.subject_key == f"department:{housing.pk}"
    assert housing_month.subject_label == "Housing: returns for September 2025"
    assert housing_month.evidence["deadline"] == "2025-10-21"
    assert housing_month.evidence["summary"] == (
        "2 returns for September 2025 missing past the deadline of 21 October 2025: H1, H2."
    )


def test_nothing_is_missing_on_the_deadline_day_itself(gaps):
    assert evaluate([P06], today=P06_DEADLINE, notify=False).raised == []
    assert not EarlyWarning.objects.exists()


def test_the_deadline_follows_the_frozen_clock_when_no_date_is_given(gaps):
    with time_machine.travel(datetime(2025, 10, 21, 18, tzinfo=LONDON), tick=False):
        assert evaluate([P06], notify=False).raised == []
    with time_machine.travel(datetime(2025, 10, 22, 9, tzinfo=LONDON), tick=False):
        assert len(evaluate([P06], notify=False).raised) == 3


# --- idempotency, the command and the task -------------------------------------------------


@pytest.fixture
def every_rule(partnership, housing, finance):
    """Something for each rule in September 2025 (P06), one warning each:
    falling together (partnership), the service red for Housing, BV-RED red three months,
    and Finance's F1 missing (which also fires for October, P07, at the frozen date)."""
    falling(partnership, housing, finance, P03, [100, 90, 80, 70], [4, 3, 2, 1])
    service_with(
        partnership,
        [housing],
        {P05: ("serious", "serious"), P06: ("serious", "serious")},
        name="Shared case-management system",
    )
    # Housing's statutory indicator: green in P03, red P04 to P06, green again in P07.
    indicator(
        housing,
        "BV-RED",
        {P03.key: "91", P04.key: "80", P05.key: "80", P06.key: "80", P07.key: "91"},
    )
    IndicatorFactory(department=finance, code="F1")


def test_evaluating_twice_raises_nothing_new(every_rule, partnership):
    # And a contract assessed against its KPIs whose first notice (due 31 March 2021,
    # 12 months after the start) was never published: overdue.
    ContractKpi.objects.create(partnership=partnership, title="Milestones", measure="milestones")
    first = evaluate([P06], notify=False)
    count = EarlyWarning.objects.count()

    second = evaluate([P06], notify=False)

    assert sorted(w.rule for w in first.raised) == sorted(WarningRule.values)
    assert count == 5
    assert (second.raised, second.updated, second.unchanged) == ([], 0, 5)
    assert EarlyWarning.objects.count() == count


def test_the_command_evaluates_one_month_without_email(every_rule, sam):
    sam.email = "sam@council.example"
    sam.save()
    out = StringIO()

    call_command("evaluate_early_warnings", "--period", P06.key, "--no-email", stdout=out)

    assert out.getvalue().strip() == (
        "Evaluated 1 month(s): 4 warning(s) raised, 0 brought up to date, 0 already "
        "recorded, 0 resolved by the data; 0 SMT member(s) emailed."
    )
    assert EarlyWarning.objects.count() == 4
    assert mail.outbox == []


def test_the_command_evaluates_every_month_with_all(every_rule):
    out = StringIO()

    call_command("evaluate_early_warnings", "--all", "--no-email", stdout=out)

    # P03 (the first month with data) to P07: falling together from P04 to P06 (P07 rises
    # back to 100.0 with no referrals); the service red P05-P06; BV-RED red P04-P06; F1
    # missing in P03, P04, P05, P06 and P07 (five warnings, one per period).
    assert out.getvalue().strip() == (
        "Evaluated 5 month(s): 8 warning(s) raised, 0 brought up to date, 0 already "
        "recorded, 0 resolved by the data; 0 SMT member(s) emailed."
    )
    assert of_rule(WarningRule.MISSING_RETURNS).count() == 5
    statutory = of_rule(WarningRule.STATUTORY_RED).get()
    assert (statutory.starting_period, statutory.latest_period) == ("2025-26-P04", "2025-26-P06")


def test_the_command_refuses_a_quarter():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a month"):
        call_command("evaluate_early_warnings", "--period", "2025-26-Q2", "--no-email")


def test_the_daily_task_evaluates_the_latest_closed_month(every_rule):
    # At the frozen date the latest closed month is October (P07): only F1 is missing.
    summary = evaluate_early_warnings.delay().get()

    assert summary == {
        "periods": ["2025-26-P07"],
        "raised": 1,
        "updated": 0,
        "unchanged": 0,
        "resolved": 0,
        "emailed": 0,
    }
    warning = EarlyWarning.objects.get()
    assert (warning.rule, warning.starting_period) == (WarningRule.MISSING_RETURNS, "2025-26-P07")
    # A retry the same day raises nothing.
    assert evaluate_early_warnings.delay().get()["raised"] == 0


# --- email to the SMT ----------------------------------------------------------------------


@pytest.fixture
def smt_with_email(sam, alice, council):
    """sam and sue (SMT) have addresses; sid (SMT) has none; an inactive SMT member and
    alice (an officer) have addresses but are not emailed."""
    sam.email = "sam@council.example"
    sam.save()
    for username, email, active in (
        ("sue", "sue@council.example", True),
        ("sid", "", True),
        ("gone", "gone@council.example", False),
    ):
        user = UserFactory(username=username, email=email, is_active=active)
        MembershipFactory(user=user, role=Role.SMT, department=None)
    alice.email = "alice@council.example"
    alice.save()


def test_new_warnings_send_one_email_to_the_smt(every_rule, smt_with_email, settings):
    settings.SITE_URL = "https://dashboard.council.example/"

    result = evaluate([P06])

    assert result.emailed == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@council.example", "sue@council.example"]
    assert message.subject == "4 new early warnings on the partnership governance dashboard"
    for warning in result.raised:
        assert warning.subject_label in message.body
        assert warning.evidence["summary"] in message.body
    assert "https://dashboard.council.example/early-warnings/" in message.body

    assert evaluate([P06]).emailed == 0
    assert len(mail.outbox) == 1


def test_no_email_with_the_no_email_option(every_rule, smt_with_email):
    call_command("evaluate_early_warnings", "--period", P06.key, "--no-email", stdout=StringIO())

    assert EarlyWarning.objects.count() == 4
    assert mail.outbox == []


# --- fixed queries -------------------------------------------------------------------------


def _council_of(size: int, council, partnership) -> None:
    """``size`` more departments, each with a statutory green indicator, a green service
    it depends on and a referral a month to the next department."""
    departments = [
        DepartmentFactory(council=council, name=f"Department {size}-{n}", code=f"d{size}-{n}")
        for n in range(size)
    ]
    for n, department in enumerate(departments):
        indicator(department, f"S{size}-{n}", {m.key: "95" for m in (P04, P05, P06)})
        service_with(
            partnership,
            [department],
            dict.fromkeys((P04, P05, P06), ("met", "met")),
            code=f"svc-{size}-{n}",
        )
        for month in (P04, P05, P06):
            ReferralFactory(
                from_department=department,
                to_department=departments[(n + 1) % size],
                raised_on=month.start,
                agreed_days=5,
                acknowledged_on=month.start,
                resolved_on=month.start + timedelta(days=1),
            )


def test_evaluate_makes_the_same_number_of_queries_at_two_sizes(council, partnership, housing):
    # One warning at both sizes: Housing's H1 has no September return.
    IndicatorFactory(department=housing, code="H1")
    counts = []
    for size in (2, 6):  # 2 departments, indicators and services, then 6 more of each
        EarlyWarning.objects.all().delete()
        _council_of(size, council, partnership)
        with CaptureQueriesContext(connection) as captured:
            result = evaluate([P06], notify=True)
        assert [(w.rule, w.department_id) for w in result.raised] == [
            (WarningRule.MISSING_RETURNS, housing.pk)
        ]
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_all_starts_at_the_first_month_of_a_quarterly_return(housing):
    quarterly = IndicatorFactory(department=housing, code="HQ", frequency="quarterly")
    for key in ("2025-26-Q1", "2025-26-Q2"):
        KpiReturnFactory(indicator=quarterly, period=key, value=Decimal("95"), state="approved")
    monthly = IndicatorFactory(department=housing, code="HM")
    for n in range(3, 8):
        KpiReturnFactory(
            indicator=monthly, period=f"2025-26-P0{n}", value=Decimal("95"), state="approved"
        )
    out = StringIO()

    call_command("evaluate_early_warnings", "--all", "--no-email", stdout=out)

    # April (P01) to October (P07) are seven months; HM's April and May returns are missing.
    assert out.getvalue().startswith("Evaluated 7 month(s)")
    assert sorted(
        of_rule(WarningRule.MISSING_RETURNS).values_list("starting_period", flat=True)
    ) == ["2025-26-P01", "2025-26-P02"]


def test_falling_together_reads_coordination_as_of_the_day_given(partnership, housing, finance):
    falling(partnership, housing, finance, P03, [100, 90, 80], [4, 3, 2])
    # September: health 70.0; one referral on time and three raised on 10 September,
    # agreed in 30 days (due 10 October), still open.
    EscalationFactory.create_batch(
        3,
        partnership=partnership,
        severity="medium",
        raised_on=P06.start,
        resolved_on=P07.start,
        state="resolved",
    )
    ReferralFactory(
        from_department=finance,
        to_department=housing,
        raised_on=P06.start,
        agreed_days=5,
        resolved_on=P06.start,
    )
    ReferralFactory.create_batch(
        3,
        from_department=finance,
        to_department=housing,
        raised_on=date(2025, 9, 10),
        agreed_days=30,
    )
    # On 2 October the three are pending: on time 1 of 1 decided, index 75.0, up from
    # 50.0 in August, so coordination did not fall in September. (On the frozen 28
    # November they are late: 1 of 4, index 37.5, and the rule fires.)
    as_of = date(2025, 10, 2)
    assert council_coordination(periods=[P06], today=as_of)[0].index == Decimal("75.0")

    assert evaluate([P06], today=as_of, notify=False).raised == []
    assert not of_rule(WarningRule.FALLING_TOGETHER).exists()

    # As the data stands on the frozen date, the same month fires.
    raised = evaluate([P06], notify=False).raised
    assert [(w.rule, w.starting_period) for w in raised] == [
        (WarningRule.FALLING_TOGETHER, "2025-26-P04")
    ]
    assert raised[0].evidence["months"][-1]["coordination_index"] == "37.5"
