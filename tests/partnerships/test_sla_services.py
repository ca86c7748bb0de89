"""The partnership services: entering SLA results, verifying and disputing them,
milestone progress, escalations and risks. Who may do what (DESIGN.md section 4), the
exact refusals, the version check and the audit trail of every change.

Time is frozen on Saturday 15 November 2025, noon in London: October 2025 (2025-26-P07)
is the latest closed month; November 2025 (P08) has not ended.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from departments.roles import Role
from partnerships.models import Escalation, Milestone, Risk, SlaResult, Verification
from partnerships.records import services as record_services
from partnerships.sla_results import services
from tests.factories import (
    EscalationFactory,
    MembershipFactory,
    MilestoneFactory,
    PartnershipFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
P07 = "2025-26-P07"
SERIOUS_NEEDS_COMMENTARY = (
    "Explain the serious failure: a result that misses the expected level needs commentary"
)
MINOR_NEEDS_COMMENTARY = (
    "Explain the minor failure: a result that misses the expected level needs commentary"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def sla(partnership):
    """Higher is better: met from 99.5, minor failure from 98, serious below 98."""
    service = ServiceFactory(
        partnership=partnership,
        code="hosting",
        name="Hosting",
        monthly_charge=Decimal("118000.00"),
        credit_cap_percent=Decimal("15"),
    )
    return SlaFactory(
        service=service,
        code="AV-01",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal("4"),
    )


@pytest.fixture
def other_partnership(council):
    return PartnershipFactory(council=council, name="Waste Services Partnership")


@pytest.fixture
def quinn(other_partnership):
    """The partner manager of another partnership."""
    user = UserFactory(username="quinn")
    MembershipFactory(user=user, role=Role.PARTNER, department=None, partnership=other_partnership)
    return user


def enter(sla, actor, value="99.7", commentary="", period=P07, **kwargs) -> SlaResult:
    return services.enter_sla_result(
        sla=sla, period_key=period, actor=actor, value=value, commentary=commentary, **kwargs
    )


def messages_of(caught) -> dict[str, list[str]]:
    return caught.value.message_dict


def audit(result) -> list[tuple[str, str, int]]:
    """(who, why, version) of every history row, oldest first."""
    return [
        (h.history_user.username, h.history_change_reason, h.version)
        for h in result.history.order_by("history_date", "history_id")
    ]


# --- entering ----------------------------------------------------------------------------


def test_the_partner_enters_a_result(sla, pat):
    result = enter(sla, pat, value="99.70", commentary="  ")

    result.refresh_from_db()
    assert result.period == P07
    assert (result.reported_value, result.agreed_value, result.value_in_force) == (
        Decimal("99.7"),
        None,
        Decimal("99.7"),
    )
    assert (result.verification, result.version, result.commentary) == (
        Verification.UNVERIFIED,
        1,
        "",
    )
    assert (result.entered_by, result.entered_at) == (pat, NOW)
    assert str(result.deadline) == "2025-11-14"  # 10 working days after 31 October 2025
    assert audit(result) == [("pat", "Entered", 1)]


def test_an_administrator_may_enter_a_result(sla, ada):
    assert enter(sla, ada).entered_by == ada


@pytest.mark.parametrize("who", ["quinn", "sam", "audrey", "alice"])
def test_nobody_else_enters_a_result(request, sla, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied) as caught:
        enter(sla, actor)

    assert str(caught.value) == "Only the partner's contract manager enters SLA results."
    assert not SlaResult.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("97.9", SERIOUS_NEEDS_COMMENTARY), ("99.4", MINOR_NEEDS_COMMENTARY)],
)
def test_a_failure_without_commentary_is_refused(sla, pat, value, message):
    with pytest.raises(ValidationError) as caught:
        enter(sla, pat, value=value, commentary="   ")

    assert messages_of(caught) == {"commentary": [message]}
    assert not SlaResult.objects.exists()


def test_a_failure_with_commentary_is_stored(sla, pat):
    result = enter(sla, pat, value="97.9", commentary=" Storage array failed on 3 October ")

    assert result.commentary == "Storage array failed on 3 October"


@pytest.mark.parametrize(
    ("period", "today", "message"),
    [
        ("2025-26-P08", None, "November 2025 (P08 2025/26) has not ended yet"),
        # A month is still running on its last day.
        (P07, date(2025, 10, 31), "October 2025 (P07 2025/26) has not ended yet"),
        ("2025-26-Q2", None, "SLA results are monthly: use a month such as 2025-26-P06"),
        ("2025-26", None, "SLA results are monthly: use a month such as 2025-26-P06"),
        (
            "2025-27-P07",
            None,
            "'2025-27-P07' is not a period key: expected a financial year such as "
            "2025-26, a month such as 2025-26-P06 or a quarter such as 2025-26-Q2",
        ),
    ],
)
def test_the_period_must_be_a_month_that_has_ended(sla, pat, period, today, message):
    with pytest.raises(ValidationError) as caught:
        enter(sla, pat, period=period, today=today)

    assert messages_of(caught) == {"period": [message]}
    assert not SlaResult.objects.exists()


def test_the_first_day_after_the_month_it_may_be_entered(sla, pat):
    assert enter(sla, pat, today=date(2025, 11, 1)).period == P07


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.5", "The result cannot be negative"),
        ("ninety-nine", "Enter the result as a number, like 99.5"),
        ("", "Enter the result"),
        (None, "Enter the result"),
        ("99.12345", "The result can have at most 4 decimal places"),
    ],
)
def test_the_value_must_be_a_number_that_is_not_negative(sla, pat, value, message):
    with pytest.raises(ValidationError) as caught:
        enter(sla, pat, value=value)

    assert messages_of(caught) == {"value": [message]}
    assert not SlaResult.objects.exists()


def test_the_partner_corrects_an_unverified_result(sla, pat):
    first = enter(sla, pat, value="97.0", commentary="Outage")

    corrected = enter(sla, pat, value="99.6", expected_version=1)

    assert corrected.pk == first.pk
    corrected.refresh_from_db()
    assert (corrected.reported_value, corrected.commentary, corrected.version) == (
        Decimal("99.6"),
        "",
        2,
    )
    assert SlaResult.objects.count() == 1
    assert audit(corrected) == [("pat", "Entered", 1), ("pat", "Corrected", 2)]


def test_a_correction_based_on_an_older_version_is_refused(sla, pat):
    enter(sla, pat, value="97.0", commentary="Outage")
    enter(sla, pat, value="97.5", commentary="Outage, recounted", expected_version=1)

    with pytest.raises(services.StaleResult) as caught:
        enter(sla, pat, value="99.9", expected_version=1)

    assert caught.value.current.version == 2
    assert "Nothing of yours was saved" in str(caught.value)
    stored = SlaResult.objects.get()
    assert (stored.reported_value, stored.version) == (Decimal("97.5"), 2)


@pytest.mark.parametrize(
    ("act", "state"),
    [("verify", "verified"), ("dispute", "disputed")],
)
def test_a_verified_or_disputed_result_cannot_be_changed_by_the_partner(sla, pat, sam, act, state):
    result = enter(sla, pat)
    if act == "verify":
        services.verify_sla_result(result=result, actor=sam)
    else:
        services.dispute_sla_result(result=result, actor=sam, reason="Check the logs")

    with pytest.raises(ValidationError) as caught:
        enter(sla, pat, value="99.9")

    assert messages_of(caught) == {
        "value": [f"This result is {state}: it can no longer be changed by the partner"]
    }
    result.refresh_from_db()
    assert result.reported_value == Decimal("99.7")


# --- verifying, disputing, resolving -----------------------------------------------------


@pytest.fixture
def entered(sla, pat):
    return enter(sla, pat, value="97.0", commentary="Storage outage on 3 October")


def test_smt_verifies_a_result(entered, sam):
    result = services.verify_sla_result(result=entered, actor=sam, expected_version=1)

    result.refresh_from_db()
    assert (result.verification, result.verified_by, result.verified_at, result.version) == (
        Verification.VERIFIED,
        sam,
        NOW,
        2,
    )
    assert audit(result)[-1] == ("sam", "Verified", 2)


@pytest.mark.parametrize("who", ["pat", "audrey", "alice", "quinn"])
def test_only_smt_verifies_disputes_and_resolves(request, entered, sam, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied, match="Only SMT verifies SLA results."):
        services.verify_sla_result(result=entered, actor=actor)
    with pytest.raises(PermissionDenied, match="Only SMT disputes SLA results."):
        services.dispute_sla_result(result=entered, actor=actor, reason="No")
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")
    with pytest.raises(PermissionDenied, match="Only SMT resolves disputes."):
        services.resolve_sla_dispute(result=entered, actor=actor, reason="Agreed")

    entered.refresh_from_db()
    assert (entered.verification, entered.version) == (Verification.DISPUTED, 2)


def test_an_administrator_may_verify(entered, ada):
    assert services.verify_sla_result(result=entered, actor=ada).verified_by == ada


def test_a_verified_result_cannot_be_verified_again(entered, sam):
    services.verify_sla_result(result=entered, actor=sam)

    with pytest.raises(ValidationError) as caught:
        services.verify_sla_result(result=entered, actor=sam)

    assert messages_of(caught) == {
        "verification": ["Only a result awaiting verification can be verified."]
    }


def test_verifying_an_older_version_is_refused(entered, pat, sam, sla):
    enter(sla, pat, value="97.2", commentary="Recounted", expected_version=1)

    with pytest.raises(services.StaleResult) as caught:
        services.verify_sla_result(result=entered, actor=sam, expected_version=1)

    assert caught.value.current.version == 2
    entered.refresh_from_db()
    assert entered.verification == Verification.UNVERIFIED


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_dispute_needs_a_reason(entered, sam, reason):
    with pytest.raises(ValidationError) as caught:
        services.dispute_sla_result(result=entered, actor=sam, reason=reason)

    assert messages_of(caught) == {"reason": ["Give the reason for the dispute"]}
    entered.refresh_from_db()
    assert (entered.verification, entered.version) == (Verification.UNVERIFIED, 1)


def test_smt_disputes_an_unverified_or_a_verified_result(entered, sam):
    services.verify_sla_result(result=entered, actor=sam)

    disputed = services.dispute_sla_result(
        result=entered, actor=sam, reason=" Monitoring shows 98.6% ", expected_version=2
    )

    disputed.refresh_from_db()
    assert (disputed.verification, disputed.dispute_reason, disputed.version) == (
        Verification.DISPUTED,
        "Monitoring shows 98.6%",
        3,
    )
    # It still counts as the partner reported it.
    assert disputed.value_in_force == Decimal("97.0")
    assert audit(disputed)[-1] == ("sam", "Disputed: Monitoring shows 98.6%", 3)


def test_a_disputed_result_cannot_be_disputed_again(entered, sam):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    with pytest.raises(ValidationError) as caught:
        services.dispute_sla_result(result=entered, actor=sam, reason="Again")

    assert messages_of(caught) == {"verification": ["This result is already disputed or resolved."]}


def test_disputing_an_older_version_is_refused(entered, sam):
    services.verify_sla_result(result=entered, actor=sam)

    with pytest.raises(services.StaleResult):
        services.dispute_sla_result(
            result=entered, actor=sam, reason="Check the logs", expected_version=1
        )

    entered.refresh_from_db()
    assert entered.verification == Verification.VERIFIED


def test_only_a_disputed_result_can_be_resolved(entered, sam):
    with pytest.raises(ValidationError) as caught:
        services.resolve_sla_dispute(result=entered, actor=sam, reason="Agreed")

    assert messages_of(caught) == {"verification": ["Only a disputed result can be resolved."]}


def test_a_resolution_needs_a_reason(entered, sam):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    with pytest.raises(ValidationError) as caught:
        services.resolve_sla_dispute(result=entered, actor=sam, reason=" ", agreed_value="98.6")

    assert messages_of(caught) == {"reason": ["Give the reason for the resolution"]}
    entered.refresh_from_db()
    assert (entered.verification, entered.agreed_value) == (Verification.DISPUTED, None)


def test_resolving_by_confirming_the_partners_figure(entered, sam):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    resolved = services.resolve_sla_dispute(
        result=entered, actor=sam, reason="The logs agree", agreed_value="", expected_version=2
    )

    resolved.refresh_from_db()
    assert (resolved.verification, resolved.agreed_value, resolved.value_in_force) == (
        Verification.RESOLVED,
        None,
        Decimal("97.0"),
    )
    assert resolved.resolution_reason == "The logs agree"
    assert audit(resolved)[-1] == (
        "sam",
        "Dispute resolved, partner's figure confirmed: The logs agree",
        3,
    )


def test_resolving_with_an_agreed_figure(entered, sam):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    resolved = services.resolve_sla_dispute(
        result=entered, actor=sam, reason="Agreed at the contract meeting", agreed_value="98.6"
    )

    resolved.refresh_from_db()
    assert (resolved.reported_value, resolved.agreed_value, resolved.value_in_force) == (
        Decimal("97.0"),
        Decimal("98.6"),
        Decimal("98.6"),
    )
    assert audit(resolved)[-1] == (
        "sam",
        "Dispute resolved, agreed figure recorded: Agreed at the contract meeting",
        3,
    )


@pytest.mark.parametrize(
    ("agreed", "message"),
    [
        ("about 98", "Enter the result as a number, like 99.5"),
        ("-1", "The result cannot be negative"),
    ],
)
def test_an_agreed_figure_must_be_a_number(entered, sam, agreed, message):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    with pytest.raises(ValidationError) as caught:
        services.resolve_sla_dispute(result=entered, actor=sam, reason="x", agreed_value=agreed)

    assert messages_of(caught) == {"agreed_value": [message]}


def test_resolving_an_older_version_is_refused(entered, sam):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")

    with pytest.raises(services.StaleResult):
        services.resolve_sla_dispute(
            result=entered, actor=sam, reason="Agreed", agreed_value="98.6", expected_version=1
        )

    entered.refresh_from_db()
    assert (entered.verification, entered.agreed_value) == (Verification.DISPUTED, None)


def test_a_resolved_result_is_final(entered, sam, pat, sla):
    services.dispute_sla_result(result=entered, actor=sam, reason="Check the logs")
    services.resolve_sla_dispute(result=entered, actor=sam, reason="Agreed", agreed_value="98.6")

    with pytest.raises(ValidationError):
        services.dispute_sla_result(result=entered, actor=sam, reason="Again")
    with pytest.raises(ValidationError):
        services.verify_sla_result(result=entered, actor=sam)
    with pytest.raises(ValidationError):
        enter(sla, pat, value="99.9")


def test_every_change_leaves_a_history_row_with_who_and_why(sla, pat, sam):
    result = enter(sla, pat, value="97.0", commentary="Outage")
    enter(sla, pat, value="96.5", commentary="Outage, longer", expected_version=1)
    services.dispute_sla_result(result=result, actor=sam, reason="Monitoring shows 98.6")
    services.resolve_sla_dispute(
        result=result, actor=sam, reason="Agreed on 20 November", agreed_value="98.6"
    )

    assert audit(result) == [
        ("pat", "Entered", 1),
        ("pat", "Corrected", 2),
        ("sam", "Disputed: Monitoring shows 98.6", 3),
        ("sam", "Dispute resolved, agreed figure recorded: Agreed on 20 November", 4),
    ]
    values = [
        (h.reported_value, h.agreed_value, h.verification)
        for h in result.history.order_by("history_date", "history_id")
    ]
    assert values == [
        (Decimal("97.0"), None, "unverified"),
        (Decimal("96.5"), None, "unverified"),
        (Decimal("96.5"), None, "disputed"),
        (Decimal("96.5"), Decimal("98.6"), "resolved"),
    ]


# --- milestones --------------------------------------------------------------------------


@pytest.fixture
def milestone(partnership):
    return MilestoneFactory(
        partnership=partnership, title="Data centre migration", due_date=date(2025, 10, 31)
    )


def test_the_partner_records_milestone_progress(milestone, pat):
    record_services.update_milestone(milestone=milestone, actor=pat, state="in_progress")
    delivered = record_services.update_milestone(
        milestone=milestone, actor=pat, state="delivered", delivered_date=date(2025, 11, 3)
    )

    delivered.refresh_from_db()
    assert (delivered.state, delivered.delivered_date) == ("delivered", date(2025, 11, 3))
    changes = Milestone.history.filter(id=milestone.pk).order_by("history_date", "history_id")
    assert [(h.history_user, h.history_change_reason) for h in changes][1:] == [
        (pat, "Progress: In progress"),
        (pat, "Progress: Delivered"),
    ]


def test_a_delivered_milestone_needs_a_date_that_is_not_in_the_future(milestone, pat):
    with pytest.raises(ValidationError) as caught:
        record_services.update_milestone(milestone=milestone, actor=pat, state="delivered")
    assert messages_of(caught) == {"delivered_date": ["Give the date the milestone was delivered."]}

    with pytest.raises(ValidationError) as caught:
        record_services.update_milestone(
            milestone=milestone, actor=pat, state="delivered", delivered_date=date(2025, 11, 16)
        )
    assert messages_of(caught) == {"delivered_date": ["The delivery date cannot be in the future"]}
    milestone.refresh_from_db()
    assert (milestone.state, milestone.delivered_date) == ("planned", None)


@pytest.mark.parametrize("who", ["sam", "audrey", "alice", "quinn"])
def test_only_the_partner_records_milestone_progress(request, milestone, who):
    with pytest.raises(PermissionDenied):
        record_services.update_milestone(
            milestone=milestone, actor=request.getfixturevalue(who), state="in_progress"
        )

    milestone.refresh_from_db()
    assert milestone.state == "planned"


# --- escalations and risks ---------------------------------------------------------------


def new_escalation(partnership, **kwargs) -> Escalation:
    fields = {
        "title": "Repeated network outages at depots",
        "owner": "Head of ICT client",
        "severity": "high",
        "raised_on": date(2025, 11, 10),
    }
    return Escalation(partnership=partnership, **{**fields, **kwargs})


def new_risk(partnership, **kwargs) -> Risk:
    fields = {
        "title": "Key supplier staff turnover",
        "owner": "Partner account director",
        "likelihood": 3,
        "impact": 5,
        "raised_on": date(2025, 11, 10),
    }
    return Risk(partnership=partnership, **{**fields, **kwargs})


@pytest.mark.parametrize("who", ["sam", "pat", "ada"])
def test_smt_and_the_partner_raise_escalations_and_risks(request, partnership, who):
    actor = request.getfixturevalue(who)

    escalation = record_services.save_record(record=new_escalation(partnership), actor=actor)
    risk = record_services.save_record(record=new_risk(partnership), actor=actor)

    for record in (escalation, risk):
        record.refresh_from_db()
        assert (record.raised_by, record.state) == (actor, "open")
        last = record.history.latest()
        assert (last.history_user, last.history_change_reason) == (actor, "Raised")
    assert risk.score == 15


@pytest.mark.parametrize("who", ["audrey", "alice", "quinn"])
def test_nobody_else_raises_escalations_or_risks(request, partnership, who):
    actor = request.getfixturevalue(who)

    for record in (new_escalation(partnership), new_risk(partnership)):
        with pytest.raises(PermissionDenied):
            record_services.save_record(record=record, actor=actor)

    assert not Escalation.objects.exists()
    assert not Risk.objects.exists()


def test_resolving_a_record_dates_it_today_and_keeps_the_reason(partnership, pat, sam):
    escalation = EscalationFactory(partnership=partnership, raised_on=date(2025, 11, 1))
    risk = RiskFactory(partnership=partnership, raised_on=date(2025, 6, 1))

    for record in (escalation, risk):
        record.state = "resolved"
        record.resolution = "Circuits replaced"
        record_services.save_record(record=record, actor=sam, reason="Closed at the board")
        record.refresh_from_db()
        assert (record.state, record.resolved_on) == ("resolved", date(2025, 11, 15))
        last = record.history.latest()
        assert (last.history_user, last.history_change_reason) == (sam, "Closed at the board")


def test_the_partner_updates_an_escalation_of_their_partnership(partnership, pat):
    escalation = EscalationFactory(partnership=partnership, severity="medium")
    escalation.severity = "high"

    record_services.save_record(record=escalation, actor=pat)

    escalation.refresh_from_db()
    assert escalation.severity == "high"
    last = escalation.history.latest()
    assert (last.history_user, last.history_change_reason) == (pat, "Updated")


def test_a_record_cannot_be_resolved_before_it_was_raised(partnership, sam):
    escalation = new_escalation(partnership, state="resolved", resolved_on=date(2025, 11, 1))

    with pytest.raises(ValidationError) as caught:
        record_services.save_record(record=escalation, actor=sam)

    assert messages_of(caught) == {
        "resolved_on": ["The resolved date cannot be before the raised date."]
    }
    assert not Escalation.objects.exists()


def test_a_risk_scores_likelihood_and_impact_from_1_to_5(partnership, sam):
    with pytest.raises(ValidationError) as caught:
        record_services.save_record(record=new_risk(partnership, likelihood=6), actor=sam)

    assert list(messages_of(caught)) == ["likelihood"]
    assert not Risk.objects.exists()
