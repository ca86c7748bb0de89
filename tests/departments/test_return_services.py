"""The return workflow's services: validation, RAG rule, transitions, sign-off, versions.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026
(2026-27-P07) is the latest closed month, November (2026-27-P08) has not ended.
Housing's percentage indicator LPI-HOU-03 has a 2026-27 target of 90 with an amber
tolerance of 5, higher is better: 90 and above is green, 85 to 89.9 amber, below red.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from departments import periods
from departments.models import KpiReturn, PeriodSignOff, ReturnState
from departments.rating import Rag, period_target
from departments.returns.services import (
    StaleVersion,
    approve_return,
    rag_of,
    reopen_return,
    save_return,
    send_back_return,
    submit_return,
)
from departments.returns.sign_off import is_signed_off, reopen_period, sign_off_period
from departments.roles import Role
from tests.factories import (
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = "2026-27-P07"
P08 = "2026-27-P08"
OCTOBER = "October 2026 (P07 2026/27)"
NOVEMBER = "November 2026 (P08 2026/27)"

RED_MESSAGES = {
    "commentary": ["Explain why the result is red: a red return needs commentary"],
    "improvement_action": [
        "Say what will be done about it: a red return needs an improvement action"
    ],
}


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def indicator(housing):
    return IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Homelessness cases prevented",
        unit="percent",
        decimal_places=1,
    )


@pytest.fixture
def target(indicator):
    return TargetFactory(
        indicator=indicator,
        financial_year=2026,
        annual_value=Decimal("90"),
        tolerance=Decimal("5"),
    )


@pytest.fixture
def ratio_indicator(housing):
    return IndicatorFactory(
        department=housing,
        code="LPI-HOU-09",
        title="Repairs completed right first time",
        unit="percent",
        year_to_date="ratio",
        decimal_places=1,
    )


@pytest.fixture
def count_indicator(housing):
    return IndicatorFactory(
        department=housing,
        code="LPI-HOU-07",
        title="Households in temporary accommodation",
        unit="count",
        polarity="lower",
        year_to_date="latest",
        decimal_places=0,
    )


@pytest.fixture
def finance_indicator(finance):
    return IndicatorFactory(department=finance, code="BV8", title="Invoices paid on time")


@pytest.fixture
def fiona(finance):
    """Head of Finance."""
    user = UserFactory(username="fiona")
    MembershipFactory(user=user, role=Role.HEAD, department=finance)
    return user


def _stored() -> tuple[int, int]:
    """Returns and their history rows: what a refused write must leave untouched."""
    return KpiReturn.objects.count(), KpiReturn.history.count()


def _trail(kpi_return) -> list[tuple[int, str, str | None]]:
    """(version, reason, username) of every history row, oldest first."""
    return [
        (h.version, h.history_change_reason, h.history_user.username if h.history_user else None)
        for h in kpi_return.history.order_by("history_date", "history_id")
    ]


def _draft(indicator, actor, value="91.5", **kwargs):
    return save_return(indicator=indicator, period_key=P07, actor=actor, value=value, **kwargs)


def _submitted(indicator, actor, value="91.5", **kwargs):
    return save_return(
        indicator=indicator, period_key=P07, actor=actor, value=value, submit=True, **kwargs
    )


def _refused(call, errors: dict[str, list[str]]) -> None:
    """The call raises ValidationError with exactly these messages, and stores nothing."""
    before = _stored()
    with pytest.raises(ValidationError) as raised:
        call()
    assert raised.value.message_dict == errors
    assert _stored() == before


# --- validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "value", "field", "message"),
    [
        ("indicator", "ninety", "value", "Value must be a number, like 92.5"),
        ("indicator", "100.1", "value", "Value is a percentage and cannot be more than 100"),
        ("indicator", "92.55", "value", "Value can have at most 1 decimal place for LPI-HOU-03"),
        ("indicator", "", "value", "Enter the value"),
        ("count_indicator", "-3", "value", "Value cannot be negative: LPI-HOU-07 is a count"),
        (
            "count_indicator",
            "12.5",
            "value",
            "Value can have at most 0 decimal places for LPI-HOU-07",
        ),
    ],
)
def test_a_bad_value_is_refused_with_its_field_and_message_and_nothing_is_stored(
    request, alice, fixture, value, field, message
):
    indicator = request.getfixturevalue(fixture)
    _refused(lambda: _draft(indicator, alice, value=value), {field: [message]})


def test_a_percentage_of_exactly_100_and_thousands_separators_are_accepted(
    alice, indicator, count_indicator
):
    assert _draft(indicator, alice, value="100").value == Decimal("100")
    assert _draft(count_indicator, alice, value="1,250").value == Decimal("1250")


@pytest.mark.parametrize(
    ("numerator", "denominator", "errors"),
    [
        (
            "46",
            "45",
            {"numerator": ["Numerator cannot be greater than the denominator for a percentage"]},
        ),
        ("0", "0", {"denominator": ["Denominator cannot be zero"]}),
        (None, "45", {"numerator": ["Enter the numerator"]}),
        ("40", None, {"denominator": ["Enter the denominator"]}),
        (
            None,
            None,
            {"numerator": ["Enter the numerator"], "denominator": ["Enter the denominator"]},
        ),
        ("-1", "45", {"numerator": ["Numerator cannot be negative"]}),
        ("forty", "45", {"numerator": ["Numerator must be a number, like 92.5"]}),
    ],
)
def test_a_ratio_return_with_bad_figures_is_refused_and_nothing_is_stored(
    alice, ratio_indicator, numerator, denominator, errors
):
    _refused(
        lambda: save_return(
            indicator=ratio_indicator,
            period_key=P07,
            actor=alice,
            numerator=numerator,
            denominator=denominator,
        ),
        errors,
    )


@pytest.mark.parametrize(
    ("numerator", "denominator", "value"),
    [
        ("1", "3", "33.3"),  # 33.333…
        ("2", "3", "66.7"),  # 66.666… rounds up
        ("1", "8", "12.5"),  # exactly 12.5
        ("5", "16", "31.3"),  # 31.25: half-up, where banker's rounding would give 31.2
        ("45", "45", "100.0"),
    ],
)
def test_a_ratio_returns_value_is_derived_and_rounded_half_up(
    alice, ratio_indicator, numerator, denominator, value
):
    saved = save_return(
        indicator=ratio_indicator,
        period_key=P07,
        actor=alice,
        numerator=numerator,
        denominator=denominator,
    )
    saved.refresh_from_db()
    assert saved.value == Decimal(value)
    assert (saved.numerator, saved.denominator) == (Decimal(numerator), Decimal(denominator))


def test_a_typed_value_on_a_ratio_indicator_must_not_contradict_the_figures(alice, ratio_indicator):
    _refused(
        lambda: save_return(
            indicator=ratio_indicator,
            period_key=P07,
            actor=alice,
            value="40",
            numerator="1",
            denominator="3",
        ),
        {
            "value": [
                "LPI-HOU-09 is worked out from numerator and denominator: leave the value empty"
            ]
        },
    )


def test_a_value_beside_figures_too_large_to_divide_is_refused_not_a_server_error(
    alice, ratio_indicator
):
    """10^40 ÷ 10^-12 has more digits than a Decimal rounds: the figures are refused by
    their own limits, never divided (hypothesis found the InvalidOperation), with or
    without a value typed beside them."""
    huge = {"numerator": "5" + "0" * 40, "denominator": "0.000000000001"}
    for typed in ({"value": "1"}, {}):
        with pytest.raises(ValidationError) as refused:
            save_return(indicator=ratio_indicator, period_key=P07, actor=alice, **huge, **typed)
        assert set(refused.value.message_dict) == {"numerator", "denominator"}
    assert not KpiReturn.objects.exists()


def test_a_numerator_out_of_its_limits_is_named_though_the_typed_value_matches(
    alice, ratio_indicator
):
    """A value that matches numerator ÷ denominator is not blamed for the numerator's
    fault: the numerator is named (a reviewer's finding)."""
    with pytest.raises(ValidationError) as refused:
        save_return(
            indicator=ratio_indicator,
            period_key=P07,
            actor=alice,
            value="50.0",  # 100 × 1.0000001 ÷ 2 = 50.000005, 50.0 to one place
            numerator="1.0000001",
            denominator="2",
        )
    assert list(refused.value.message_dict) == ["numerator"]
    assert "decimal places" in refused.value.message_dict["numerator"][0]


def test_figures_of_a_ratio_on_a_plain_indicator_are_refused(alice, indicator):
    _refused(
        lambda: _draft(indicator, alice, value="91.5", numerator="1", denominator="2"),
        {"numerator": ["LPI-HOU-03 is not a ratio indicator: enter the value only"]},
    )


def test_a_period_that_has_not_ended_is_refused(alice, indicator):
    _refused(
        lambda: save_return(indicator=indicator, period_key=P08, actor=alice, value="91.5"),
        {"period": [f"{NOVEMBER} has not ended yet: a return can be entered once it has"]},
    )


def test_a_period_of_the_wrong_kind_is_refused(alice, indicator):
    _refused(
        lambda: save_return(
            indicator=indicator, period_key="2026-27-Q2", actor=alice, value="91.5"
        ),
        {"period": ["LPI-HOU-03 is reported monthly: use a period such as 2025-26-P06"]},
    )


def test_a_malformed_period_key_is_refused(alice, indicator):
    _refused(
        lambda: save_return(
            indicator=indicator, period_key="2026-27-P13", actor=alice, value="91.5"
        ),
        {"period": ["Period '2026-27-P13' is not a period key: use a form such as 2025-26-P06"]},
    )


def test_the_period_problem_and_the_value_problem_are_reported_together(alice, indicator):
    _refused(
        lambda: save_return(indicator=indicator, period_key=P08, actor=alice, value="101"),
        {
            "period": [f"{NOVEMBER} has not ended yet: a return can be entered once it has"],
            "value": ["Value is a percentage and cannot be more than 100"],
        },
    )


def test_a_locked_return_is_refused(alice, indicator):
    locked = KpiReturnFactory(indicator=indicator, period=P07, state=ReturnState.LOCKED)
    _refused(
        lambda: _draft(indicator, alice, value="80", expected_version=locked.version),
        {
            "period": [
                "This return is locked because its period is signed off; ask SMT to reopen it"
            ]
        },
    )
    locked.refresh_from_db()
    assert locked.value == Decimal("91.5")


def test_a_submitted_return_cannot_be_edited_until_it_is_sent_back(alice, indicator):
    submitted = _submitted(indicator, alice)
    _refused(
        lambda: _draft(indicator, alice, value="80", expected_version=submitted.version),
        {
            "period": [
                "This return is submitted and cannot be edited; "
                "it can be changed again if it is sent back"
            ]
        },
    )


# --- red returns need commentary and an improvement action -------------------------------


def test_a_red_return_cannot_be_submitted_without_commentary_and_improvement_action(
    alice, indicator, target
):
    _refused(lambda: _submitted(indicator, alice, value="80"), RED_MESSAGES)
    _refused(
        lambda: _submitted(indicator, alice, value="80", commentary="Staff shortage in October"),
        {"improvement_action": RED_MESSAGES["improvement_action"]},
    )
    _refused(
        lambda: _submitted(indicator, alice, value="80", improvement_action="   "),
        RED_MESSAGES,
    )


def test_a_red_return_can_be_saved_as_a_draft_and_submitted_once_explained(
    alice, indicator, target
):
    draft = _draft(indicator, alice, value="80")
    assert (draft.state, draft.value, draft.version) == (ReturnState.DRAFT, Decimal("80"), 1)
    assert rag_of(indicator, P07, draft.value) == Rag.RED

    _refused(lambda: submit_return(kpi_return=draft, actor=alice), RED_MESSAGES)

    explained = _submitted(
        indicator,
        alice,
        value="80",
        commentary="Two caseworkers left in September.",
        improvement_action="Agency caseworkers start on 1 December (Head of Housing Options).",
        expected_version=1,
    )
    explained.refresh_from_db()
    assert explained.state == ReturnState.SUBMITTED
    assert explained.commentary == "Two caseworkers left in September."
    assert explained.submitted_by == alice
    assert _trail(explained) == [(1, "Created", "alice"), (2, "Edited and submitted", "alice")]


@pytest.mark.parametrize(
    ("value", "rag"),
    [("90", Rag.GREEN), ("95.5", Rag.GREEN), ("87", Rag.AMBER), ("85", Rag.AMBER)],
)
def test_amber_and_green_returns_are_submitted_without_commentary(
    alice, indicator, target, value, rag
):
    assert rag_of(indicator, P07, Decimal(value)) == rag
    saved = _submitted(indicator, alice, value=value)
    assert (saved.state, saved.commentary, saved.improvement_action) == ("submitted", "", "")


def test_just_below_the_tolerance_is_red(alice, indicator, target):
    assert rag_of(indicator, P07, Decimal("84.9")) == Rag.RED
    _refused(lambda: _submitted(indicator, alice, value="84.9"), RED_MESSAGES)


def test_without_a_target_nothing_is_red_and_no_explanation_is_needed(alice, indicator):
    assert rag_of(indicator, P07, Decimal("10")) == Rag.NOT_RATED
    assert _submitted(indicator, alice, value="10").state == ReturnState.SUBMITTED


def test_a_sum_indicators_period_target_is_the_annual_twelfth_rounded_half_up(alice, housing):
    sum_indicator = IndicatorFactory(
        department=housing,
        code="LPI-HOU-11",
        title="Homelessness preventions",
        unit="count",
        year_to_date="sum",
        decimal_places=1,
    )
    target = TargetFactory(
        indicator=sum_indicator,
        financial_year=2026,
        annual_value=Decimal("1000"),
        tolerance=Decimal("5"),
    )
    assert period_target(sum_indicator, target, periods.Period.parse(P07)) == Decimal("83.3")
    # 83.3 − 5 = 78.3 is still amber; unrounded (83.333… − 5) it would be red.
    assert rag_of(sum_indicator, P07, Decimal("78.3")) == Rag.AMBER
    assert rag_of(sum_indicator, P07, Decimal("78.2")) == Rag.RED
    assert rag_of(sum_indicator, P07, Decimal("83.3")) == Rag.GREEN

    _refused(lambda: _submitted(sum_indicator, alice, value="78.2"), RED_MESSAGES)
    assert _submitted(sum_indicator, alice, value="78.3").state == ReturnState.SUBMITTED


# --- workflow --------------------------------------------------------------------------


def test_draft_submitted_approved_each_step_in_the_history(alice, harriet, indicator, target):
    draft = _draft(indicator, alice, value="91.5")
    assert (draft.state, draft.version) == (ReturnState.DRAFT, 1)

    submitted = submit_return(kpi_return=draft, actor=alice, expected_version=1)
    assert (submitted.state, submitted.version, submitted.submitted_by) == ("submitted", 2, alice)
    assert submitted.submitted_at >= NOW

    approved = approve_return(kpi_return=submitted, actor=harriet, expected_version=2)
    approved.refresh_from_db()
    assert (approved.state, approved.version, approved.approved_by) == ("approved", 3, harriet)
    assert approved.approved_at is not None
    assert _trail(approved) == [
        (1, "Created", "alice"),
        (2, "Submitted", "alice"),
        (3, "Approved", "harriet"),
    ]


def test_a_draft_cannot_be_approved(alice, harriet, indicator):
    draft = _draft(indicator, alice)
    _refused(
        lambda: approve_return(kpi_return=draft, actor=harriet),
        {"state": ["Only a submitted return can be approved."]},
    )


def test_a_return_sent_back_carries_the_reason_and_is_editable_again(
    alice, harriet, indicator, target
):
    submitted = _submitted(indicator, alice, value="91.5")

    _refused(
        lambda: send_back_return(kpi_return=submitted, actor=harriet, reason="  "),
        {"reason": ["Give the reason, so the officer knows what to change"]},
    )

    reason = "The figure leaves out cases closed by the out-of-hours team."
    sent_back = send_back_return(kpi_return=submitted, actor=harriet, reason=f" {reason} ")
    sent_back.refresh_from_db()
    assert (sent_back.state, sent_back.sent_back_reason) == (ReturnState.SENT_BACK, reason)
    assert sent_back.is_editable

    edited = _draft(indicator, alice, value="88.4", expected_version=sent_back.version)
    assert (edited.state, edited.value) == (ReturnState.SENT_BACK, Decimal("88.4"))
    resubmitted = submit_return(kpi_return=edited, actor=alice, expected_version=edited.version)
    approved = approve_return(kpi_return=resubmitted, actor=harriet)
    approved.refresh_from_db()
    assert (approved.state, approved.value) == (ReturnState.APPROVED, Decimal("88.4"))
    assert _trail(approved) == [
        (1, "Created and submitted", "alice"),
        (2, f"Sent back: {reason}", "harriet"),
        (3, "Edited", "alice"),
        (4, "Submitted", "alice"),
        (5, "Approved", "harriet"),
    ]
    sent_back_record = approved.history.get(version=2)
    assert sent_back_record.sent_back_reason == reason


def test_an_approved_return_can_be_sent_back_and_loses_its_approval(alice, harriet, indicator):
    approved = approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    sent_back = send_back_return(kpi_return=approved, actor=harriet, reason="Wrong month")
    sent_back.refresh_from_db()
    assert (sent_back.state, sent_back.approved_by, sent_back.approved_at) == (
        ReturnState.SENT_BACK,
        None,
        None,
    )


def test_a_draft_cannot_be_sent_back(alice, harriet, indicator):
    draft = _draft(indicator, alice)
    _refused(
        lambda: send_back_return(kpi_return=draft, actor=harriet, reason="Wrong month"),
        {"state": ["Only a submitted or approved return can be sent back."]},
    )


def _denied(call, message: str) -> None:
    before = _stored()
    with pytest.raises(PermissionDenied) as raised:
        call()
    assert str(raised.value) == message
    assert _stored() == before


OWN = "You cannot approve a return you submitted yourself."
NOT_APPROVER = "Only the department's head of service or SMT can approve it."


def test_a_head_cannot_approve_or_send_back_their_own_submission(harriet, indicator):
    submitted = _submitted(indicator, harriet)
    _denied(lambda: approve_return(kpi_return=submitted, actor=harriet), OWN)
    _denied(
        lambda: send_back_return(kpi_return=submitted, actor=harriet, reason="Mine"),
        "Only the department's head of service or SMT can send it back, "
        "and never a return they submitted themselves.",
    )
    submitted.refresh_from_db()
    assert submitted.state == ReturnState.SUBMITTED


def test_an_smt_member_who_submitted_cannot_approve_their_own_but_another_smt_member_can(
    sam, housing, indicator
):
    MembershipFactory(user=sam, role=Role.OFFICER, department=housing)
    submitted = _submitted(indicator, sam)
    _denied(lambda: approve_return(kpi_return=submitted, actor=sam), OWN)

    other_smt = UserFactory(username="sasha")
    MembershipFactory(user=other_smt, role=Role.SMT, department=None)
    assert approve_return(kpi_return=submitted, actor=other_smt).state == ReturnState.APPROVED


def test_an_admin_cannot_approve_their_own_submission(ada, indicator):
    submitted = _submitted(indicator, ada)
    _denied(lambda: approve_return(kpi_return=submitted, actor=ada), OWN)


def test_smt_approves_any_departments_return(alice, sam, indicator):
    approved = approve_return(kpi_return=_submitted(indicator, alice), actor=sam)
    assert (approved.state, approved.approved_by) == (ReturnState.APPROVED, sam)


@pytest.mark.parametrize("approver", ["alice", "bob", "fiona"])
def test_officers_and_heads_of_other_departments_cannot_approve(
    request, harriet, indicator, approver
):
    submitted = _submitted(indicator, harriet)
    actor = request.getfixturevalue(approver)
    _denied(lambda: approve_return(kpi_return=submitted, actor=actor), NOT_APPROVER)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.version) == (ReturnState.SUBMITTED, 1)


