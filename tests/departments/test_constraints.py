"""Database invariants of the departments app (and of reporting's early warnings).

Every CheckConstraint and UniqueConstraint is exercised with a row written past
``clean()`` (``objects.create``, ``bulk_create`` or ``update``): the database itself must
refuse it with an IntegrityError, and the row on the boundary must still be accepted.
The models with a ``clean()`` are also checked through ``full_clean()``: the error names
the right field in plain English.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from departments.models import (
    Council,
    Department,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    Target,
)
from reporting.models import EarlyWarning
from tests.constraints import refused
from tests.factories import (
    CouncilFactory,
    IndicatorFactory,
    ServiceFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIGNED_OFF_AT = datetime(2025, 10, 24, 16, 30, tzinfo=UTC)


@pytest.fixture
def indicator(housing):
    return IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Homelessness cases prevented",
        year_to_date="ratio",
    )


@pytest.fixture
def service(partnership):
    return ServiceFactory(
        partnership=partnership, code="case-management", name="Case management system"
    )


@pytest.fixture
def signer(db):
    return UserFactory(username="sharon")


# --- Council ---------------------------------------------------------------------------------


def test_council_with_all_coordination_weights_zero_is_refused():
    refused(
        lambda: Council.objects.create(
            name="Ambridge District Council",
            weight_on_time=0,
            weight_digital_share=0,
            weight_reach=0,
        ),
        "council_coordination_weights_not_all_zero",
    )


def test_council_with_one_coordination_weight_above_zero_is_accepted():
    council = Council.objects.create(
        name="Ambridge District Council", weight_on_time=0, weight_digital_share=0, weight_reach=1
    )
    assert council.pk is not None


# --- Department ------------------------------------------------------------------------------


def test_department_code_is_unique_in_a_council(council, housing):
    refused(
        lambda: Department.objects.create(council=council, name="Housing Needs", code="housing"),
        "department_code_unique",
    )


def test_department_name_is_unique_in_a_council(council, housing):
    refused(
        lambda: Department.objects.create(council=council, name="Housing", code="housing-2"),
        "department_name_unique",
    )


def test_same_department_code_in_another_council_is_accepted(housing):
    other = CouncilFactory(name="Felpersham City Council")
    department = Department.objects.create(council=other, name="Housing", code="housing")
    assert department.code == housing.code


# --- Membership ------------------------------------------------------------------------------


def _scope(kind, housing, partnership):
    return {
        "none": {},
        "department": {"department": housing},
        "partnership": {"partnership": partnership},
        "both": {"department": housing, "partnership": partnership},
    }[kind]


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("officer", "none"),
        ("head", "partnership"),
        ("officer", "both"),
        ("partner", "department"),
        ("partner", "none"),
        ("smt", "department"),
        ("auditor", "partnership"),
        ("admin", "department"),
        ("mayor", "none"),
    ],
)
def test_membership_scope_that_does_not_match_the_role_is_refused(
    role, scope, housing, partnership
):
    user = UserFactory(username="mallory")
    refused(
        lambda: Membership.objects.create(
            user=user, role=role, **_scope(scope, housing, partnership)
        ),
        "membership_scope_matches_role",
    )


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("officer", "department"),
        ("head", "department"),
        ("partner", "partnership"),
        ("smt", "none"),
        ("auditor", "none"),
        ("admin", "none"),
    ],
)
def test_membership_scope_that_matches_the_role_is_accepted(role, scope, housing, partnership):
    user = UserFactory(username="mallory")
    membership = Membership.objects.create(
        user=user, role=role, **_scope(scope, housing, partnership)
    )
    assert membership.pk is not None


def test_membership_in_the_same_department_twice_is_refused(alice, housing):
    refused(
        lambda: Membership.objects.create(user=alice, role="officer", department=housing),
        "membership_department_unique",
    )


def test_membership_in_two_departments_is_accepted(alice, finance):
    Membership.objects.create(user=alice, role="officer", department=finance)
    assert alice.memberships.count() == 2


def test_membership_in_the_same_partnership_twice_is_refused(pat, partnership):
    refused(
        lambda: Membership.objects.create(user=pat, role="partner", partnership=partnership),
        "membership_partnership_unique",
    )


def test_council_wide_membership_twice_is_refused(sam):
    refused(lambda: Membership.objects.create(user=sam, role="smt"), "membership_council_unique")


def test_two_council_wide_roles_for_one_user_are_accepted(sam):
    Membership.objects.create(user=sam, role="auditor")
    assert set(sam.memberships.values_list("role", flat=True)) == {"smt", "auditor"}


# --- PerformanceIndicator --------------------------------------------------------------------


def _indicator(housing, **overrides):
    fields = {
        "council": housing.council,
        "department": housing,
        "code": "LPI-HOU-07",
        "title": "Average days to re-let council homes",
        "definition": "Mean calendar days from void to new tenancy start.",
        "unit": "days",
        "polarity": "lower",
        "frequency": "monthly",
        "year_to_date": "mean",
        "dimension": "efficiency",
        "decimal_places": 1,
    }
    return PerformanceIndicator.objects.create(**{**fields, **overrides})


def test_indicator_code_is_unique_in_the_council(indicator, housing):
    refused(
        lambda: _indicator(housing, code="LPI-HOU-03"),
        "indicator_code_unique",
    )


def test_indicator_with_four_decimal_places_is_accepted(housing):
    assert _indicator(housing, decimal_places=4).decimal_places == 4


def test_indicator_with_five_decimal_places_is_refused(housing):
    refused(lambda: _indicator(housing, decimal_places=5), "indicator_decimal_places_at_most_4")


def test_indicator_with_an_unknown_unit_is_refused(housing):
    refused(lambda: _indicator(housing, unit="furlongs"), "indicator_unit_valid")


def test_indicator_with_an_unknown_polarity_is_refused(housing):
    refused(lambda: _indicator(housing, polarity="flat"), "indicator_polarity_valid")


# --- Target ----------------------------------------------------------------------------------


def test_second_target_for_the_same_indicator_and_year_is_refused(indicator):
    TargetFactory(indicator=indicator, financial_year=2025)
    refused(
        lambda: Target.objects.create(
            indicator=indicator, financial_year=2025, annual_value=Decimal("85")
        ),
        "target_one_per_indicator_year",
    )


def test_target_for_the_next_year_is_accepted(indicator):
    TargetFactory(indicator=indicator, financial_year=2025)
    Target.objects.create(indicator=indicator, financial_year=2026, annual_value=Decimal("92.5"))
    assert indicator.targets.count() == 2


def test_target_with_zero_tolerance_is_accepted(indicator):
    target = Target.objects.create(
        indicator=indicator, financial_year=2025, annual_value=Decimal("90"), tolerance=Decimal(0)
    )
    assert target.tolerance == 0


def test_target_with_negative_tolerance_is_refused(indicator):
    refused(
        lambda: Target.objects.create(
            indicator=indicator,
            financial_year=2025,
            annual_value=Decimal("90"),
            tolerance=Decimal("-0.1"),
        ),
        "target_tolerance_not_negative",
    )


def test_target_tolerance_made_negative_by_update_is_refused(indicator):
    target = TargetFactory(indicator=indicator, tolerance=Decimal("2.5"))
    refused(
        lambda: Target.objects.filter(pk=target.pk).update(tolerance=Decimal("-0.1")),
        "target_tolerance_not_negative",
    )


# --- KpiReturn -------------------------------------------------------------------------------


def _return(indicator, **overrides):
    fields = {
        "indicator": indicator,
        "department": indicator.department,
        "period": "2025-26-P06",
        "numerator": Decimal("183"),
        "denominator": Decimal("200"),
        "value": Decimal("91.5"),
    }
    return KpiReturn.objects.create(**{**fields, **overrides})


def test_second_return_for_the_same_indicator_and_period_is_refused(indicator):
    _return(indicator)
    refused(lambda: _return(indicator, value=Decimal("88.0")), "return_one_per_period")


def test_return_for_the_next_period_is_accepted(indicator):
    _return(indicator)
    _return(indicator, period="2025-26-P07")
    assert indicator.returns.count() == 2


def test_return_with_an_unknown_state_is_refused(indicator):
    refused(lambda: _return(indicator, state="archived"), "return_state_valid")


def test_return_with_numerator_but_no_denominator_is_refused(indicator):
    refused(
        lambda: _return(indicator, denominator=None), "return_numerator_and_denominator_together"
    )


def test_return_with_denominator_but_no_numerator_is_refused(indicator):
    refused(lambda: _return(indicator, numerator=None), "return_numerator_and_denominator_together")


def test_return_with_zero_denominator_is_refused(indicator):
    refused(
        lambda: _return(indicator, numerator=Decimal("0"), denominator=Decimal("0")),
        "return_denominator_positive",
    )


def test_return_with_negative_numerator_is_refused(indicator):
    refused(lambda: _return(indicator, numerator=Decimal("-1")), "return_numerator_not_negative")


def test_return_with_zero_numerator_is_accepted(indicator):
    kpi_return = _return(indicator, numerator=Decimal("0"), value=Decimal("0"))
    assert kpi_return.numerator == 0


def test_return_with_neither_numerator_nor_denominator_is_accepted(indicator):
    kpi_return = _return(indicator, numerator=None, denominator=None)
    assert kpi_return.value == Decimal("91.5")


def test_return_ending_before_it_starts_is_refused(indicator):
    kpi_return = _return(indicator)
    refused(
        lambda: KpiReturn.objects.filter(pk=kpi_return.pk).update(
            period_start=date(2025, 10, 1), period_end=date(2025, 9, 30)
        ),
        "return_period_ordered",
    )


def test_bulk_created_return_with_zero_denominator_is_refused(indicator):
    row = KpiReturn(
        indicator=indicator,
        department=indicator.department,
        period="2025-26-P08",
        numerator=Decimal("12"),
        denominator=Decimal("0"),
    )
    row.set_period_dates()
    refused(lambda: KpiReturn.objects.bulk_create([row]), "return_denominator_positive")


# --- PeriodSignOff ---------------------------------------------------------------------------


def _sign_off(signer, **overrides):
    fields = {"period": "2025-26-P06", "signed_off_by": signer, "signed_off_at": SIGNED_OFF_AT}
    return PeriodSignOff.objects.create(**{**fields, **overrides})


def test_second_active_sign_off_of_a_department_period_is_refused(signer, housing):
    _sign_off(signer, department=housing)
    refused(lambda: _sign_off(signer, department=housing), "sign_off_one_active_per_department")


def test_new_sign_off_after_the_old_one_was_reopened_is_accepted(signer, housing):
    first = _sign_off(signer, department=housing)
    first.reopened_by = signer
    first.reopened_at = SIGNED_OFF_AT + timedelta(days=3)
    first.reopen_reason = "Rent arrears figure restated by Finance."
    first.save()
    _sign_off(signer, department=housing, signed_off_at=SIGNED_OFF_AT + timedelta(days=5))
    assert PeriodSignOff.objects.filter(department=housing).count() == 2


def test_second_active_council_wide_sign_off_is_refused(signer):
    _sign_off(signer)
    refused(lambda: _sign_off(signer), "sign_off_one_active_per_council")


def test_council_wide_and_department_sign_offs_of_one_period_coexist(signer, housing, finance):
    _sign_off(signer)
    _sign_off(signer, department=housing)
    _sign_off(signer, department=finance)
    assert PeriodSignOff.objects.active().count() == 3


def test_sign_off_reopened_before_it_was_signed_is_refused(signer, housing):
    refused(
        lambda: _sign_off(
            signer,
            department=housing,
            reopened_by=signer,
            reopened_at=SIGNED_OFF_AT - timedelta(minutes=1),
        ),
        "sign_off_reopened_after_signed",
    )


def test_sign_off_reopened_at_the_same_moment_is_accepted(signer, housing):
    sign_off = _sign_off(signer, department=housing, reopened_by=signer, reopened_at=SIGNED_OFF_AT)
    assert sign_off.reopened_at == sign_off.signed_off_at


# --- Referral --------------------------------------------------------------------------------


def _referral(housing, finance, **overrides):
    fields = {
        "from_department": housing,
        "to_department": finance,
        "category": "Rent arrears support",
        "raised_on": date(2025, 9, 10),
        "agreed_days": 5,
        "channel": "email",
    }
    return Referral.objects.create(**{**fields, **overrides})


def test_referral_to_its_own_department_is_refused(housing, finance):
    refused(
        lambda: _referral(housing, finance, to_department=housing),
        "referral_between_different_departments",
    )


def test_referral_resolved_before_it_was_raised_is_refused(housing, finance):
    refused(
        lambda: _referral(housing, finance, resolved_on=date(2025, 9, 9)),
        "referral_resolved_not_before_raised",
    )


def test_referral_resolved_on_the_day_it_was_raised_is_accepted(housing, finance):
    referral = _referral(housing, finance, resolved_on=date(2025, 9, 10))
    assert referral.period == "2025-26-P06"


def test_referral_acknowledged_before_it_was_raised_is_refused(housing, finance):
    refused(
        lambda: _referral(housing, finance, acknowledged_on=date(2025, 9, 9)),
        "referral_acknowledged_not_before_raised",
    )


def test_referral_with_zero_agreed_days_is_refused(housing, finance):
    refused(lambda: _referral(housing, finance, agreed_days=0), "referral_agreed_days_positive")


def test_referral_through_a_service_without_naming_it_is_refused(housing, finance):
    refused(
        lambda: _referral(housing, finance, channel="service"), "referral_service_matches_channel"
    )


def test_referral_by_email_naming_a_service_is_refused(housing, finance, service):
    refused(
        lambda: _referral(housing, finance, channel="email", service=service),
        "referral_service_matches_channel",
    )


def test_referral_through_a_named_service_is_accepted(housing, finance, service):
    referral = _referral(housing, finance, channel="service", service=service)
    assert referral.service == service


def test_referral_redirected_to_its_sender_by_update_is_refused(housing, finance):
    referral = _referral(housing, finance)
    refused(
        lambda: Referral.objects.filter(pk=referral.pk).update(to_department=housing),
        "referral_between_different_departments",
    )


# --- EarlyWarning (reporting) ----------------------------------------------------------------


def _warning(**overrides):
    fields = {
        "rule": "missing_returns",
        "subject_key": "department:housing",
        "subject_label": "Housing",
        "starting_period": "2025-26-P05",
        "latest_period": "2025-26-P06",
    }
    return EarlyWarning.objects.create(**{**fields, **overrides})


def test_early_warning_acknowledged_without_a_note_is_refused(signer):
    refused(
        lambda: _warning(acknowledged_by=signer, acknowledged_at=SIGNED_OFF_AT),
        "early_warning_acknowledged_with_note",
    )


def test_early_warning_acknowledged_with_a_note_is_accepted(signer):
    warning = _warning(
        acknowledged_by=signer,
        acknowledged_at=SIGNED_OFF_AT,
        acknowledgement_note="Housing returns chased with the head of service.",
    )
    assert warning.acknowledged_at is not None


def test_second_early_warning_for_the_same_rule_subject_and_start_is_refused():
    _warning()
    refused(
        lambda: _warning(latest_period="2025-26-P07"), "early_warning_one_per_rule_subject_start"
    )


def test_early_warning_for_the_same_subject_from_a_later_start_is_accepted():
    _warning()
    _warning(starting_period="2025-26-P07", latest_period="2025-26-P07")
    assert EarlyWarning.objects.count() == 2


# --- full_clean() messages -------------------------------------------------------------------


def _messages(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def _unsaved_referral(housing, finance, **overrides):
    fields = {
        "from_department": housing,
        "to_department": finance,
        "category": "Rent arrears support",
        "raised_on": date(2025, 9, 10),
        "agreed_days": 5,
        "channel": "email",
    }
    return Referral(**{**fields, **overrides})


def test_full_clean_names_to_department_for_a_referral_to_itself(housing, finance):
    messages = _messages(_unsaved_referral(housing, finance, to_department=housing))
    assert messages["to_department"] == ["A department cannot refer work to itself."]


def test_full_clean_names_resolved_on_for_a_referral_resolved_before_raised(housing, finance):
    messages = _messages(_unsaved_referral(housing, finance, resolved_on=date(2025, 9, 1)))
    assert messages["resolved_on"] == ["The resolved date cannot be before the raised date."]


def test_full_clean_names_service_for_a_service_referral_without_one(housing, finance):
    messages = _messages(_unsaved_referral(housing, finance, channel="service"))
    assert messages["service"] == ["Name the partner service the referral travelled through."]


def test_full_clean_accepts_a_referral_resolved_the_day_it_was_raised(housing, finance):
    _unsaved_referral(housing, finance, resolved_on=date(2025, 9, 10)).full_clean()


def test_full_clean_names_department_for_an_officer_without_one(partnership):
    user = UserFactory(username="mallory")
    messages = _messages(Membership(user=user, role="officer", partnership=partnership))
    assert messages["department"] == [
        "Officers and heads of service belong to one department only."
    ]


def test_full_clean_names_partnership_for_a_partner_manager_without_one(housing):
    user = UserFactory(username="mallory")
    messages = _messages(Membership(user=user, role="partner", department=housing))
    assert messages["partnership"] == ["A partner manager needs a partnership."]


def test_full_clean_explains_council_wide_scope_for_smt_with_a_department(housing):
    user = UserFactory(username="mallory")
    messages = _messages(Membership(user=user, role="smt", department=housing))
    assert (
        "SMT members, auditors, administrators and elected members have council-wide "
        "scope: leave department and partnership empty." in messages[NON_FIELD_ERRORS]
    )
