"""The returns API (/api/v1/returns/ and /api/v1/periods/{key}/...): the same services and
scope as the pages, with DRF's error body, 409 on a stale version, 403 and 404 by role.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026
(2026-27-P07) is the latest closed month, November (2026-27-P08) has not ended.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import KpiReturn, PeriodSignOff, ReturnState
from departments.returns.services import approve_return, save_return
from departments.returns.sign_off import sign_off_period
from tests.factories import IndicatorFactory, TargetFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = "2026-27-P07"
OCTOBER = "October 2026 (P07 2026/27)"
RETURNS = "/api/v1/returns/"
RED = {
    "commentary": ["Explain why the result is red: a red return needs commentary"],
    "improvement_action": [
        "Say what will be done about it: a red return needs an improvement action"
    ],
}
NOT_APPROVER = "Only the department's head of service or SMT can approve it."
OWN = "You cannot approve a return you submitted yourself."


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW):
        yield


@pytest.fixture(autouse=True)
def names(harriet):
    harriet.first_name, harriet.last_name = "Harriet", "Hughes"
    harriet.save()


@pytest.fixture
def indicator(housing):
    indicator = IndicatorFactory(
        department=housing, code="LPI-HOU-03", title="Homelessness cases prevented"
    )
    TargetFactory(
        indicator=indicator, financial_year=2026, annual_value=Decimal("90"), tolerance=Decimal("5")
    )
    return indicator


@pytest.fixture
def finance_indicator(finance):
    return IndicatorFactory(department=finance, code="BV8", title="Invoices paid on time")


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _put(client, url, data):
    return client.put(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _submitted(indicator, actor, value="91.5", period=P07, **kwargs):
    return save_return(
        indicator=indicator, period_key=period, actor=actor, value=value, submit=True, **kwargs
    )


def _snapshot() -> tuple:
    """Every return's state, version and figures, with the history and sign-off counts."""
    return (
        list(
            KpiReturn.objects.order_by("pk").values_list(
                "pk", "state", "version", "value", "commentary", "sent_back_reason"
            )
        ),
        KpiReturn.history.count(),
        PeriodSignOff.objects.count(),
    )


# --- reading -----------------------------------------------------------------------------


@pytest.fixture
def five_returns(housing, indicator, finance_indicator, alice, bob):
    """Housing: LPI-HOU-03 in P05, P06 (drafts) and P07 (submitted), LPI-HOU-05 in P07
    (draft); Finance: BV8 in P07 (submitted)."""
    other = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    save_return(indicator=indicator, period_key="2026-27-P05", actor=alice, value="88.0")
    save_return(indicator=indicator, period_key="2026-27-P06", actor=alice, value="89.0")
    _submitted(indicator, alice)
    save_return(indicator=other, period_key=P07, actor=alice, value="70.0")
    _submitted(finance_indicator, bob, value="97.0")
    return other


def _codes_and_periods(body) -> list[tuple[str, str]]:
    return [(r["indicator_code"], r["period"]) for r in body["results"]]