def test_an_officer_cannot_edit_another_departments_return(bob, indicator):
    _denied(
        lambda: _draft(indicator, bob),
        "Only officers and heads of the department can edit its returns.",
    )


def test_an_auditor_can_do_nothing(alice, harriet, sam, audrey, indicator, finance_indicator):
    submitted = _submitted(indicator, alice)
    locked = KpiReturnFactory(indicator=finance_indicator, period=P07, state=ReturnState.LOCKED)
    before = list(KpiReturn.objects.order_by("pk").values_list("pk", "state", "version", "value"))
    attempts = [
        (
            lambda: _draft(finance_indicator, audrey),
            "Only officers and heads of the department can edit its returns.",
        ),
        (
            lambda: submit_return(kpi_return=submitted, actor=audrey),
            "Only officers and heads of the department can submit its returns.",
        ),
        (lambda: approve_return(kpi_return=submitted, actor=audrey), NOT_APPROVER),
        (
            lambda: send_back_return(kpi_return=submitted, actor=audrey, reason="No"),
            "Only the department's head of service or SMT can send it back, "
            "and never a return they submitted themselves.",
        ),
        (
            lambda: reopen_return(kpi_return=locked, actor=audrey, reason="No"),
            "Only SMT can reopen a locked return.",
        ),
        (lambda: sign_off_period(period_key=P07, actor=audrey), "Only SMT can sign a period off."),
        (
            lambda: reopen_period(period_key=P07, actor=audrey, reason="No"),
            "Only SMT can reopen a period.",
        ),
    ]
    for call, message in attempts:
        _denied(call, message)
    assert PeriodSignOff.objects.count() == 0
    after = list(KpiReturn.objects.order_by("pk").values_list("pk", "state", "version", "value"))
    assert after == before


