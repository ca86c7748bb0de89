"""Referrals: the services (raise, acknowledge, resolve), the pages (lists, the form, the
actions, the coordination page) and the API (referrals and metrics/coordination).

The data is the worked example of tests/reporting/test_coordination_metrics.py (four
departments, eight referrals in September 2025, one in August). Time is frozen on
10 October 2025 in Europe/London, the "today" of the worked example, so the pages and
the API, which use today's date, give the same hand-computed figures.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Referral
from departments.periods import Period
from departments.referrals.services import (
    acknowledge_referral,
    build_referral,
    channel_choices,
    raise_referral,
    resolve_referral,
)
from reporting.metrics.coordination import coordination_by_department, council_coordination
from tests.factories import ReferralFactory
from tests.reporting.test_coordination_metrics import _bulk_referrals, build_worked_example

TODAY = date(2025, 10, 10)
SEP = Period.parse("2025-26-P06")
D = Decimal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_today():
    # Noon in London on 10 October 2025 (BST, UTC+1).
    with time_machine.travel(datetime(2025, 10, 10, 11, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def example(council, housing, finance, partnership):
    return build_worked_example(council, housing, finance, partnership)


def raise_(actor, source, target, **overrides):
    fields = {
        "category": "Housing needs assessment",
        "raised_on": date(2025, 10, 1),
        "agreed_days": 5,
        "channel": "email",
        "today": TODAY,
    }
    fields.update(overrides)
    return raise_referral(actor=actor, from_department=source, to_department=target, **fields)


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.value.message_dict


# --- services ------------------------------------------------------------------------------


def test_an_officer_raises_a_referral_from_their_department(alice, housing, finance):
    referral = raise_(alice, housing, finance, agreed_days=7)
    referral.refresh_from_db()
    assert (referral.from_department, referral.to_department) == (housing, finance)
    assert referral.raised_by == alice
    # Derived: period of 1 Oct 2025 is P07; due 1 Oct + 7 = 8 Oct; not resolved.
    assert (referral.period, referral.due_on, referral.resolution_days) == (
        "2025-26-P07",
        date(2025, 10, 8),
        None,
    )
    assert (referral.channel, referral.service_id) == ("email", None)
    (history,) = referral.history.all()
    assert (history.history_user, history.history_change_reason) == (alice, "Raised")


def test_a_partner_service_code_is_the_service_channel(alice, housing, finance, partnership):
    from tests.factories import ServiceFactory

    service = ServiceFactory(partnership=partnership, code="case-management")
    referral = raise_(alice, housing, finance, channel="Case-Management")
    assert (referral.channel, referral.service) == ("service", service)


def test_an_officer_cannot_raise_from_another_department(alice, housing, finance):
    with pytest.raises(PermissionDenied):
        raise_(alice, finance, housing)
    assert not Referral.objects.exists()


def test_an_auditor_cannot_raise_a_referral(audrey, housing, finance):
    with pytest.raises(PermissionDenied):
        raise_(audrey, housing, finance)
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"to": "self"}, "to_department", "A department cannot refer work to itself"),
        (
            {"raised_on": date(2025, 10, 11)},
            "raised_on",
            "The raised date cannot be in the future",
        ),
        (
            {"agreed_days": 0},
            "agreed_days",
            "The agreed response time must be between 1 and 365 days",
        ),
        (
            {"channel": "fax"},
            "channel",
            "Unknown channel 'fax': use a partner service's code, email, phone or paper",
        ),
        (
            {"category": "  "},
            "category",
            "Enter the category of work, such as 'Housing needs assessment'",
        ),
    ],
)
def test_a_bad_referral_is_refused_with_a_message_and_nothing_stored(
    alice, housing, finance, overrides, field, message
):
    target = housing if overrides.pop("to", None) == "self" else finance
    with pytest.raises(ValidationError) as error:
        raise_(alice, housing, target, **overrides)
    assert messages_of(error) == {field: [message]}
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"category": "C" * 81}, "category", "Category can be at most 80 characters (it has 81)"),
        (
            {"category": "Rent\narrears"},
            "category",
            "Category must be one line of text without control characters",
        ),
        ({"category": "Rent\x00"}, "category", "Category must be one line of text without "
         "control characters"),
    ],
)  # fmt: skip
def test_a_category_is_refused_rather_than_cut(alice, housing, finance, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        raise_(alice, housing, finance, **overrides)
    assert messages_of(error) == {field: [message]}
    assert not Referral.objects.exists()


def test_a_category_of_exactly_80_characters_is_stored_whole(alice, housing, finance):
    category = "Housing needs assessment, hospital discharge, the long version " + "x" * 17
    assert len(category) == 80
    assert raise_(alice, housing, finance, category=f"  {category} ").category == category


def test_the_receiving_department_acknowledges_and_resolves(alice, bob, housing, finance):
    referral = raise_(alice, housing, finance, raised_on=date(2025, 10, 1), agreed_days=5)
    acknowledged = acknowledge_referral(
        actor=bob, referral=referral, on=date(2025, 10, 2), today=TODAY
    )
    assert acknowledged.acknowledged_on == date(2025, 10, 2)
    resolved = resolve_referral(actor=bob, referral=referral, on=date(2025, 10, 6), today=TODAY)
    resolved.refresh_from_db()
    # Resolved 6 Oct − raised 1 Oct = 5 days; due 6 Oct: on time.
    assert (resolved.resolved_on, resolved.resolution_days) == (date(2025, 10, 6), 5)
    history = list(referral.history.order_by("history_id"))
    assert [(h.history_user, h.history_change_reason) for h in history] == [
        (alice, "Raised"),
        (bob, "Acknowledged"),
        (bob, "Resolved"),
    ]
    assert [h.resolved_on for h in history] == [None, None, date(2025, 10, 6)]


def test_resolving_an_unacknowledged_referral_acknowledges_it_the_same_day(
    alice, bob, housing, finance
):
    referral = raise_(alice, housing, finance)
    resolved = resolve_referral(actor=bob, referral=referral, today=TODAY)
    assert (resolved.acknowledged_on, resolved.resolved_on) == (TODAY, TODAY)


@pytest.mark.parametrize("who", ["alice", "audrey"])
def test_only_the_receiving_department_acknowledges_or_resolves(
    request, alice, bob, audrey, housing, finance, who
):
    referral = raise_(alice, housing, finance)
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        acknowledge_referral(actor=actor, referral=referral, today=TODAY)
    with pytest.raises(PermissionDenied):
        resolve_referral(actor=actor, referral=referral, today=TODAY)
    referral.refresh_from_db()
    assert (referral.acknowledged_on, referral.resolved_on) == (None, None)
    assert referral.history.count() == 1


def test_a_resolved_referral_cannot_be_resolved_or_acknowledged_again(alice, bob, housing, finance):
    referral = raise_(alice, housing, finance)
    resolve_referral(actor=bob, referral=referral, on=date(2025, 10, 3), today=TODAY)
    with pytest.raises(ValidationError) as error:
        resolve_referral(actor=bob, referral=referral, today=TODAY)
    assert messages_of(error) == {"resolved_on": ["This referral is already resolved"]}
    with pytest.raises(ValidationError) as error:
        acknowledge_referral(actor=bob, referral=referral, today=TODAY)
    assert messages_of(error) == {"acknowledged_on": ["This referral is already acknowledged"]}
    referral.refresh_from_db()
    assert referral.resolved_on == date(2025, 10, 3)


def test_acknowledged_and_resolved_dates_are_checked(alice, bob, housing, finance):
    referral = raise_(alice, housing, finance, raised_on=date(2025, 10, 5))
    with pytest.raises(ValidationError) as error:
        acknowledge_referral(actor=bob, referral=referral, on=date(2025, 10, 4), today=TODAY)
    assert messages_of(error) == {
        "acknowledged_on": ["The acknowledged date cannot be before the raised date"]
    }
    with pytest.raises(ValidationError) as error:
        resolve_referral(actor=bob, referral=referral, on=date(2025, 10, 11), today=TODAY)
    assert messages_of(error) == {"resolved_on": ["The resolved date cannot be in the future"]}


# --- the lists -----------------------------------------------------------------------------


def rows(response) -> list[int]:
    return [r.pk for r in response.context["page"].object_list]


def test_alice_sees_housings_incoming_open_ones_first(client, alice, example):
    refs = example.refs
    client.force_login(alice)
    response = client.get("/referrals/")
    assert response.status_code == 200
    assert response.context["department"] == example.housing
    # Open first (r5 due 7 Sep, r4 due 25 Oct), then resolved, latest resolved first;
    # r1, r2, r3 were all resolved on 6 Sep, so by due date: r2 (5 Sep), r1, r3.
    assert rows(response) == [refs[n].pk for n in ("r5", "r4", "r2", "r1", "r3")]
    html = response.content.decode()
    # r5: raised 2 Sep, open on 10 Oct = 38 days against 5 agreed, overdue.
    assert "38 / 5" in html
    assert "Overdue" in html
    assert "Acknowledge" in html and "Resolve" in html


def test_alice_sees_housings_outgoing(client, alice, example):
    refs = example.refs
    client.force_login(alice)
    response = client.get("/referrals/?direction=outgoing")
    # r6 open (raised 28 Sep: 12 days of 20), then s1 (resolved 16 Sep), s2 (14 Sep), a1.
    assert rows(response) == [refs[n].pk for n in ("r6", "s1", "s2", "a1")]
    html = response.content.decode()
    assert "12 / 20" in html
    # Sent referrals are not Housing's to acknowledge or resolve.
    assert "Acknowledge</button>" not in html


def test_another_departments_list_is_not_found(client, alice, bob, example):
    client.force_login(alice)
    assert client.get(f"/referrals/?department={example.finance.pk}").status_code == 404
    client.force_login(bob)
    response = client.get(f"/referrals/?department={example.finance.pk}")
    assert response.status_code == 200
    # Finance receives s1 and s2 (September) and a1 (August).
    assert sorted(rows(response)) == sorted(example.refs[n].pk for n in ("s1", "s2", "a1"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=open", ["r5", "r4"]),
        ("state=resolved", ["r2", "r1", "r3"]),
        ("state=overdue", ["r5"]),
        ("state=acknowledged", []),
        ("channel=service", ["r4", "r1"]),
        ("channel=email", ["r2"]),
        ("channel=paper", ["r5"]),
        ("counterpart={asc}", ["r5", "r2"]),
        ("counterpart={finance}&state=resolved", ["r1", "r3"]),
        ("period=2025-26-P06", ["r5", "r4", "r2", "r1", "r3"]),
        ("period=2025-26-P05", []),
        ("direction=outgoing&period=2025-26-P05", ["a1"]),
        ("direction=outgoing&counterpart={asc}", ["r6"]),
    ],
)
def test_filters_in_the_url_change_the_rows(client, alice, example, query, expected):
    client.force_login(alice)
    query = query.format(asc=example.asc.pk, finance=example.finance.pk)
    response = client.get(f"/referrals/?{query}")
    assert response.status_code == 200
    assert rows(response) == [example.refs[n].pk for n in expected]


def test_a_malformed_period_is_not_found(client, alice, example):
    client.force_login(alice)
    assert client.get("/referrals/?period=September").status_code == 404


@pytest.mark.parametrize("query", ["state=late", "channel=fax", "counterpart=housing"])
def test_a_filter_value_the_api_would_refuse_is_not_found(client, alice, example, query):
    # The page and the API read one FilterSet: what the API answers 400 for, the page
    # answers as it answers a malformed period.
    client.force_login(alice)
    assert client.get(f"{API}?{query}").status_code == 400
    assert client.get(f"/referrals/?{query}").status_code == 404


# --- raising one in the browser ---------------------------------------------------------------


def form_data(example, **overrides):
    data = {
        "from_department": example.housing.pk,
        "to_department": example.asc.pk,
        "category": "Care needs assessment",
        "raised_on": "2025-10-10",
        "agreed_days": "5",
        "channel": "case-management",
    }
    data.update(overrides)
    return data


def test_the_form_raises_a_referral(client, alice, example):
    client.force_login(alice)
    assert client.get("/referrals/new/").status_code == 200
    before = Referral.objects.count()
    response = client.post("/referrals/new/", form_data(example))
    assert response.status_code == 302
    assert response["Location"] == (
        f"/referrals/?department={example.housing.pk}&direction=outgoing"
    )
    assert Referral.objects.count() == before + 1
    referral = Referral.objects.latest("pk")
    assert (referral.to_department, referral.channel, referral.service) == (
        example.asc,
        "service",
        example.service,
    )
    assert (referral.raised_by, referral.due_on) == (alice, date(2025, 10, 15))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-10-01", date(2025, 10, 1)),  # what <input type=date> sends
        ("1/10/2025", date(2025, 10, 1)),  # typed where the browser has no date picker
        ("2025-09-30T23:30:00Z", date(2025, 10, 1)),  # 00:30 BST
    ],
)
def test_the_form_takes_a_date_by_the_one_date_rule(client, alice, example, typed, expected):
    client.force_login(alice)
    response = client.post("/referrals/new/", form_data(example, raised_on=typed))
    assert response.status_code == 302
    referral = Referral.objects.latest("pk")
    assert (referral.raised_on, referral.period) == (expected, "2025-26-P07")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to_department": "{housing}"}, "A department cannot refer work to itself"),
        ({"raised_on": "2025-10-11"}, "The raised date cannot be in the future"),
        ({"agreed_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"channel": "fax"}, "Select a valid choice. fax is not one of the available choices."),
        ({"raised_on": "yesterday"}, "is not a date: write it as 2026-04-01 or 01/04/2026"),
        ({"raised_on": "01/10/25"}, "has a two-digit year: write the year in full"),
        ({"from_department": "{finance}"}, "Select a valid choice."),
    ],
)
def test_form_errors_show_the_summary_and_store_nothing(client, alice, example, overrides, message):
    client.force_login(alice)
    overrides = {
        k: v.format(housing=example.housing.pk, finance=example.finance.pk)
        for k, v in overrides.items()
    }
    before = Referral.objects.count()
    response = client.post("/referrals/new/", form_data(example, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "There is a problem" in html
    assert message in html
    assert Referral.objects.count() == before


def test_the_form_is_refused_to_those_without_a_department(client, sam, pat, audrey):
    for user in (sam, pat, audrey):
        client.force_login(user)
        assert client.get("/referrals/new/").status_code == 403


# --- acknowledging and resolving in the browser ----------------------------------------------


def test_the_buttons_acknowledge_and_resolve(client, alice, example):
    r4 = example.refs["r4"]
    client.force_login(alice)
    response = client.post(f"/referrals/{r4.pk}/acknowledge/")
    assert response.status_code == 302
    assert response["Location"] == (
        f"/referrals/?department={example.housing.pk}&direction=incoming"
    )
    r4.refresh_from_db()
    assert (r4.acknowledged_on, r4.resolved_on) == (TODAY, None)
    page = client.get(response["Location"])
    assert "Referral acknowledged." in page.content.decode()
    client.post(f"/referrals/{r4.pk}/resolve/")
    r4.refresh_from_db()
    # Raised 25 Sep, resolved 10 Oct = 15 days.
    assert (r4.resolved_on, r4.resolution_days) == (TODAY, 15)
    assert r4.history.latest("history_id").history_user == alice


def test_resolving_again_shows_a_message(client, alice, example):
    r1 = example.refs["r1"]
    client.force_login(alice)
    response = client.post(f"/referrals/{r1.pk}/resolve/", follow=True)
    assert "This referral is already resolved" in response.content.decode()
    r1.refresh_from_db()
    assert r1.resolved_on == date(2025, 9, 6)


def test_the_sender_and_auditor_cannot_use_the_buttons(client, bob, audrey, example):
    r4 = example.refs["r4"]  # Finance → Housing: bob sees it, as the sender
    for user in (bob, audrey):
        client.force_login(user)
        assert client.post(f"/referrals/{r4.pk}/acknowledge/").status_code == 403
        assert client.post(f"/referrals/{r4.pk}/resolve/").status_code == 403
    # r5 (Adult Social Care → Housing) is none of Finance's business.
    client.force_login(bob)
    assert client.post(f"/referrals/{example.refs['r5'].pk}/resolve/").status_code == 404
    r4.refresh_from_db()
    assert (r4.acknowledged_on, r4.resolved_on) == (None, None)


def test_the_actions_need_a_post(client, alice, example):
    client.force_login(alice)
    assert client.get(f"/referrals/{example.refs['r4'].pk}/resolve/").status_code == 405


# --- the coordination page -------------------------------------------------------------------


def test_smt_sees_the_council_the_matrix_and_the_weights(client, sam, example):
    client.force_login(sam)
    response = client.get("/coordination/?period=2025-26-P06")
    assert response.status_code == 200
    current = response.context["current"]
    # The council figures of the worked example: index 51.7, 8 referrals.
    assert current.department_id is None
    assert (current.index, current.received, current.on_time, current.late) == (
        D("51.7"),
        8,
        3,
        3,
    )
    assert response.context["matrix"]
    html = response.content.decode()
    assert "Coordination across the council" in html
    assert "Index (weights 50/25/25)" in html
    assert "51.7" in html
    assert "coordination-matrix" in html
    by_row = {d.code: c for d, c, _ in response.context["rows"]}
    assert set(by_row) == {"housing", "finance", "adult-social-care", "planning"}
    assert by_row["housing"].index == D("57.3")
    assert by_row["planning"].index is None
    # The partner service Housing and Adult Social Care rely on is listed.
    assert "Shared case-management system" in html


def test_a_head_of_service_sees_their_department_without_the_matrix(client, harriet, example):
    client.force_login(harriet)
    response = client.get("/coordination/?period=2025-26-P06")
    assert response.status_code == 200
    assert response.context["focus"] == example.housing
    assert "matrix" not in response.context
    current = response.context["current"]
    assert (current.department_id, current.index) == (example.housing.pk, D("57.3"))
    assert [d.code for d, _, _ in response.context["rows"]] == ["housing"]
    html = response.content.decode()
    assert "Housing: coordination" in html
    assert "coordination-matrix" not in html
    assert "Index (weights 50/25/25)" in html
    # Another department's page is not found.
    other = client.get(f"/coordination/?period=2025-26-P06&department={example.finance.pk}")
    assert other.status_code == 404


def test_changed_weights_are_shown_on_the_page(client, sam, council, example):
    council.weight_on_time, council.weight_digital_share, council.weight_reach = 20, 60, 20
    council.save()
    client.force_login(sam)
    response = client.get("/coordination/?period=2025-26-P06")
    assert "Index (weights 20/60/20)" in response.content.decode()
    # Council: 0.2 × 50 + 0.6 × 62.5 + 0.2 × 44.44 = 56.389 → 56.4 (see the metric tests).
    assert response.context["current"].index == D("56.4")


def test_an_auditor_sees_the_council(client, audrey, example):
    client.force_login(audrey)
    response = client.get("/coordination/?period=2025-26-P06")
    assert response.status_code == 200
    assert response.context["focus"] is None
    assert response.context["current"].index == D("51.7")
    assert response.context["matrix"]


def test_the_partner_sees_no_referral(client, pat, example):
    """The partner's services serve Housing and Adult Social Care, but a partner manager
    sees nothing of departments' referrals (DESIGN.md section 4)."""
    client.force_login(pat)
    response = client.get("/referrals/")
    assert response.status_code in (403, 404) or rows(response) == []
    for name in ("r1", "r6"):
        assert client.post(f"/referrals/{example.refs[name].pk}/resolve/").status_code == 404