def test_the_list_is_scoped_and_paginated(client, alice, five_returns):
    client.force_login(alice)

    first = client.get(RETURNS, {"page_size": 3}).json()

    assert first["count"] == 4
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/returns/?page=2&page_size=3"
    assert _codes_and_periods(first) == [
        ("LPI-HOU-03", P07),
        ("LPI-HOU-05", P07),
        ("LPI-HOU-03", "2026-27-P06"),
    ]
    second = client.get(first["next"]).json()
    assert _codes_and_periods(second) == [("LPI-HOU-03", "2026-27-P05")]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/returns/?page_size=3"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the plan is PostgreSQL's; SQLite plans otherwise"
)
def test_a_page_of_the_list_reads_the_newest_periods_through_their_index(client, sam, five_returns):
    """The list's order, newest period first then by code, is read backwards through the
    index on the period's start and sorted a period at a time (PostgreSQL's incremental
    sort), not by sorting every return of every year: a page costs the same with 90,000
    returns as with five. Sequential scans are switched off, as the planner prefers them
    for five rows."""
    client.force_login(sam)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(RETURNS, {"page_size": 3}).status_code == 200
    (listed,) = [q["sql"] for q in queries if 'ORDER BY "departments_kpireturn"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {listed}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "Index Scan Backward using return_newest_first" in plan
    assert "Incremental Sort" in plan


def test_each_listed_return_is_rated_on_its_own_years_target_in_a_fixed_number_of_queries(
    client, alice, indicator, five_returns
):
    # 89.0 is red against 2025/26's target (95, amber down to 90) and amber against
    # 2026/27's (90, amber down to 85).
    TargetFactory(
        indicator=indicator, financial_year=2025, annual_value=Decimal("95"), tolerance=Decimal("5")
    )
    save_return(indicator=indicator, period_key="2025-26-P12", actor=alice, value="89.0")
    client.force_login(alice)
    client.get(RETURNS)  # the session and scope, outside the count

    with CaptureQueriesContext(connection) as queries:
        body = client.get(RETURNS, {"indicator": indicator.pk}).json()

    assert [(r["period"], Decimal(r["value"]), r["rag"]) for r in body["results"]] == [
        (P07, Decimal("91.5"), "green"),
        ("2026-27-P06", Decimal("89.0"), "amber"),
        ("2026-27-P05", Decimal("88.0"), "amber"),
        ("2025-26-P12", Decimal("89.0"), "red"),
    ]
    with CaptureQueriesContext(connection) as fewer:
        client.get(RETURNS, {"indicator": indicator.pk, "period": P07})
    assert len(queries) == len(fewer)


def test_a_listed_return_carries_its_figures_state_and_rag(client, alice, indicator, five_returns):
    client.force_login(alice)

    [row] = client.get(RETURNS, {"period": P07, "indicator": indicator.pk}).json()["results"]

    kpi_return = KpiReturn.objects.get(indicator=indicator, period=P07)
    assert row["id"] == kpi_return.pk
    assert row["department"] == indicator.department_id
    assert row["period_start"] == "2026-10-01"
    assert row["period_end"] == "2026-10-31"
    assert row["financial_year"] == 2026
    assert Decimal(row["value"]) == Decimal("91.5")
    assert (row["state"], row["version"], row["rag"]) == ("submitted", 1, "green")
    assert row["submitted_by"] == alice.pk


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"period": P07}, [("LPI-HOU-03", P07), ("LPI-HOU-05", P07)]),
        (
            {"financial_year": 2026, "state": "draft"},
            [
                ("LPI-HOU-05", P07),
                ("LPI-HOU-03", "2026-27-P06"),
                ("LPI-HOU-03", "2026-27-P05"),
            ],
        ),
        ({"financial_year": 2025}, []),
        ({"state": "submitted"}, [("LPI-HOU-03", P07)]),
        ({"indicator": "other"}, [("LPI-HOU-05", P07)]),
        (
            {"department": "housing"},
            [
                ("LPI-HOU-03", P07),
                ("LPI-HOU-05", P07),
                ("LPI-HOU-03", "2026-27-P06"),
                ("LPI-HOU-03", "2026-27-P05"),
            ],
        ),
        ({"department": "finance"}, []),  # outside alice's scope: nothing, never a leak
        # The page's vocabulary: against the deadline (20 November for October), by the
        # one rule; a draft past it is missing, a return nobody began is no stored row.
        (
            {"state": "missing"},
            [
                ("LPI-HOU-05", P07),
                ("LPI-HOU-03", "2026-27-P06"),
                ("LPI-HOU-03", "2026-27-P05"),
            ],
        ),
        ({"state": "late"}, [("LPI-HOU-03", P07)]),
        ({"state": "on_time"}, []),
        ({"state": "not_started"}, []),
    ],
)
def test_the_list_filters(client, alice, housing, finance, five_returns, query, expected):
    ids = {"other": five_returns.pk, "housing": housing.pk, "finance": finance.pk}
    query = {key: ids.get(value, value) for key, value in query.items()}
    client.force_login(alice)

    response = client.get(RETURNS, query)

    assert response.status_code == 200
    assert _codes_and_periods(response.json()) == expected