@pytest.mark.parametrize("actor", ["alice", "harriet"])
def test_only_smt_signs_off(request, actor):
    _denied(
        lambda: sign_off_period(period_key=P07, actor=request.getfixturevalue(actor)),
        "Only SMT can sign a period off.",
    )
    assert PeriodSignOff.objects.count() == 0


# --- sign-off and reopening ------------------------------------------------------------


@pytest.fixture
def october(housing, finance, alice, bob, harriet, fiona):
    """October's returns: Housing one approved, one submitted, one draft; Finance one approved."""
    housing_indicators = [
        IndicatorFactory(department=housing, code=f"LPI-HOU-0{n}") for n in (1, 2, 3)
    ]
    finance_indicator = IndicatorFactory(department=finance, code="BV8")
    approved = approve_return(kpi_return=_submitted(housing_indicators[0], alice), actor=harriet)
    submitted = _submitted(housing_indicators[1], alice)
    draft = _draft(housing_indicators[2], alice)
    finance_approved = approve_return(kpi_return=_submitted(finance_indicator, bob), actor=fiona)
    return {
        "approved": approved,
        "submitted": submitted,
        "draft": draft,
        "finance_approved": finance_approved,
    }


def _states(rows: dict) -> dict[str, str]:
    return {name: KpiReturn.objects.get(pk=r.pk).state for name, r in rows.items()}


