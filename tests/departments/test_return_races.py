"""Fifty requests at once on one return, one period or one token name (issue 22), on
PostgreSQL with real commits: one winner, a 409 (or the sequential answer) for the rest,
never a server error; and DESIGN.md section 3's rule that a signed-off period's approved
returns are locked holds whatever the interleaving of sign-off, reopening and approval.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import ApiToken, KpiReturn, PeriodSignOff, ReturnState
from departments.returns import sign_off as sign_off_module
from departments.returns.services import save_return
from departments.returns.sign_off import sign_off_period
from departments.tokens.services import NewToken, create_token
from tests.factories import IndicatorFactory
from tests.races import AT_ONCE, api_post, at_once, race_ready, statuses  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]

RETURNS = "/api/v1/returns/"
APRIL, MAY, JUNE, JULY = "2026-27-P01", "2026-27-P02", "2026-27-P03", "2026-27-P04"


@pytest.fixture
def indicators(housing):
    return IndicatorFactory.create_batch(AT_ONCE - 1, department=housing)


def _submitted(indicators, officer, period: str) -> list[KpiReturn]:
    return [
        save_return(indicator=i, period_key=period, actor=officer, value="91.5", submit=True)
        for i in indicators
    ]


def _approvals(head, returns: list[KpiReturn]):
    return [api_post(head, f"{RETURNS}{r.pk}/approve/") for r in returns]


def _reasons(kpi_return: KpiReturn) -> list[str]:
    return list(
        kpi_return.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )


def test_fifty_first_saves_of_a_return_based_on_no_version_create_it_once(alice, housing):
    indicator = IndicatorFactory(department=housing)
    body = {"indicator": indicator.pk, "period": APRIL, "version": 0}
    responses = at_once(
        [api_post(alice, RETURNS, {**body, "value": str(50 + n)}) for n in range(AT_ONCE)]
    )

    assert statuses(responses) == {201: 1, 409: AT_ONCE - 1}
    (winner,) = [r for r in responses if r.status_code == 201]
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.version) == (Decimal(winner.json()["value"]), 1)
    assert _reasons(stored) == ["Created"]
    loser = next(r.json() for r in responses if r.status_code == 409)
    assert loser["current_version"] == 1
    assert {"field": "value", "new": str(stored.value)}.items() <= {
        **next(c for c in loser["changes"] if c["field"] == "value")
    }.items()


def test_fifty_first_saves_without_a_version_never_answer_a_server_error(alice, housing):
    """Without a version a save after the first commit edits the return (201 as the API
    answers a POST); one that raced the first insert is told it lost (409). Every stored
    version is one answered 201, in the history."""
    indicator = IndicatorFactory(department=housing)
    responses = at_once(
        [
            api_post(alice, RETURNS, {"indicator": indicator.pk, "period": APRIL, "value": n})
            for n in range(AT_ONCE)
        ]
    )

    answered = statuses(responses)
    assert set(answered) <= {201, 409}, answered
    stored = KpiReturn.objects.get()
    assert stored.version == answered[201] == stored.history.count()


@pytest.mark.parametrize("for_housing", [True, False], ids=["housing", "council"])
def test_a_sign_off_among_approvals_locks_every_approved_return(
    alice, harriet, sam, housing, indicators, for_housing, monkeypatch
):
    """49 approvals and the sign-off at once: every approval and the
    sign-off succeed, and every return ends locked, either by the sign-off or by its own
    approval, which found the period signed off."""
    # A council-wide sign-off also builds the month's pack: not what is tested here.
    monkeypatch.setattr(sign_off_module, "_queue_monthly_pack", lambda sign_off_id: None)
    period = MAY if for_housing else JUNE
    returns = _submitted(indicators, alice, period)
    body = {"department": housing.pk} if for_housing else {}
    approvals = _approvals(harriet, returns)
    middle = len(approvals) // 2  # some approvals start before the sign-off, some after
    sign_off = api_post(sam, f"/api/v1/periods/{period}/sign-off/", body)
    responses = at_once([*approvals[:middle], sign_off, *approvals[middle:]])

    assert statuses(responses) == {201: 1, 200: AT_ONCE - 1}
    locked_by_sign_off = responses[middle].json()["locked"]
    states = Counter(KpiReturn.objects.filter(period=period).values_list("state", flat=True))
    assert states == {ReturnState.LOCKED: AT_ONCE - 1}
    last_reasons = Counter(_reasons(r)[-1].split(":")[0] for r in returns)
    assert last_reasons == Counter(
        {
            "Locked": locked_by_sign_off,
            "Approved and locked (period already signed off)": AT_ONCE - 1 - locked_by_sign_off,
        }
    )


def test_reopening_among_approvals_leaves_no_return_locked(
    alice, harriet, sam, housing, indicators
):
    returns = _submitted(indicators, alice, JULY)
    sign_off_period(period_key=JULY, actor=sam, department=housing)
    reopen = api_post(
        sam, f"/api/v1/periods/{JULY}/reopen/", {"department": housing.pk, "reason": "Restated"}
    )
    approvals = _approvals(harriet, returns)
    middle = len(approvals) // 2
    responses = at_once([*approvals[:middle], reopen, *approvals[middle:]])

    assert statuses(responses) == {200: AT_ONCE}
    assert not PeriodSignOff.objects.active().filter(period=JULY).exists()
    states = Counter(KpiReturn.objects.filter(period=JULY).values_list("state", flat=True))
    assert states == {ReturnState.APPROVED: AT_ONCE - 1}
    unlocked = sum("Period reopened: Restated" in _reasons(r) for r in returns)
    assert responses[middle].json()["reopened"] == unlocked


def test_fifty_sign_offs_of_one_month_sign_it_off_once(sam, housing):
    responses = at_once(
        [
            api_post(sam, f"/api/v1/periods/{APRIL}/sign-off/", {"department": housing.pk})
            for _ in range(AT_ONCE)
        ]
    )

    assert statuses(responses) == {201: 1, 409: AT_ONCE - 1}
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "April 2026 (P01 2026/27) is already signed off."
    }
    sign_off = PeriodSignOff.objects.get(period=APRIL)
    assert sign_off.history.count() == 1


def test_fifty_new_tokens_of_one_name_make_one(alice):
    made = at_once([lambda: create_token(user=alice, name="Power BI")] * AT_ONCE)

    assert Counter(type(outcome) for outcome in made) == {
        NewToken: 1,
        ValidationError: AT_ONCE - 1,
    }
    refusals = {str(e.message_dict) for e in made if isinstance(e, ValidationError)}
    assert refusals == {"{'name': [\"You already have a token named 'Power BI'.\"]}"}
    assert ApiToken.objects.get().name == "Power BI"