def test_a_period_that_is_no_period_key_answers_400_with_the_pages_message(
    client, alice, five_returns
):
    client.force_login(alice)

    response = client.get(RETURNS, {"period": "2026-27-P13"})

    assert response.status_code == 400
    assert response.json() == {
        "period": [
            "'2026-27-P13' is not a period key: expected a financial year such as 2025-26, "
            "a month such as 2025-26-P06 or a quarter such as 2025-26-Q2"
        ]
    }


def _housing_returns(housing, alice, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        indicator = IndicatorFactory(department=housing, code=f"LPI-HOU-{n:02d}", title=f"Ind {n}")
        TargetFactory(indicator=indicator, financial_year=2026)
        _submitted(indicator, alice, value=f"9{n % 10}.5")


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(RETURNS)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()["count"]


@pytest.mark.parametrize("persona", ["alice", "audrey"])
def test_the_list_makes_a_fixed_number_of_queries(request, client, alice, housing, persona):
    _housing_returns(housing, alice, 3)
    client.force_login(request.getfixturevalue(persona))
    client.get(RETURNS)  # warm caches (content types, sessions) once

    small, small_count = _list_queries(client)
    _housing_returns(housing, alice, 9, start=3)
    large, large_count = _list_queries(client)

    print(f"{RETURNS} as {persona}: {small} queries for {small_count}, {large} for {large_count}")
    assert (small_count, large_count) == (3, 12)
    assert small == large
    assert large <= 8


def test_smt_and_the_auditor_read_every_return(client, sam, audrey, five_returns):
    for reader in (sam, audrey):
        client.force_login(reader)
        body = client.get(RETURNS).json()
        assert body["count"] == KpiReturn.objects.count() == 5


def test_an_officer_gets_404_for_another_departments_return(client, alice, bob, finance_indicator):
    finance_return = _submitted(finance_indicator, bob)
    client.force_login(alice)
    url = f"{RETURNS}{finance_return.pk}/"
    before = _snapshot()

    assert client.get(url).status_code == 404
    assert _put(client, url, {"value": "1", "version": 1}).status_code == 404
    assert _patch(client, url, {"value": "1", "version": 1}).status_code == 404
    for action in ("submit", "approve", "send-back", "reopen"):
        assert _post(client, f"{url}{action}/", {"reason": "x"}).status_code == 404
    assert _snapshot() == before


def test_bob_gets_404_for_a_housing_return(client, alice, bob, indicator):
    housing_return = _submitted(indicator, alice)
    client.force_login(bob)
    assert client.get(f"{RETURNS}{housing_return.pk}/").status_code == 404
    assert _post(client, f"{RETURNS}{housing_return.pk}/approve/").status_code == 404


def test_an_officer_cannot_create_a_return_for_another_departments_indicator(
    client, alice, finance_indicator
):
    client.force_login(alice)
    response = _post(
        client, RETURNS, {"indicator": finance_indicator.pk, "period": P07, "value": "1"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "indicator": [f'Invalid pk "{finance_indicator.pk}" - object does not exist.']
    }
    assert KpiReturn.objects.count() == 0


# --- writing -----------------------------------------------------------------------------


def test_create_a_draft_then_put_and_patch_with_the_version(client, alice, indicator):
    client.force_login(alice)

    created = _post(client, RETURNS, {"indicator": indicator.pk, "period": P07, "value": "91.5"})

    assert created.status_code == 201
    body = created.json()
    assert (body["state"], body["version"], body["indicator_code"], body["rag"]) == (
        "draft",
        1,
        "LPI-HOU-03",
        "green",
    )
    assert Decimal(body["value"]) == Decimal("91.5")
    url = f"{RETURNS}{body['id']}/"

    put = _put(client, url, {"value": "92.0", "commentary": "Steady month", "version": 1})
    assert put.status_code == 200
    assert (put.json()["version"], put.json()["commentary"]) == (2, "Steady month")

    # PUT replaces the figures whole: the commentary not sent is cleared.
    replaced = _put(client, url, {"value": "92.0", "version": 2})
    assert (replaced.json()["version"], replaced.json()["commentary"]) == (3, "")

    # PATCH keeps what it does not name.
    patched = _patch(client, url, {"commentary": "Added later", "version": 3})
    assert patched.status_code == 200
    assert Decimal(patched.json()["value"]) == Decimal("92.0")
    assert (patched.json()["version"], patched.json()["commentary"]) == (4, "Added later")

    kpi_return = KpiReturn.objects.get()
    assert (kpi_return.value, kpi_return.commentary, kpi_return.version) == (
        Decimal("92.0"),
        "Added later",
        4,
    )
    assert [h.history_change_reason for h in kpi_return.history.order_by("history_date")] == [
        "Created",
        "Edited",
        "Edited",
        "Edited",
    ]


def test_patch_of_a_ratio_return_keeps_its_figures_and_derives_the_value(client, alice, housing):
    ratio = IndicatorFactory(
        department=housing, code="LPI-HOU-09", unit="percent", year_to_date="ratio"
    )
    client.force_login(alice)
    created = _post(
        client,
        RETURNS,
        {"indicator": ratio.pk, "period": P07, "numerator": "1", "denominator": "3"},
    ).json()
    assert Decimal(created["value"]) == Decimal("33.3")

    patched = _patch(client, f"{RETURNS}{created['id']}/", {"numerator": "5", "denominator": "16"})

    assert patched.status_code == 200
    assert Decimal(patched.json()["value"]) == Decimal("31.3")
    commentary = _patch(client, f"{RETURNS}{created['id']}/", {"commentary": "Noted"})
    assert commentary.status_code == 200
    assert Decimal(commentary.json()["value"]) == Decimal("31.3")


def test_a_stale_version_answers_409_with_what_changed(client, alice, harriet, indicator):
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    save_return(
        indicator=indicator,
        period_key=P07,
        actor=harriet,
        value="85",
        commentary="Corrected",
        expected_version=1,
    )
    client.force_login(alice)
    before = _snapshot()

    response = _put(client, f"{RETURNS}{kpi_return.pk}/", {"value": "93", "version": 1})

    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["detail"] == (
        "Someone else saved this return while you were editing it (now version 2); they "
        "changed value, commentary. Nothing of yours was saved: review their change and "
        "enter yours again."
    )
    assert [
        (c["field"], Decimal(c["old"]) if c["field"] == "value" else c["old"], c["by"])
        for c in body["changes"]
    ] == [("value", Decimal("91.5"), "Harriet Hughes"), ("commentary", "", "Harriet Hughes")]
    assert Decimal(body["changes"][0]["new"]) == Decimal("85")
    assert body["changes"][1]["new"] == "Corrected"
    assert body["changes"][0]["at"].startswith("2026-11-28T12:00")
    assert _snapshot() == before

    stale_submit = _post(client, f"{RETURNS}{kpi_return.pk}/submit/", {"version": 1})
    assert stale_submit.status_code == 409
    assert _snapshot() == before


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"period": "2026-27-P06"},
            {"period": ["A return's period cannot be changed; create a new return instead."]},
        ),
        (
            {"indicator": "other"},
            {"indicator": ["A return's indicator cannot be changed; create a new return instead."]},
        ),
    ],
)
def test_a_return_cannot_be_moved_to_another_period_or_indicator(
    client, alice, housing, indicator, method, change, errors
):
    other = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    change = {key: other.pk if value == "other" else value for key, value in change.items()}
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    client.force_login(alice)
    before = _snapshot()
    send = _put if method == "put" else _patch

    response = send(client, f"{RETURNS}{kpi_return.pk}/", {"value": "50", "version": 1, **change})

    assert (response.status_code, response.json()) == (400, errors)
    assert _snapshot() == before
    assert list(KpiReturn.objects.values_list("indicator", "period")) == [(indicator.pk, P07)]