def test_signing_off_a_department_locks_its_approved_returns_only(sam, harriet, housing, october):
    outcome = sign_off_period(period_key=P07, actor=sam, department=housing)

    assert (outcome.locked, outcome.not_signed_off) == (1, 2)
    assert (outcome.sign_off.department, outcome.sign_off.signed_off_by) == (housing, sam)
    assert _states(october) == {
        "approved": "locked",
        "submitted": "submitted",
        "draft": "draft",
        "finance_approved": "approved",
    }
    locked = KpiReturn.objects.get(pk=october["approved"].pk)
    assert locked.locked_at is not None
    assert _trail(locked)[-1] == (3, "Locked: Oct 2026 signed off", "sam")
    assert is_signed_off(P07, housing.pk)
    assert not is_signed_off(P07, october["finance_approved"].department_id)

    # A return approved after the sign-off locks at once.
    late = approve_return(kpi_return=october["submitted"], actor=harriet)
    late.refresh_from_db()
    assert late.state == ReturnState.LOCKED
    assert late.locked_at is not None
    assert _trail(late)[-1] == (2, "Approved and locked (period already signed off)", "harriet")


def test_signing_off_the_council_covers_every_department(sam, finance, fiona, october):
    outcome = sign_off_period(period_key=P07, actor=sam)

    assert (outcome.locked, outcome.not_signed_off) == (2, 2)
    assert outcome.sign_off.department is None
    assert _states(october) == {
        "approved": "locked",
        "submitted": "submitted",
        "draft": "draft",
        "finance_approved": "locked",
    }
    assert is_signed_off(P07, finance.pk)