def test_the_partner_is_refused_the_coordination_page(client, pat, example):
    client.force_login(pat)
    assert client.get("/coordination/?period=2025-26-P06").status_code == 403


def test_a_bad_period_on_the_page_is_not_found(client, sam, example):
    client.force_login(sam)
    assert client.get("/coordination/?period=2025-26-Q2").status_code == 404


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["sam", "harriet"])
def test_the_coordination_page_makes_a_fixed_number_of_queries(request, client, example, who):
    client.force_login(request.getfixturevalue(who))
    departments = [example.housing, example.finance, example.asc, example.planning]
    months = [SEP.previous().previous(), SEP.previous(), SEP]
    url = "/coordination/?period=2025-26-P06"
    _bulk_referrals(departments, months, 20, example.service)
    client.get(url)  # the session and anything cached on first use
    cache.clear()  # the figures themselves are computed afresh both times
    small = _count_queries(client, url)
    _bulk_referrals(departments, months, 280, example.service)
    cache.clear()
    large = _count_queries(client, url)
    print(f"/coordination/ as {who}: {small} queries at 29 referrals, {large} at 309")
    assert small == large


def test_the_referral_list_makes_a_fixed_number_of_queries(client, alice, example):
    client.force_login(alice)
    departments = [example.housing, example.finance, example.asc, example.planning]
    client.get("/referrals/")
    _bulk_referrals(departments, [SEP], 20, example.service)
    small = _count_queries(client, "/referrals/")
    _bulk_referrals(departments, [SEP], 280, example.service)
    large = _count_queries(client, "/referrals/")
    print(f"/referrals/: {small} queries at 29 referrals, {large} at 309")
    assert small == large