def test_naming_the_returns_own_period_and_indicator_is_allowed(client, alice, indicator):
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    client.force_login(alice)

    response = _put(
        client,
        f"{RETURNS}{kpi_return.pk}/",
        {"indicator": indicator.pk, "period": P07, "value": "92.0", "version": 1},
    )

    assert response.status_code == 200
    assert (response.json()["period"], response.json()["version"]) == (P07, 2)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"value": "101"}, {"value": ["Value is a percentage and cannot be more than 100"]}),
        ({"value": "ninety"}, {"value": ["Value must be a number, like 92.5"]}),
        ({"value": "92.55"}, {"value": ["Value can have at most 1 decimal place for LPI-HOU-03"]}),
        ({"value": "80", "submit": True}, RED),
        (
            {"value": "91", "period": "2026-27-P08"},
            {
                "period": [
                    "November 2026 (P08 2026/27) has not ended yet: a return can be entered "
                    "once it has"
                ]
            },
        ),
        (
            {"value": "91", "period": "2026-27-Q3"},
            {"period": ["LPI-HOU-03 is reported monthly: use a period such as 2025-26-P06"]},
        ),
    ],
)
def test_validation_errors_answer_400_with_drfs_body(client, alice, indicator, data, errors):
    client.force_login(alice)

    response = _post(client, RETURNS, {"indicator": indicator.pk, "period": P07, **data})

    assert response.status_code == 400
    assert response.json() == errors
    assert (KpiReturn.objects.count(), KpiReturn.history.count()) == (0, 0)