def test_a_period_cannot_be_signed_off_twice(sam, housing, finance, october):
    sign_off_period(period_key=P07, actor=sam, department=housing)
    already = {"period": [f"{OCTOBER} is already signed off."]}
    _refused(lambda: sign_off_period(period_key=P07, actor=sam, department=housing), already)

    sign_off_period(period_key=P07, actor=sam)
    _refused(lambda: sign_off_period(period_key=P07, actor=sam), already)
    _refused(lambda: sign_off_period(period_key=P07, actor=sam, department=finance), already)
    assert PeriodSignOff.objects.count() == 2


def test_a_period_that_has_not_ended_cannot_be_signed_off(sam):
    _refused(
        lambda: sign_off_period(period_key=P08, actor=sam),
        {"period": [f"{NOVEMBER} has not ended yet."]},
    )
    assert PeriodSignOff.objects.count() == 0


def test_reopening_a_period_needs_a_reason_and_unlocks_its_returns(sam, housing, october):
    sign_off_period(period_key=P07, actor=sam, department=housing)

    _refused(
        lambda: reopen_period(period_key=P07, actor=sam, department=housing, reason=" "),
        {"reason": ["Give the reason for reopening the period"]},
    )
    assert is_signed_off(P07, housing.pk)

    reason = "Housing restated October after the audit."
    assert reopen_period(period_key=P07, actor=sam, department=housing, reason=reason) == 1

    assert not is_signed_off(P07, housing.pk)
    unlocked = KpiReturn.objects.get(pk=october["approved"].pk)
    assert (unlocked.state, unlocked.locked_at) == (ReturnState.APPROVED, None)
    assert _trail(unlocked)[-1] == (4, f"Period reopened: {reason}", "sam")
    sign_off = PeriodSignOff.objects.get()
    assert (sign_off.reopened_by, sign_off.reopen_reason) == (sam, reason)
    assert sign_off.reopened_at is not None

    # Reopened, it can be signed off again.
    assert sign_off_period(period_key=P07, actor=sam, department=housing).locked == 1


