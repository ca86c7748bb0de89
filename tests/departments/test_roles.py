"""The roles matrix of DESIGN.md section 4, asked through the ``may_*`` functions.

Every persona is asked every question about the same things: Housing and Finance (alice
and harriet are in Housing, bob in Finance), a return submitted by someone else (colin),
and the partnership pat manages.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from departments import roles
from departments.models import Membership
from departments.roles import NO_SCOPE, forget_scope, scope_for
from tests.factories import PartnershipFactory, UserFactory

PERSONAS = ["alice", "bob", "harriet", "sam", "pat", "audrey", "ada"]

# One row per persona, one column per question; Y may, - may not.
#
#   see H, see F   may_see_department(Housing), (Finance)
#   see P          may_see_partnership(pat's partnership)
#   report         may_download_reports
#   edit H, edit F may_edit_returns (edit and submit) for Housing, Finance
#   appr H, appr F may_approve_return for a Housing, Finance return colin submitted
#   sign           may_sign_off (sign off and reopen periods and returns)
#   rais H, hand H may_raise_referral from Housing, may_handle_referral sent to Housing
#   rslt           may_enter_sla_results (and milestone progress) for pat's partnership
#   vrfy           may_verify_sla_results
#   escl           may_manage_escalations (and risks) for pat's partnership
#   warn           may_acknowledge_warnings
#   ref            may_change_reference_data (reference data, weights and users)
#   asmt           may_assess_contract (contract assessments and rectification plans)
COLUMNS = (
    "see_housing",
    "see_finance",
    "see_partnership",
    "report",
    "edit_housing",
    "edit_finance",
    "approve_housing",
    "approve_finance",
    "sign_off",
    "raise_housing",
    "handle_housing",
    "enter_results",
    "verify_results",
    "escalations",
    "warnings",
    "reference_data",
    "assess_contract",
)
# fmt: off
MATRIX = {
    #          see  see  see  rep  edit edit appr appr sign rais hand rslt vrfy escl warn ref  asmt
    #          H    F    P         H    F    H    F         H    H
    "alice":   "Y    -    -    Y    Y    -    -    -    -    Y    Y    -    -    -    -    -    -",
    "bob":     "-    Y    -    Y    -    Y    -    -    -    -    -    -    -    -    -    -    -",
    "harriet": "Y    -    -    Y    Y    -    Y    -    -    Y    Y    -    -    -    -    -    -",
    "sam":     "Y    Y    Y    Y    -    -    Y    Y    Y    -    -    -    Y    Y    Y    -    Y",
    "pat":     "-    -    Y    Y    -    -    -    -    -    -    -    Y    -    Y    -    -    -",
    "audrey":  "Y    Y    Y    Y    -    -    -    -    -    -    -    -    -    -    -    -    -",
    "ada":     "Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y    Y",
}
NOTHING =      "-    -    -    -    -    -    -    -    -    -    -    -    -    -    -    -    -"
# fmt: on


def expected(row: str) -> dict[str, bool]:
    marks = row.split()
    assert len(marks) == len(COLUMNS)
    return {column: mark == "Y" for column, mark in zip(COLUMNS, marks, strict=True)}


@pytest.fixture
def colin(housing):
    """Another Housing officer: the one who submitted the return being approved."""
    user = UserFactory(username="colin")
    Membership.objects.create(user=user, role="officer", department=housing)
    return user


@pytest.fixture
def answers(housing, finance, partnership, colin):
    """Every question of the matrix, asked for one user."""

    def ask(user) -> dict[str, bool]:
        return {
            "see_housing": roles.may_see_department(user, housing.pk),
            "see_finance": roles.may_see_department(user, finance.pk),
            "see_partnership": roles.may_see_partnership(user, partnership.pk),
            "report": roles.may_download_reports(user),
            "edit_housing": roles.may_edit_returns(user, housing.pk),
            "edit_finance": roles.may_edit_returns(user, finance.pk),
            "approve_housing": roles.may_approve_return(
                user, department_id=housing.pk, submitted_by_id=colin.pk
            ),
            "approve_finance": roles.may_approve_return(
                user, department_id=finance.pk, submitted_by_id=colin.pk
            ),
            "sign_off": roles.may_sign_off(user),
            "raise_housing": roles.may_raise_referral(user, housing.pk),
            "handle_housing": roles.may_handle_referral(user, housing.pk),
            "enter_results": roles.may_enter_sla_results(user, partnership.pk),
            "verify_results": roles.may_verify_sla_results(user),
            "escalations": roles.may_manage_escalations(user, partnership.pk),
            "warnings": roles.may_acknowledge_warnings(user),
            "reference_data": roles.may_change_reference_data(user),
            "assess_contract": roles.may_assess_contract(user),
        }

    return ask


@pytest.mark.parametrize("persona", PERSONAS)
def test_roles_matrix(request, answers, persona):
    user = request.getfixturevalue(persona)
    assert answers(user) == expected(MATRIX[persona])


# --- approving ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["harriet", "sam", "ada"])
def test_nobody_approves_their_own_submission(request, housing, persona):
    user = request.getfixturevalue(persona)
    assert not roles.may_approve_return(user, department_id=housing.pk, submitted_by_id=user.pk)
    # ...while a return nobody has submitted yet is theirs to approve.
    assert roles.may_approve_return(user, department_id=housing.pk, submitted_by_id=None)


def test_head_approves_her_own_department_only(harriet, housing, finance, bob):
    assert roles.may_approve_return(harriet, department_id=housing.pk, submitted_by_id=bob.pk)
    assert not roles.may_approve_return(harriet, department_id=finance.pk, submitted_by_id=bob.pk)


def test_head_of_finance_approves_finance_but_not_housing(finance, housing, alice):
    fiona = UserFactory(username="fiona")
    Membership.objects.create(user=fiona, role="head", department=finance)
    assert roles.may_approve_return(fiona, department_id=finance.pk, submitted_by_id=alice.pk)
    assert not roles.may_approve_return(fiona, department_id=housing.pk, submitted_by_id=alice.pk)


# --- partner managers --------------------------------------------------------------------------


def test_partner_manager_of_another_partnership_cannot_act_on_this_one(council, partnership, pat):
    other = PartnershipFactory(council=council, name="Revenues and Benefits Partnership")
    priya = UserFactory(username="priya")
    Membership.objects.create(user=priya, role="partner", partnership=other)

    assert roles.may_enter_sla_results(priya, other.pk)
    assert not roles.may_enter_sla_results(priya, partnership.pk)
    assert not roles.may_manage_escalations(priya, partnership.pk)
    assert not roles.may_see_partnership(priya, partnership.pk)
    # and pat, in turn, has no hand in priya's partnership
    assert not roles.may_enter_sla_results(pat, other.pk)
    assert not roles.may_manage_escalations(pat, other.pk)


# --- users without an ordinary membership ------------------------------------------------------


def test_superuser_without_memberships_counts_as_admin(answers):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert not root.memberships.exists()
    assert scope_for(root).is_admin
    assert answers(root) == expected(MATRIX["ada"])


@pytest.mark.parametrize("persona", ["sam", "ada"])
def test_inactive_user_has_no_scope(request, answers, persona):
    user = request.getfixturevalue(persona)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    inactive = get_user_model().objects.get(pk=user.pk)
    assert scope_for(inactive) == NO_SCOPE
    assert answers(inactive) == expected(NOTHING)


def test_inactive_superuser_has_no_scope(answers):
    root = UserFactory(username="root", is_staff=True, is_superuser=True, is_active=False)
    assert scope_for(root) == NO_SCOPE
    assert answers(root) == expected(NOTHING)


def test_user_without_membership_can_do_nothing(answers):
    nobody = UserFactory(username="nina")
    assert scope_for(nobody).roles == frozenset()
    assert answers(nobody) == expected(NOTHING)


def test_anonymous_visitor_can_do_nothing(answers, db):
    assert scope_for(AnonymousUser()) == NO_SCOPE
    assert answers(AnonymousUser()) == expected(NOTHING)


# --- the scope itself --------------------------------------------------------------------------


def test_scope_collects_every_membership(alice, finance, housing):
    Membership.objects.create(user=alice, role="head", department=finance)
    scope = scope_for(alice)
    assert scope.roles == {"officer", "head"}
    assert scope.department_ids == {housing.pk, finance.pk}
    assert scope.head_department_ids == {finance.pk}
    assert scope.primary_role == "head"


def test_scope_is_read_once_per_user_object(django_assert_num_queries, alice, finance):
    with django_assert_num_queries(1):
        scope_for(alice)
    with django_assert_num_queries(0):
        assert roles.may_edit_returns(alice, finance.pk) is False

    Membership.objects.create(user=alice, role="officer", department=finance)
    assert not roles.may_edit_returns(alice, finance.pk)  # still the scope read first
    forget_scope(alice)
    assert roles.may_edit_returns(alice, finance.pk)