def test_an_update_with_errors_stores_nothing(client, alice, indicator):
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    client.force_login(alice)
    before = _snapshot()

    response = _patch(
        client, f"{RETURNS}{kpi_return.pk}/", {"value": "80", "submit": True, "version": 1}
    )

    assert (response.status_code, response.json()) == (400, RED)
    assert _snapshot() == before


# --- workflow actions ------------------------------------------------------------------------


def test_submit_approve_send_back_through_the_actions(client, alice, harriet, indicator):
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    url = f"{RETURNS}{kpi_return.pk}/"
    client.force_login(alice)

    submitted = _post(client, f"{url}submit/", {"version": 1})
    assert submitted.status_code == 200
    assert (submitted.json()["state"], submitted.json()["version"]) == ("submitted", 2)

    client.force_login(harriet)
    no_reason = _post(client, f"{url}send-back/", {"version": 2})
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["This field is required."]}
    blank = _post(client, f"{url}send-back/", {"reason": " ", "version": 2})
    assert blank.status_code == 400
    assert KpiReturn.objects.get().state == ReturnState.SUBMITTED

    sent_back = _post(client, f"{url}send-back/", {"reason": "Add October's cases", "version": 2})
    assert sent_back.status_code == 200
    assert (sent_back.json()["state"], sent_back.json()["sent_back_reason"]) == (
        "sent_back",
        "Add October's cases",
    )

    client.force_login(alice)
    edited = _patch(client, url, {"value": "92.5", "version": 3})
    assert (edited.json()["state"], edited.json()["version"]) == ("sent_back", 4)
    assert _post(client, f"{url}submit/", {"version": 4}).json()["state"] == "submitted"

    client.force_login(harriet)
    approved = _post(client, f"{url}approve/", {"version": 5})
    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["approved_by"]) == ("approved", harriet.pk)


def test_a_red_draft_cannot_be_submitted_through_the_action(client, alice, indicator):
    kpi_return = save_return(indicator=indicator, period_key=P07, actor=alice, value="80")
    client.force_login(alice)

    response = _post(client, f"{RETURNS}{kpi_return.pk}/submit/")

    assert (response.status_code, response.json()) == (400, RED)
    assert KpiReturn.objects.get().state == ReturnState.DRAFT