# --- the API: referrals ---------------------------------------------------------------------

API = "/api/v1/referrals/"


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


def names(example, *keys) -> list[int]:
    return sorted(example.refs[k].pk for k in keys)


HOUSING_ALL = ("r1", "r2", "r3", "r4", "r5", "r6", "s1", "s2", "a1")


def test_the_api_lists_a_departments_sent_and_received_referrals(
    client, alice, bob, pat, sam, example
):
    # An ASC ↔ Finance referral that Housing must not see.
    hidden = ReferralFactory(
        from_department=example.asc, to_department=example.finance, raised_on=date(2025, 9, 5)
    )
    client.force_login(alice)
    response = client.get(API)
    assert response.status_code == 200
    assert response.json()["count"] == 9
    assert ids(response) == names(example, *HOUSING_ALL)
    client.force_login(bob)
    assert ids(client.get(API)) == sorted(
        [hidden.pk, *names(example, "r1", "r3", "r4", "s1", "s2", "a1")]
    )
    client.force_login(pat)
    assert client.get(API).json()["count"] == 0
    client.force_login(sam)
    assert client.get(API).json()["count"] == 10
    client.force_login(alice)
    assert client.get(f"{API}{hidden.pk}/").status_code == 404


def test_the_api_shows_the_derived_fields(client, alice, example):
    client.force_login(alice)
    r4 = example.refs["r4"]
    body = client.get(f"{API}{r4.pk}/").json()
    assert body == {
        "id": r4.pk,
        "from_department": example.finance.pk,
        "to_department": example.housing.pk,
        "category": "Safeguarding concern",
        "raised_on": "2025-09-25",
        "acknowledged_on": None,
        "resolved_on": None,
        "agreed_days": 30,
        "due_on": "2025-10-25",
        "channel": "service",
        "service": example.service.pk,
        "period": "2025-26-P06",
        "days_open": 15,
        "resolution_days": None,
        "reference": "",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("period=2025-26-P05", ["a1"]),
        ("period=2025-26-P06", ["r1", "r2", "r3", "r4", "r5", "r6", "s1", "s2"]),
        ("department={asc}", ["r2", "r5", "r6"]),
        ("department={finance}", ["r1", "r3", "r4", "s1", "s2", "a1"]),
        ("state=open", ["r4", "r5", "r6"]),
        ("state=resolved", ["r1", "r2", "r3", "s1", "s2", "a1"]),
        ("channel=service", ["r1", "r4", "r6", "s1", "s2", "a1"]),
        ("channel=phone", ["r3"]),
        ("from_department={asc}", ["r2", "r5"]),
        ("to_department={asc}&state=open", ["r6"]),
        ("period=2025-26-P06&channel=service&state=resolved", ["r1", "s1", "s2"]),
        # The page's vocabulary: open past the due date on 10 October, acknowledged and
        # still open, one department's received or sent, and the department at the
        # other end (either way without a direction).
        ("state=overdue", ["r5"]),
        ("state=acknowledged", []),
        ("department={housing}&direction=incoming", ["r1", "r2", "r3", "r4", "r5"]),
        ("department={housing}&direction=outgoing&counterpart={asc}", ["r6"]),
        ("department={housing}&counterpart={finance}", ["r1", "r3", "r4", "s1", "s2", "a1"]),
        ("counterpart={asc}", ["r2", "r5", "r6"]),
    ],
)
def test_the_api_filters(client, alice, example, query, expected):
    client.force_login(alice)
    query = query.format(asc=example.asc.pk, finance=example.finance.pk, housing=example.housing.pk)
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200, response.json()
    assert ids(response) == names(example, *expected)