def test_a_department_cannot_be_reopened_while_the_council_is_signed_off(sam, housing, october):
    sign_off_period(period_key=P07, actor=sam)
    _refused(
        lambda: reopen_period(period_key=P07, actor=sam, department=housing, reason="Restated"),
        {
            "department": [
                f"{OCTOBER} is signed off for the whole council: reopen it for the council instead"
            ]
        },
    )
    assert _states(october)["approved"] == "locked"

    assert reopen_period(period_key=P07, actor=sam, reason="Restated") == 2
    assert _states(october) == {
        "approved": "approved",
        "submitted": "submitted",
        "draft": "draft",
        "finance_approved": "approved",
    }


def test_a_period_not_signed_off_cannot_be_reopened(sam, housing):
    _refused(
        lambda: reopen_period(period_key=P07, actor=sam, department=housing, reason="Restated"),
        {"period": [f"{OCTOBER} is not signed off."]},
    )


def test_smt_reopens_a_locked_return_with_a_reason(sam, harriet, housing, october):
    sign_off_period(period_key=P07, actor=sam, department=housing)
    locked = KpiReturn.objects.get(pk=october["approved"].pk)

    _denied(
        lambda: reopen_return(kpi_return=locked, actor=harriet, reason="Typo"),
        "Only SMT can reopen a locked return.",
    )
    _refused(
        lambda: reopen_return(kpi_return=locked, actor=sam, reason=""),
        {"reason": ["Give the reason for reopening the return"]},
    )
    _refused(
        lambda: reopen_return(kpi_return=october["submitted"], actor=sam, reason="Typo"),
        {"state": ["Only a locked return can be reopened."]},
    )

    reopened = reopen_return(kpi_return=locked, actor=sam, reason="The value was mistyped.")
    reopened.refresh_from_db()
    assert (reopened.state, reopened.sent_back_reason, reopened.locked_at) == (
        ReturnState.SENT_BACK,
        "The value was mistyped.",
        None,
    )
    assert reopened.is_editable
    assert _trail(reopened)[-1] == (4, "Reopened: The value was mistyped.", "sam")