def test_an_officer_cannot_approve(client, alice, harriet, indicator):
    kpi_return = _submitted(indicator, harriet)
    client.force_login(alice)

    response = _post(client, f"{RETURNS}{kpi_return.pk}/approve/")

    assert (response.status_code, response.json()) == (403, {"detail": NOT_APPROVER})
    assert KpiReturn.objects.get().state == ReturnState.SUBMITTED


def test_a_head_cannot_approve_their_own_submission(client, harriet, indicator):
    kpi_return = _submitted(indicator, harriet)
    client.force_login(harriet)

    response = _post(client, f"{RETURNS}{kpi_return.pk}/approve/", {"version": 1})

    assert (response.status_code, response.json()) == (403, {"detail": OWN})
    assert KpiReturn.objects.get().state == ReturnState.SUBMITTED


def test_an_auditor_with_a_stale_version_gets_403_not_409(client, alice, audrey, indicator):
    save_return(indicator=indicator, period_key=P07, actor=alice, value="91.5")
    kpi_return = _submitted(indicator, alice, expected_version=1)
    assert kpi_return.version == 2
    client.force_login(audrey)
    before = _snapshot()

    approve = _post(client, f"{RETURNS}{kpi_return.pk}/approve/", {"version": 1})
    send_back = _post(
        client, f"{RETURNS}{kpi_return.pk}/send-back/", {"reason": "No", "version": 1}
    )

    assert (approve.status_code, approve.json()) == (403, {"detail": NOT_APPROVER})
    assert send_back.status_code == 403
    assert send_back.json()["detail"].startswith(
        "Only the department's head of service or SMT can send it back"
    )
    assert _snapshot() == before


def test_smt_reopens_a_locked_return(client, alice, harriet, sam, indicator):
    kpi_return = approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    sign_off_period(period_key=P07, actor=sam)
    url = f"{RETURNS}{kpi_return.pk}/reopen/"

    client.force_login(harriet)
    assert _post(client, url, {"reason": "Typo"}).json() == {
        "detail": "Only SMT can reopen a locked return."
    }
    client.force_login(sam)
    assert _post(client, url, {}).json() == {"reason": ["This field is required."]}

    response = _post(client, url, {"reason": "The value was mistyped."})

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["sent_back_reason"]) == (
        "sent_back",
        "The value was mistyped.",
    )


# --- periods ---------------------------------------------------------------------------------


@pytest.fixture
def october(housing, finance, indicator, finance_indicator, alice, bob, harriet):
    """Housing: one approved, one submitted; Finance: one approved (by SMT)."""
    other = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    _submitted(other, alice)
    return other


def test_smt_signs_a_period_off_and_reopens_it(
    client, sam, housing, october, finance_indicator, bob
):
    finance_return = _submitted(finance_indicator, bob)
    approve_return(kpi_return=finance_return, actor=sam)
    client.force_login(sam)

    housing_only = _post(client, f"/api/v1/periods/{P07}/sign-off/", {"department": housing.pk})

    assert housing_only.status_code == 201
    assert housing_only.json() == {
        "period": P07,
        "department": housing.pk,
        "locked": 1,
        "not_signed_off": 1,
    }
    assert KpiReturn.objects.get(pk=finance_return.pk).state == ReturnState.APPROVED

    again = _post(client, f"/api/v1/periods/{P07}/sign-off/", {"department": housing.pk})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": f"{OCTOBER} is already signed off."},
    )

    council = _post(client, f"/api/v1/periods/{P07}/sign-off/")
    assert council.status_code == 201
    assert council.json() == {"period": P07, "department": None, "locked": 1, "not_signed_off": 1}
    assert KpiReturn.objects.get(pk=finance_return.pk).state == ReturnState.LOCKED

    no_reason = _post(client, f"/api/v1/periods/{P07}/reopen/", {})
    assert (no_reason.status_code, no_reason.json()) == (
        400,
        {"reason": ["Give the reason for reopening the period"]},
    )
    department_only = _post(
        client, f"/api/v1/periods/{P07}/reopen/", {"department": housing.pk, "reason": "Restated"}
    )
    assert department_only.status_code == 400
    assert department_only.json() == {
        "department": [
            f"{OCTOBER} is signed off for the whole council: reopen it for the council instead"
        ]
    }

    reopened = _post(client, f"/api/v1/periods/{P07}/reopen/", {"reason": "Restated"})

    assert (reopened.status_code, reopened.json()) == (
        200,
        {"period": P07, "department": None, "reopened": 2},
    )
    assert set(KpiReturn.objects.values_list("state", flat=True)) == {"approved", "submitted"}
    assert PeriodSignOff.objects.active().count() == 0


