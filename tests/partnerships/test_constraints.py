"""Database invariants of the partnerships app.

Every CheckConstraint and UniqueConstraint is exercised with a row written past
``clean()`` (``objects.create``, ``bulk_create`` or ``update``): the database itself must
refuse it with an IntegrityError, and the row on the boundary must still be accepted.
The models with a ``clean()`` are also checked through ``full_clean()``: the error names
the right field in plain English.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnerships.models import (
    Escalation,
    Milestone,
    Partnership,
    Risk,
    Service,
    Sla,
    SlaResult,
)
from tests.constraints import refused
from tests.factories import (
    EscalationFactory,
    MilestoneFactory,
    PartnerFactory,
    PartnershipFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(partnership):
    return ServiceFactory(
        partnership=partnership,
        code="case-management",
        name="Case management system",
        monthly_charge=Decimal("125000.00"),
        credit_cap_percent=Decimal("12.5"),
    )


@pytest.fixture
def sla(service):
    return SlaFactory(
        service=service,
        code="AV-01",
        title="Availability in core hours",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98.0"),
        credit_percent=Decimal("4"),
    )


# --- Partnership -----------------------------------------------------------------------------


def _partnership(council, **overrides):
    fields = {
        "council": council,
        "partner": PartnerFactory(name="Northgate Public Services Ltd"),
        "name": "Revenues and Benefits Partnership",
        "start_date": date(2024, 4, 1),
        "end_date": date(2031, 3, 31),
        "annual_value": Decimal("3400000.00"),
    }
    return Partnership.objects.create(**{**fields, **overrides})


def test_partnership_ending_before_it_starts_is_refused(council):
    refused(
        lambda: _partnership(council, end_date=date(2024, 3, 31)), "partnership_ends_after_start"
    )


def test_partnership_ending_the_day_it_starts_is_refused(council):
    refused(
        lambda: _partnership(council, end_date=date(2024, 4, 1)), "partnership_ends_after_start"
    )


def test_partnership_ending_the_day_after_it_starts_is_accepted(council):
    partnership = _partnership(council, end_date=date(2024, 4, 2))
    assert partnership.end_date > partnership.start_date


def test_partnership_with_negative_annual_value_is_refused(council):
    refused(
        lambda: _partnership(council, annual_value=Decimal("-0.01")),
        "partnership_value_not_negative",
    )


def test_partnership_with_zero_annual_value_is_accepted(council):
    assert _partnership(council, annual_value=Decimal("0.00")).annual_value == 0


def test_partnership_with_every_health_weight_zero_is_refused(partnership):
    refused(
        lambda: Partnership.objects.filter(pk=partnership.pk).update(
            weight_sla=0,
            weight_credits=0,
            weight_milestones=0,
            weight_escalations=0,
            weight_timely=0,
        ),
        "partnership_weights_not_all_zero",
    )


def test_partnership_with_only_one_health_weight_above_zero_is_accepted(council):
    partnership = _partnership(
        council, weight_sla=0, weight_credits=0, weight_milestones=0, weight_escalations=0
    )
    assert partnership.health_weights["timely"] == 10


def test_partnership_name_is_unique_in_the_council(council, partnership):
    refused(
        lambda: _partnership(council, name="ICT Strategic Service Partnership"),
        "partnership_name_unique",
    )


# --- Service ---------------------------------------------------------------------------------


def _service(partnership, **overrides):
    fields = {
        "partnership": partnership,
        "code": "intranet-workflow",
        "name": "Intranet workflow",
        "monthly_charge": Decimal("48500.00"),
        "credit_cap_percent": Decimal("10"),
    }
    return Service.objects.create(**{**fields, **overrides})


def test_service_code_is_unique_in_the_partnership(service, partnership):
    refused(lambda: _service(partnership, code="case-management"), "service_code_unique")


def test_same_service_code_in_another_partnership_is_accepted(service, council):
    other = PartnershipFactory(council=council, name="Revenues and Benefits Partnership")
    assert _service(other, code="case-management").code == service.code


def test_service_with_negative_monthly_charge_is_refused(partnership):
    refused(
        lambda: _service(partnership, monthly_charge=Decimal("-0.01")),
        "service_charge_not_negative",
    )


@pytest.mark.parametrize("cap", ["0", "100"])
def test_service_credit_cap_on_the_boundary_is_accepted(partnership, cap):
    assert _service(partnership, credit_cap_percent=Decimal(cap)).credit_cap_percent == Decimal(cap)


@pytest.mark.parametrize("cap", ["100.01", "-0.01"])
def test_service_credit_cap_outside_0_to_100_is_refused(partnership, cap):
    refused(
        lambda: _service(partnership, credit_cap_percent=Decimal(cap)),
        "service_cap_percent_in_range",
    )


def test_bulk_created_service_with_cap_above_100_is_refused(partnership):
    row = Service(
        partnership=partnership,
        code="telephony",
        name="Contact centre telephony",
        monthly_charge=Decimal("32000.00"),
        credit_cap_percent=Decimal("150"),
    )
    refused(lambda: Service.objects.bulk_create([row]), "service_cap_percent_in_range")


# --- Sla -------------------------------------------------------------------------------------


def _sla(service, **overrides):
    fields = {
        "service": service,
        "code": "AV-02",
        "title": "Availability out of hours",
        "polarity": "higher",
        "expected_level": Decimal("99.0"),
        "minimum_level": Decimal("97.0"),
        "credit_percent": Decimal("3"),
    }
    return Sla.objects.create(**{**fields, **overrides})


def test_sla_code_is_unique_in_the_service(sla, service):
    refused(lambda: _sla(service, code="AV-01"), "sla_code_unique")


def test_sla_with_an_unknown_polarity_is_refused(service):
    # The worse-side constraint also names both polarities, so either may answer first.
    refused(
        lambda: _sla(service, polarity="flat"),
        "sla_polarity_valid",
        "sla_minimum_on_worse_side_of_expected",
    )


@pytest.mark.parametrize(
    ("polarity", "expected", "minimum"),
    [
        ("higher", "99.5", "99.5"),  # minimum equal to expected
        ("higher", "99.5", "98.0"),  # availability: below expected is worse
        ("lower", "4", "4"),  # minimum equal to expected
        ("lower", "4", "8"),  # P1 fix time in hours: above expected is worse
    ],
)
def test_sla_minimum_on_the_worse_side_of_expected_is_accepted(
    service, polarity, expected, minimum
):
    sla = _sla(
        service,
        polarity=polarity,
        expected_level=Decimal(expected),
        minimum_level=Decimal(minimum),
    )
    assert sla.pk is not None


@pytest.mark.parametrize(
    ("polarity", "expected", "minimum"),
    [
        ("higher", "99.5", "99.6"),
        ("lower", "4", "3.5"),
    ],
)
def test_sla_minimum_on_the_better_side_of_expected_is_refused(
    service, polarity, expected, minimum
):
    refused(
        lambda: _sla(
            service,
            polarity=polarity,
            expected_level=Decimal(expected),
            minimum_level=Decimal(minimum),
        ),
        "sla_minimum_on_worse_side_of_expected",
    )


def test_sla_polarity_flipped_by_update_is_refused(sla):
    # Expected 99.5, minimum 98: fine for higher-is-better, wrong for lower-is-better.
    refused(
        lambda: Sla.objects.filter(pk=sla.pk).update(polarity="lower"),
        "sla_minimum_on_worse_side_of_expected",
    )


@pytest.mark.parametrize("credit", ["0", "100"])
def test_sla_credit_percent_on_the_boundary_is_accepted(service, credit):
    assert _sla(service, credit_percent=Decimal(credit)).credit_percent == Decimal(credit)


@pytest.mark.parametrize("credit", ["100.01", "-0.01"])
def test_sla_credit_percent_outside_0_to_100_is_refused(service, credit):
    refused(lambda: _sla(service, credit_percent=Decimal(credit)), "sla_credit_percent_in_range")


# --- SlaResult -------------------------------------------------------------------------------


def _result(sla, **overrides):
    fields = {
        "sla": sla,
        "period": "2025-26-P06",
        "reported_value": Decimal("99.7"),
        "entered_at": timezone.now(),
    }
    return SlaResult.objects.create(**{**fields, **overrides})


def test_second_result_for_the_same_sla_and_month_is_refused(sla):
    _result(sla)
    refused(lambda: _result(sla, reported_value=Decimal("98.9")), "sla_result_one_per_month")


def test_result_for_the_next_month_is_accepted(sla):
    _result(sla)
    _result(sla, period="2025-26-P07", reported_value=Decimal("98.9"))
    assert sla.results.count() == 2


def test_result_with_an_unknown_verification_state_is_refused(sla):
    refused(lambda: _result(sla, verification="waived"), "sla_result_verification_valid")


@pytest.mark.parametrize("verification", ["unverified", "verified", "disputed"])
def test_agreed_value_while_not_resolved_is_refused(sla, verification):
    refused(
        lambda: _result(sla, verification=verification, agreed_value=Decimal("99.1")),
        "sla_result_agreed_value_only_when_resolved",
    )


def test_agreed_value_on_a_resolved_dispute_is_accepted(sla):
    result = _result(
        sla,
        reported_value=Decimal("99.7"),
        verification="resolved",
        dispute_reason="Outage on 14 September missing from the availability log.",
        agreed_value=Decimal("98.6"),
        resolution_reason="Agreed at the contract review meeting.",
    )
    assert result.value_in_force == Decimal("98.6")


def test_dispute_reopened_by_update_while_an_agreed_value_stands_is_refused(sla):
    result = _result(sla, verification="resolved", agreed_value=Decimal("98.6"))
    refused(
        lambda: SlaResult.objects.filter(pk=result.pk).update(verification="disputed"),
        "sla_result_agreed_value_only_when_resolved",
    )


# --- Milestone -------------------------------------------------------------------------------


def _milestone(partnership, **overrides):
    fields = {
        "partnership": partnership,
        "title": "Migrate email to the cloud tenancy",
        "owner": "Partner programme lead",
        "due_date": date(2025, 11, 30),
    }
    return Milestone.objects.create(**{**fields, **overrides})


def test_milestone_delivered_without_a_date_is_refused(partnership):
    refused(
        lambda: _milestone(partnership, state="delivered"),
        "milestone_delivered_date_iff_delivered",
    )


@pytest.mark.parametrize("state", ["planned", "in_progress", "cancelled"])
def test_milestone_with_a_delivery_date_but_not_delivered_is_refused(partnership, state):
    refused(
        lambda: _milestone(partnership, state=state, delivered_date=date(2025, 11, 28)),
        "milestone_delivered_date_iff_delivered",
    )


def test_milestone_delivered_with_a_date_is_accepted(partnership):
    milestone = _milestone(partnership, state="delivered", delivered_date=date(2025, 11, 28))
    assert milestone.delivered_date == date(2025, 11, 28)


# --- Escalation ------------------------------------------------------------------------------


def _escalation(partnership, **overrides):
    fields = {
        "partnership": partnership,
        "title": "Repeated network outages at depots",
        "owner": "Head of ICT client",
        "raised_on": date(2025, 9, 1),
        "severity": "high",
    }
    return Escalation.objects.create(**{**fields, **overrides})


def test_escalation_resolved_without_a_resolved_date_is_refused(partnership):
    refused(
        lambda: _escalation(partnership, state="resolved"), "escalation_resolved_date_iff_resolved"
    )


def test_open_escalation_with_a_resolved_date_is_refused(partnership):
    refused(
        lambda: _escalation(partnership, resolved_on=date(2025, 9, 20)),
        "escalation_resolved_date_iff_resolved",
    )


def test_escalation_resolved_before_it_was_raised_is_refused(partnership):
    refused(
        lambda: _escalation(partnership, state="resolved", resolved_on=date(2025, 8, 31)),
        "escalation_resolved_not_before_raised",
    )


def test_escalation_resolved_the_day_it_was_raised_is_accepted(partnership):
    escalation = _escalation(partnership, state="resolved", resolved_on=date(2025, 9, 1))
    assert escalation.resolved_on == escalation.raised_on


def test_escalation_with_an_unknown_severity_is_refused(partnership):
    refused(lambda: _escalation(partnership, severity="severe"), "escalation_severity_valid")


# --- Risk ------------------------------------------------------------------------------------


def _risk(partnership, **overrides):
    fields = {
        "partnership": partnership,
        "title": "Key supplier staff turnover",
        "owner": "Partner account director",
        "raised_on": date(2025, 6, 1),
        "likelihood": 3,
        "impact": 4,
    }
    return Risk.objects.create(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("likelihood", "impact", "constraint"),
    [
        (0, 3, "risk_likelihood_1_to_5"),
        (6, 3, "risk_likelihood_1_to_5"),
        (3, 0, "risk_impact_1_to_5"),
        (3, 6, "risk_impact_1_to_5"),
    ],
)
def test_risk_scores_outside_1_to_5_are_refused(partnership, likelihood, impact, constraint):
    refused(lambda: _risk(partnership, likelihood=likelihood, impact=impact), constraint)


@pytest.mark.parametrize(("likelihood", "impact"), [(1, 1), (5, 5)])
def test_risk_scores_on_the_boundary_are_accepted(partnership, likelihood, impact):
    assert _risk(partnership, likelihood=likelihood, impact=impact).score == likelihood * impact


def test_risk_resolved_without_a_resolved_date_is_refused(partnership):
    refused(lambda: _risk(partnership, state="resolved"), "risk_resolved_date_iff_resolved")


def test_risk_resolved_before_it_was_raised_is_refused(partnership):
    refused(
        lambda: _risk(partnership, state="resolved", resolved_on=date(2025, 5, 31)),
        "risk_resolved_not_before_raised",
    )


def test_risk_resolved_the_day_it_was_raised_is_accepted(partnership):
    risk = _risk(partnership, state="resolved", resolved_on=date(2025, 6, 1))
    assert risk.resolved_on == risk.raised_on


# --- full_clean() messages -------------------------------------------------------------------


def _messages(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_full_clean_names_minimum_level_of_a_higher_is_better_sla_above_expected(service):
    sla = SlaFactory.build(
        service=service,
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("99.8"),
    )
    assert _messages(sla)["minimum_level"] == [
        "For a higher-is-better SLA the minimum level cannot be above the expected level."
    ]


def test_full_clean_names_minimum_level_of_a_lower_is_better_sla_below_expected(service):
    sla = SlaFactory.build(
        service=service, polarity="lower", expected_level=Decimal("4"), minimum_level=Decimal("2")
    )
    assert _messages(sla)["minimum_level"] == [
        "For a lower-is-better SLA the minimum level cannot be below the expected level."
    ]


def test_full_clean_accepts_an_sla_minimum_equal_to_expected(service):
    SlaFactory.build(
        service=service, polarity="lower", expected_level=Decimal("4"), minimum_level=Decimal("4")
    ).full_clean()


def test_full_clean_names_delivered_date_of_a_delivered_milestone_without_one(partnership):
    milestone = MilestoneFactory.build(partnership=partnership, state="delivered")
    assert _messages(milestone)["delivered_date"] == ["Give the date the milestone was delivered."]


def test_full_clean_names_state_of_a_dated_milestone_not_delivered(partnership):
    milestone = MilestoneFactory.build(
        partnership=partnership, state="in_progress", delivered_date=date(2025, 9, 29)
    )
    assert _messages(milestone)["state"] == ["A milestone with a delivery date is delivered."]


def test_full_clean_names_resolved_on_of_an_escalation_resolved_before_raised(partnership):
    escalation = EscalationFactory.build(
        partnership=partnership, state="resolved", resolved_on=date(2025, 8, 15)
    )
    assert _messages(escalation)["resolved_on"] == [
        "The resolved date cannot be before the raised date."
    ]


def test_full_clean_names_resolved_on_of_an_escalation_resolved_without_a_date(partnership):
    escalation = EscalationFactory.build(partnership=partnership, state="resolved")
    assert _messages(escalation)["resolved_on"] == ["Give the date it was resolved."]


def test_full_clean_names_likelihood_of_a_risk_scored_6(partnership):
    risk = RiskFactory.build(partnership=partnership, likelihood=6)
    assert _messages(risk)["likelihood"] == ["Ensure this value is less than or equal to 5."]


def test_full_clean_names_end_date_of_a_partnership_ending_before_it_starts(partnership):
    partnership.end_date = date(2019, 3, 31)
    assert _messages(partnership)["end_date"] == ["The contract must end after it starts."]


def test_full_clean_accepts_a_result_agreed_on_a_resolved_dispute(sla, pat):
    SlaResultFactory.build(
        sla=sla, entered_by=pat, verification="resolved", agreed_value=Decimal("98.6")
    ).full_clean()


@pytest.mark.parametrize("factory", [EscalationFactory, RiskFactory])
def test_full_clean_names_state_of_an_open_record_with_a_resolved_date(db, factory):
    record = factory.build(partnership=PartnershipFactory(), resolved_on=date(2025, 9, 20))
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert error.value.message_dict["state"] == [
        "It has a resolved date, so mark it resolved (or clear the date)."
    ]


def test_full_clean_refuses_an_agreed_figure_without_a_resolved_dispute(db):
    result = SlaResultFactory.build(sla=SlaFactory(), agreed_value=Decimal("98.9"))
    result.set_period_dates()
    with pytest.raises(ValidationError) as error:
        result.full_clean()
    assert error.value.message_dict["agreed_value"] == [
        "An agreed figure is recorded only when a dispute is resolved."
    ]