# --- concurrent edits ------------------------------------------------------------------


def test_a_save_based_on_an_older_version_is_refused_with_what_changed(alice, harriet, indicator):
    harriet.first_name, harriet.last_name = "Harriet", "Hughes"
    harriet.save()
    first = _draft(indicator, alice, value="91.5")
    assert first.version == 1
    _draft(indicator, harriet, value="85", commentary="Corrected", expected_version=1)

    before = _stored()
    with pytest.raises(StaleVersion) as raised:
        _draft(indicator, alice, value="93", expected_version=1)
    assert _stored() == before

    stale = raised.value
    assert stale.current.version == 2
    assert [(c.field, c.label, c.old, c.new, c.who) for c in stale.changes] == [
        ("value", "Value", Decimal("91.5"), Decimal("85"), "Harriet Hughes"),
        ("commentary", "Commentary", "", "Corrected", "Harriet Hughes"),
    ]
    assert str(stale) == (
        "Someone else saved this return while you were editing it (now version 2); they "
        "changed value, commentary. Nothing of yours was saved: review their change and "
        "enter yours again."
    )
    current = KpiReturn.objects.get()
    assert (current.value, current.version, current.commentary) == (Decimal("85"), 2, "Corrected")


def test_a_transition_based_on_an_older_version_is_refused(alice, harriet, indicator):
    submitted = _submitted(indicator, alice)
    send_back_return(kpi_return=submitted, actor=harriet, reason="Check it")
    before = _stored()
    with pytest.raises(StaleVersion) as raised:
        approve_return(kpi_return=submitted, actor=harriet, expected_version=1)
    assert [(c.field, c.old, c.new) for c in raised.value.changes] == [
        ("state", "submitted", "sent_back"),
        ("sent_back_reason", "", "Check it"),
    ]
    assert _stored() == before