def test_a_period_that_has_not_ended_cannot_be_signed_off(client, sam):
    client.force_login(sam)

    response = _post(client, "/api/v1/periods/2026-27-P08/sign-off/")

    assert (response.status_code, response.json()) == (
        400,
        {"period": ["November 2026 (P08 2026/27) has not ended yet."]},
    )


@pytest.mark.parametrize("persona", ["alice", "harriet", "audrey", "pat"])
def test_only_smt_signs_off_and_reopens_periods(request, client, sam, persona, october):
    client.force_login(request.getfixturevalue(persona))

    signed = _post(client, f"/api/v1/periods/{P07}/sign-off/")
    assert (signed.status_code, signed.json()) == (
        403,
        {"detail": "Only SMT can sign a period off."},
    )
    sign_off_period(period_key=P07, actor=sam)
    reopened = _post(client, f"/api/v1/periods/{P07}/reopen/", {"reason": "Mine"})
    assert (reopened.status_code, reopened.json()) == (
        403,
        {"detail": "Only SMT can reopen a period."},
    )
    assert PeriodSignOff.objects.active().count() == 1


# --- the auditor reads everything and changes nothing --------------------------------------


def test_an_auditor_changes_nothing(
    client, alice, bob, harriet, sam, audrey, indicator, finance_indicator
):
    draft = save_return(indicator=indicator, period_key="2026-27-P06", actor=alice, value="89")
    submitted = _submitted(indicator, alice)
    locked = approve_return(kpi_return=_submitted(finance_indicator, bob), actor=sam)
    sign_off_period(period_key=P07, actor=sam, department=finance_indicator.department)
    locked.refresh_from_db()
    client.force_login(audrey)
    assert client.get(RETURNS).json()["count"] == KpiReturn.objects.count() == 3
    before = _snapshot()

    attempts = [
        _post(client, RETURNS, {"indicator": indicator.pk, "period": "2026-27-P05", "value": "90"}),
        _put(client, f"{RETURNS}{draft.pk}/", {"value": "90", "version": 1}),
        _patch(client, f"{RETURNS}{draft.pk}/", {"value": "90", "version": 1}),
        _post(client, f"{RETURNS}{draft.pk}/submit/", {"version": 1}),
        _post(client, f"{RETURNS}{submitted.pk}/approve/", {"version": 1}),
        _post(client, f"{RETURNS}{submitted.pk}/send-back/", {"reason": "No", "version": 1}),
        _post(client, f"{RETURNS}{locked.pk}/reopen/", {"reason": "No"}),
        _post(client, f"/api/v1/periods/{P07}/sign-off/"),
        _post(client, f"/api/v1/periods/{P07}/reopen/", {"reason": "No"}),
    ]

    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert client.delete(f"{RETURNS}{draft.pk}/").status_code == 405
    assert _snapshot() == before


# --- schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_returns_endpoints(client, alice):
    client.force_login(alice)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/v1/returns/{id}/submit/",
        "/api/v1/returns/{id}/approve/",
        "/api/v1/returns/{id}/send-back/",
        "/api/v1/returns/{id}/reopen/",
        "/api/v1/periods/{key}/sign-off/",
        "/api/v1/periods/{key}/reopen/",
    ):
        assert f"{path}:" in schema
    assert "'409':" in schema