def test_the_api_raises_a_referral(client, alice, example):
    client.force_login(alice)
    response = client.post(
        API,
        {
            "from_department": example.housing.pk,
            "to_department": example.asc.pk,
            "category": "Care needs assessment",
            "raised_on": "2025-10-10",
            "agreed_days": 5,
            "channel": "case-management",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert referral.raised_by == alice
    assert {k: body[k] for k in ("channel", "service", "due_on", "period", "days_open")} == {
        "channel": "service",
        "service": example.service.pk,
        "due_on": "2025-10-15",
        "period": "2025-26-P07",
        "days_open": 0,
    }


@pytest.mark.parametrize(
    ("raised_on", "expected", "period"),
    [
        # 23:30 UTC on 30 September is 00:30 BST on 1 October: October, P07.
        ("2025-09-30T23:30:00Z", "2025-10-01", "2025-26-P07"),
        ("2025-10-01T00:30:00+01:00", "2025-10-01", "2025-26-P07"),
        # 22:59 UTC is 23:59 BST on 30 September: still September, P06.
        ("2025-09-30T22:59:00Z", "2025-09-30", "2025-26-P06"),
        # Without an offset the time is London time already.
        ("2025-09-30T23:30:00", "2025-09-30", "2025-26-P06"),
        ("2025-09-30 23:30", "2025-09-30", "2025-26-P06"),
        ("01/10/2025", "2025-10-01", "2025-26-P07"),
    ],
)
def test_the_api_takes_the_london_date_of_a_raised_time(
    client, alice, example, raised_on, expected, period
):
    client.force_login(alice)
    data = {
        "from_department": example.housing.pk,
        "to_department": example.asc.pk,
        "category": "Hospital discharge housing check",
        "raised_on": raised_on,
        "agreed_days": 7,
        "channel": "email",
    }
    response = client.post(API, data, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["raised_on"], body["period"]) == (expected, period)
    referral = Referral.objects.get(pk=body["id"])
    assert (referral.raised_on.isoformat(), referral.period) == (expected, period)


def test_the_api_acknowledges_and_resolves_on_the_london_date_of_a_time(client, alice, example):
    r4 = example.refs["r4"]  # raised 25 September 2025
    client.force_login(alice)
    response = client.post(
        f"{API}{r4.pk}/acknowledge/",
        {"on": "2025-09-25T23:10:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["acknowledged_on"] == "2025-09-26"  # 00:10 BST
    response = client.post(
        f"{API}{r4.pk}/resolve/",
        {"on": "2025-10-01T00:20:00+01:00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["resolved_on"], response.json()["resolution_days"]) == (
        "2025-10-01",
        6,
    )
    bad = client.post(
        f"{API}{example.refs['r6'].pk}/resolve/",
        {"on": "01/10/25"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "on": ["'01/10/25' has a two-digit year: write the year in full, such as 01/04/2026"]
    }


def test_the_schema_still_says_the_dates_are_dates():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    raised_on = components["RaiseReferralRequest"]["properties"]["raised_on"]
    on = components["DateRequest"]["properties"]["on"]
    assert (raised_on["type"], raised_on["format"]) == ("string", "date")
    assert (on["type"], on["format"]) == ("string", "date")
    assert "Europe/London" in raised_on["description"]


@pytest.mark.parametrize(
    ("overrides", "body"),
    [
        (
            {"to_department": "self"},
            {"to_department": ["A department cannot refer work to itself"]},
        ),
        ({"raised_on": "2025-10-11"}, {"raised_on": ["The raised date cannot be in the future"]}),
        (
            {"agreed_days": 0},
            {"agreed_days": ["The agreed response time must be between 1 and 365 days"]},
        ),
        (
            {"channel": "fax"},
            {
                "channel": [
                    "Unknown channel 'fax': use a partner service's code, email, phone or paper"
                ]
            },
        ),
        (
            {"raised_on": "yesterday"},
            {
                "raised_on": [
                    "'yesterday' is not a date: write it as 2026-04-01 or 01/04/2026, or as "
                    "a date and time such as 2026-04-01T09:30:00+01:00"
                ]
            },
        ),
        (
            {"raised_on": "2025-10-10T23:30:00Z"},  # 00:30 BST on 11 October
            {"raised_on": ["The raised date cannot be in the future"]},
        ),
        ({"raised_on": 45940}, {"raised_on": ["Enter the date as text, such as 2026-04-01"]}),
        ({"category": None}, {"category": ["This field may not be null."]}),
    ],
)
def test_the_api_answers_400_with_field_messages(client, alice, example, overrides, body):
    client.force_login(alice)
    data = {
        "from_department": example.housing.pk,
        "to_department": example.asc.pk,
        "category": "Care needs assessment",
        "raised_on": "2025-10-10",
        "agreed_days": 5,
        "channel": "email",
    }
    if overrides.get("to_department") == "self":
        overrides["to_department"] = example.housing.pk
    data.update(overrides)
    before = Referral.objects.count()
    response = client.post(API, data, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == body
    assert Referral.objects.count() == before


def test_the_api_refuses_a_referral_from_another_department(client, alice, audrey, example):
    data = {
        "from_department": example.finance.pk,
        "to_department": example.asc.pk,
        "category": "Care needs assessment",
        "raised_on": "2025-10-10",
        "agreed_days": 5,
        "channel": "email",
    }
    before = Referral.objects.count()
    client.force_login(alice)
    assert client.post(API, data, content_type="application/json").status_code == 403
    client.force_login(audrey)
    assert client.post(API, data, content_type="application/json").status_code == 403
    assert Referral.objects.count() == before


def test_the_api_acknowledges_and_resolves(client, alice, example):
    r4 = example.refs["r4"]
    client.force_login(alice)
    response = client.post(
        f"{API}{r4.pk}/acknowledge/", {"on": "2025-09-26"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["acknowledged_on"] == "2025-09-26"
    response = client.post(f"{API}{r4.pk}/resolve/", {}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    # Raised 25 Sep, resolved today 10 Oct: 15 days.
    assert (body["resolved_on"], body["resolution_days"]) == ("2025-10-10", 15)
    again = client.post(f"{API}{r4.pk}/resolve/", {}, content_type="application/json")
    assert again.status_code == 400
    assert again.json() == {"resolved_on": ["This referral is already resolved"]}


def test_the_api_refuses_the_sender_and_the_auditor(client, bob, audrey, example):
    r4 = example.refs["r4"]
    for user in (bob, audrey):
        client.force_login(user)
        for action in ("acknowledge", "resolve"):
            response = client.post(f"{API}{r4.pk}/{action}/", {}, content_type="application/json")
            assert response.status_code == 403
    client.force_login(bob)
    response = client.post(
        f"{API}{example.refs['r5'].pk}/resolve/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    r4.refresh_from_db()
    assert (r4.acknowledged_on, r4.resolved_on) == (None, None)


def test_the_api_list_makes_a_fixed_number_of_queries(client, alice, example):
    client.force_login(alice)
    departments = [example.housing, example.finance, example.asc, example.planning]
    client.get(API)
    _bulk_referrals(departments, [SEP], 20, example.service)
    small = _count_queries(client, API)
    _bulk_referrals(departments, [SEP], 280, example.service)
    large = _count_queries(client, API)
    print(f"{API}: {small} queries at 29 referrals, {large} at 309")
    assert small == large


# --- the API: metrics/coordination -------------------------------------------------------------

METRICS = "/api/v1/metrics/coordination/"
FIGURES = ("received", "sent", "volume", "on_time", "late", "pending", "digital", "counterparts")
SCORES = ("on_time_share", "median_days", "index")


def _decimal(value):
    return None if value is None else Decimal(value)


def same_figures(body: dict, c) -> None:
    """An API coordination object against the metric function's Coordination."""
    assert body["department"] == c.department_id
    assert body["period"] == c.period.key
    assert {k: body[k] for k in FIGURES} == {k: getattr(c, k) for k in FIGURES}
    assert {k: _decimal(body[k]) for k in SCORES} == {k: getattr(c, k) for k in SCORES}
    assert body["rag"] == c.rag.value
    assert [
        (x["key"], _decimal(x["score"]), x["weight"], Decimal(x["effective_weight"]))
        for x in body["components"]
    ] == [(x.key, x.score, x.weight, x.effective_weight) for x in c.components]


def test_metrics_for_smt_equal_the_functions_and_the_page(client, sam, example):
    client.force_login(sam)
    response = client.get(f"{METRICS}?period=2025-26-P06")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2025-26-P06"
    (council,) = council_coordination(periods=[SEP], today=TODAY)
    same_figures(body["council"], council)
    # The hand-computed figures.
    assert (body["council"]["index"], body["council"]["rag"]) == ("51.7", "red")
    per_department = coordination_by_department(periods=[SEP], today=TODAY)
    by_name = [example.asc, example.finance, example.housing, example.planning]
    assert [d["department"] for d in body["departments"]] == [d.pk for d in by_name]
    for department, row in zip(by_name, body["departments"], strict=True):
        same_figures(row, per_department[(department.pk, SEP.key)])
    assert [d["index"] for d in body["departments"]] == ["33.3", "53.3", "57.3", None]
    housing = body["departments"][2]
    assert (housing["median_days"], housing["on_time_share"]) == ("4.0", "50.0")
    assert body["departments"][1]["median_days"] == "4.5"
    # The page shows the same figures.
    page = client.get("/coordination/?period=2025-26-P06")
    same_figures(body["council"], page.context["current"])
    page_rows = {d.pk: c for d, c, _ in page.context["rows"]}
    for row in body["departments"]:
        same_figures(row, page_rows[row["department"]])


def test_metrics_for_an_officer_are_their_department_only(client, alice, example):
    client.force_login(alice)
    response = client.get(f"{METRICS}?period=2025-26-P06")
    assert response.status_code == 200
    body = response.json()
    assert body["council"] is None
    (housing,) = body["departments"]
    same_figures(
        housing,
        coordination_by_department(periods=[SEP], today=TODAY)[(example.housing.pk, SEP.key)],
    )
    assert (housing["received"], housing["sent"], housing["index"]) == (5, 3, "57.3")
    page = client.get("/coordination/?period=2025-26-P06")
    same_figures(housing, page.context["current"])


@pytest.mark.parametrize("period", ["September", "2025-26-Q2", "2025-26", "2025-26-P13"])
def test_metrics_refuse_a_bad_period(client, sam, example, period):
    client.force_login(sam)
    response = client.get(f"{METRICS}?period={period}")
    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_metrics_are_not_for_the_partner(client, pat, example):
    client.force_login(pat)
    assert client.get(f"{METRICS}?period=2025-26-P06").status_code == 403  # refused, like the page


def test_metrics_make_a_fixed_number_of_queries(client, sam, example):
    client.force_login(sam)
    departments = [example.housing, example.finance, example.asc, example.planning]
    url = f"{METRICS}?period=2025-26-P06"
    client.get(url)
    _bulk_referrals(departments, [SEP], 20, example.service)
    small = _count_queries(client, url)
    _bulk_referrals(departments, [SEP], 280, example.service)
    large = _count_queries(client, url)
    print(f"{METRICS}: {small} queries at 29 referrals, {large} at 309")
    assert small == large


def test_acknowledged_after_resolved_is_refused(housing, finance):
    with pytest.raises(ValidationError) as error:
        build_referral(
            from_department=housing,
            to_department=finance,
            category="Invoice",
            raised_on=date(2025, 9, 1),
            agreed_days=5,
            channel="email",
            channels=channel_choices(),
            acknowledged_on=date(2025, 9, 5),
            resolved_on=date(2025, 9, 3),
            today=date(2025, 11, 15),
        )
    assert error.value.message_dict["acknowledged_on"] == [
        "The acknowledged date cannot be after the resolved date"
    ]


def test_the_raise_form_shows_today_in_the_date_field(client, alice):
    client.force_login(alice)
    html = client.get("/referrals/new/").content.decode()
    assert 'value="2025-10-10"' in html  # the clock this module freezes


def test_the_partner_is_refused_the_referral_lists(client, pat):
    client.force_login(pat)
    assert client.get("/referrals/").status_code == 403
