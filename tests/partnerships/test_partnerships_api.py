"""The partnership API: /api/v1/sla-results/ (verify, dispute, resolve-dispute),
/api/v1/milestones/ (progress), /api/v1/escalations/, /api/v1/risks/ and
/api/v1/metrics/partnerships/{id}/. The same services and scopes as the pages: 403 for a
forbidden action, 404 outside scope, 409 on a stale version, DRF's error body.

Time is frozen on Saturday 15 November 2025, noon in London: September 2025 (2025-26-P06)
and October (P07) have ended, November (P08) has not.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.roles import Role
from partnerships.models import Escalation, Milestone, Risk, SlaResult
from partnerships.sla_results import services
from tests.factories import (
    EscalationFactory,
    MembershipFactory,
    MilestoneFactory,
    PartnershipFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
ON_TIME = datetime(2025, 10, 3, 9, tzinfo=LONDON)
LATE = datetime(2025, 10, 20, 9, tzinfo=LONDON)
P06, P07, P08 = "2025-26-P06", "2025-26-P07", "2025-26-P08"
RESULTS = "/api/v1/sla-results/"
MILESTONES = "/api/v1/milestones/"
ESCALATIONS = "/api/v1/escalations/"
RISKS = "/api/v1/risks/"
SERIOUS_NEEDS_COMMENTARY = (
    "Explain the serious failure: a result that misses the expected level needs commentary"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def availability(service, code: str, credit: str):
    """Higher is better: met from 99.5, minor failure from 98, serious below 98."""
    return SlaFactory(
        service=service,
        code=code,
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal(credit),
    )


@pytest.fixture
def other_partnership(council):
    return PartnershipFactory(council=council, name="Waste Services Partnership")


@pytest.fixture
def quinn(other_partnership):
    """The partner manager of the other partnership."""
    user = UserFactory(username="quinn")
    MembershipFactory(user=user, role=Role.PARTNER, department=None, partnership=other_partnership)
    return user


@pytest.fixture
def world(partnership, other_partnership, housing, finance):
    """pat's partnership: Desktop (serves Housing; DT-01 4%, DT-02 3%) and Network (serves
    Finance; NW-01 5%). The other partnership: Waste (serves Housing; WS-01) and Fleet
    (serves Finance; FL-01). September results for all five; September, by hand:

    pat's partnership: DT-01 99.7 met, DT-02 97.0 serious (3% of £118,000.00 = £3,540.00),
    NW-01 99.9 met but late. SLA 100 × 2 ÷ 3 = 66.7; credits 100 × (1 − 3,540 ÷ (17,700 +
    5,000)) = 84.4; no milestones due; no escalation or risk: 100.0; timely 2 of 3 = 66.7.
    Score (40 × 66.7 + 20 × 84.4 + 15 × 100 + 10 × 66.7) ÷ 85 = (2668 + 1688 + 1500 +
    667) ÷ 85 = 6523 ÷ 85 = 76.74... = 76.7, amber.
    """
    desktop = ServiceFactory(
        partnership=partnership,
        code="desktop",
        name="Desktop",
        monthly_charge=Decimal("118000.00"),
        credit_cap_percent=Decimal("15"),
    )
    desktop.departments.set([housing])
    network = ServiceFactory(
        partnership=partnership,
        code="network",
        name="Network",
        monthly_charge=Decimal("50000.00"),
        credit_cap_percent=Decimal("10"),
    )
    network.departments.set([finance])
    waste = ServiceFactory(partnership=other_partnership, code="waste", name="Waste")
    waste.departments.set([housing])
    fleet = ServiceFactory(partnership=other_partnership, code="fleet", name="Fleet")
    fleet.departments.set([finance])
    slas = {
        "DT-01": availability(desktop, "DT-01", "4"),
        "DT-02": availability(desktop, "DT-02", "3"),
        "NW-01": availability(network, "NW-01", "5"),
        "WS-01": availability(waste, "WS-01", "4"),
        "FL-01": availability(fleet, "FL-01", "4"),
    }
    values = {"DT-01": "99.7", "DT-02": "97.0", "NW-01": "99.9", "WS-01": "99.9", "FL-01": "99.9"}
    results = {
        code: SlaResultFactory(
            sla=sla,
            period=P06,
            reported_value=Decimal(values[code]),
            commentary="Outage" if code == "DT-02" else "",
            entered_at=LATE if code == "NW-01" else ON_TIME,
        )
        for code, sla in slas.items()
    }
    return {"slas": slas, "results": results}


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _codes(body) -> set[str]:
    return {row["sla_code"] for row in body["results"]}


# --- reading SLA results -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "codes"),
    [
        ("pat", {"DT-01", "DT-02", "NW-01"}),
        ("quinn", {"WS-01", "FL-01"}),
        # Housing depends on Desktop and Waste and sees their health on its dashboard;
        # the results themselves are the partnerships' records, as on the results page.
        ("alice", set()),
        ("sam", {"DT-01", "DT-02", "NW-01", "WS-01", "FL-01"}),
        ("audrey", {"DT-01", "DT-02", "NW-01", "WS-01", "FL-01"}),
    ],
)
def test_the_results_list_is_scoped(request, client, world, who, codes):
    client.force_login(request.getfixturevalue(who))

    body = client.get(RESULTS).json()

    assert body["count"] == len(codes)
    assert _codes(body) == codes


def test_a_result_carries_its_outcome_and_figure_in_force(client, pat, world):
    client.force_login(pat)
    dt02 = world["results"]["DT-02"]

    body = client.get(f"{RESULTS}{dt02.pk}/").json()

    assert {k: body[k] for k in ("sla_code", "period", "reported_value", "agreed_value")} == {
        "sla_code": "DT-02",
        "period": P06,
        "reported_value": "97.0000",
        "agreed_value": None,
    }
    assert (body["value_in_force"], body["outcome"], body["disputed"]) == (
        "97.0000",
        "serious",
        False,
    )
    assert (body["verification"], body["version"]) == ("unverified", 1)


def test_a_result_outside_scope_is_not_found(client, quinn, world):
    client.force_login(quinn)

    assert client.get(f"{RESULTS}{world['results']['DT-01'].pk}/").status_code == 404


def test_the_results_list_filters_by_partnership_and_period(client, sam, world, partnership):
    client.force_login(sam)
    SlaResultFactory(sla=world["slas"]["DT-01"], period=P07, entered_at=ON_TIME)

    by_partnership = client.get(RESULTS, {"partnership": partnership.pk}).json()
    by_period = client.get(RESULTS, {"period": P07}).json()

    assert _codes(by_partnership) == {"DT-01", "DT-02", "NW-01"}
    assert by_partnership["count"] == 4
    assert [(r["sla_code"], r["period"]) for r in by_period["results"]] == [("DT-01", P07)]


# --- entering SLA results ----------------------------------------------------------------


def test_the_partner_enters_a_result(client, pat, world):
    client.force_login(pat)

    response = _post(
        client,
        RESULTS,
        {
            "sla": world["slas"]["DT-02"].pk,
            "period": P07,
            "value": "96.5",
            "commentary": "Storage array failed",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["sla_code"], body["period"], body["outcome"], body["version"]) == (
        "DT-02",
        P07,
        "serious",
        1,
    )
    stored = SlaResult.objects.get(pk=body["id"])
    assert (stored.reported_value, stored.entered_by) == (Decimal("96.5"), pat)
    last = stored.history.latest()
    assert (last.history_user, last.history_change_reason) == (pat, "Entered")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"period": P07, "value": "96.5"},
            {"commentary": [SERIOUS_NEEDS_COMMENTARY]},
        ),
        (
            {"period": P08, "value": "99.9"},
            {"period": ["November 2025 (P08 2025/26) has not ended yet"]},
        ),
        (
            {"period": "2025-26-Q2", "value": "99.9"},
            {"period": ["SLA results are monthly: use a month such as 2025-26-P06"]},
        ),
        ({"period": P07, "value": "-3"}, {"value": ["The result cannot be negative"]}),
        (
            {"period": P07, "value": "lots"},
            {"value": ["Enter the result as a number, like 99.5"]},
        ),
    ],
)
def test_a_refused_result_answers_400_with_the_field_and_message(client, pat, world, data, errors):
    client.force_login(pat)

    response = _post(client, RESULTS, {"sla": world["slas"]["DT-01"].pk, **data})

    assert response.status_code == 400
    assert response.json() == errors
    assert not SlaResult.objects.filter(period__in=[P07, P08, "2025-26-Q2"]).exists()


def test_missing_fields_answer_400(client, pat, world):
    client.force_login(pat)

    response = _post(client, RESULTS, {})

    assert response.status_code == 400
    assert response.json() == {
        "sla": ["This field is required."],
        "period": ["This field is required."],
        "value": ["This field is required."],
    }


def test_another_partnerships_sla_is_unknown_to_the_partner(client, pat, world):
    client.force_login(pat)
    fleet = world["slas"]["FL-01"]

    response = _post(client, RESULTS, {"sla": fleet.pk, "period": P07, "value": "99.9"})

    assert response.status_code == 400
    assert response.json() == {"sla": [f'Invalid pk "{fleet.pk}" - object does not exist.']}


@pytest.mark.parametrize("who", ["sam", "audrey", "alice"])
def test_only_the_partner_enters_results(request, client, world, who):
    client.force_login(request.getfixturevalue(who))

    response = _post(
        client, RESULTS, {"sla": world["slas"]["DT-01"].pk, "period": P07, "value": "99.9"}
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the partner's contract manager enters SLA results."}
    assert not SlaResult.objects.filter(period=P07).exists()


def test_the_partner_corrects_with_the_current_version(client, pat, world):
    client.force_login(pat)
    dt01 = world["results"]["DT-01"]

    response = _post(
        client,
        RESULTS,
        {"sla": dt01.sla_id, "period": P06, "value": "99.8", "version": 1},
    )

    assert response.status_code == 201
    assert (response.json()["id"], response.json()["version"]) == (dt01.pk, 2)
    assert response.json()["reported_value"] == "99.8000"


def test_a_verified_result_cannot_be_changed_by_the_partner(client, pat, sam, world):
    client.force_login(pat)
    dt01 = world["results"]["DT-01"]
    services.verify_sla_result(result=dt01, actor=sam)

    response = _post(client, RESULTS, {"sla": dt01.sla_id, "period": P06, "value": "99.9"})

    assert response.status_code == 400
    assert response.json() == {
        "value": ["This result is verified: it can no longer be changed by the partner"]
    }


# --- verifying, disputing, resolving -----------------------------------------------------


def _action(result, name: str) -> str:
    return f"{RESULTS}{result.pk}/{name}/"


def test_smt_verifies_a_result(client, sam, world):
    client.force_login(sam)
    dt01 = world["results"]["DT-01"]

    response = _post(client, _action(dt01, "verify"), {"version": 1})

    assert response.status_code == 200
    body = response.json()
    assert (body["verification"], body["verified_by"], body["version"]) == (
        "verified",
        sam.pk,
        2,
    )


def test_smt_disputes_and_resolves_with_an_agreed_figure(client, sam, world):
    client.force_login(sam)
    dt02 = world["results"]["DT-02"]

    disputed = _post(client, _action(dt02, "dispute"), {"reason": "Logs show 98.6", "version": 1})
    resolved = _post(
        client,
        _action(dt02, "resolve-dispute"),
        {"reason": "Agreed at the meeting", "agreed_value": "98.6", "version": 2},
    )

    assert disputed.status_code == 200
    assert (disputed.json()["disputed"], disputed.json()["outcome"]) == (True, "serious")
    assert disputed.json()["dispute_reason"] == "Logs show 98.6"
    assert resolved.status_code == 200
    body = resolved.json()
    assert (body["verification"], body["agreed_value"], body["value_in_force"]) == (
        "resolved",
        "98.6000",
        "98.6000",
    )
    assert (body["outcome"], body["disputed"], body["version"]) == ("minor", False, 3)
    assert body["resolution_reason"] == "Agreed at the meeting"


def test_smt_resolves_by_confirming_the_partners_figure(client, sam, world):
    client.force_login(sam)
    dt02 = world["results"]["DT-02"]
    _post(client, _action(dt02, "dispute"), {"reason": "Logs show 98.6"})

    response = _post(client, _action(dt02, "resolve-dispute"), {"reason": "Logs agree"})

    assert response.status_code == 200
    assert (response.json()["agreed_value"], response.json()["outcome"]) == (None, "serious")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"reason": ["This field is required."]}),
        ({"reason": "  "}, {"reason": ["This field may not be blank."]}),
    ],
)
def test_a_dispute_needs_a_reason(client, sam, world, data, errors):
    client.force_login(sam)

    response = _post(client, _action(world["results"]["DT-01"], "dispute"), data)

    assert response.status_code == 400
    assert response.json() == errors


def test_resolving_an_undisputed_result_answers_400(client, sam, world):
    client.force_login(sam)

    response = _post(
        client, _action(world["results"]["DT-01"], "resolve-dispute"), {"reason": "Agreed"}
    )

    assert response.status_code == 400
    assert response.json() == {"verification": ["Only a disputed result can be resolved."]}


@pytest.mark.parametrize(("who", "status"), [("pat", 403), ("audrey", 403), ("alice", 404)])
def test_only_smt_verifies_disputes_and_resolves(request, client, sam, world, who, status):
    client.force_login(request.getfixturevalue(who))
    dt01 = world["results"]["DT-01"]

    verify = _post(client, _action(dt01, "verify"), {"version": 1})
    dispute = _post(client, _action(dt01, "dispute"), {"reason": "No"})
    services.dispute_sla_result(result=dt01, actor=sam, reason="Check")
    resolve = _post(client, _action(dt01, "resolve-dispute"), {"reason": "Agreed"})

    assert [verify.status_code, dispute.status_code, resolve.status_code] == [status] * 3
    dt01.refresh_from_db()
    assert (dt01.verification, dt01.version) == ("disputed", 2)


def test_verifying_a_result_outside_scope_is_not_found(client, quinn, world):
    client.force_login(quinn)

    response = _post(client, _action(world["results"]["DT-01"], "verify"), {"version": 1})

    assert response.status_code == 404


# --- milestones --------------------------------------------------------------------------


@pytest.fixture
def milestones(partnership, other_partnership):
    return {
        "ours": MilestoneFactory(
            partnership=partnership, title="Data centre migration", due_date=date(2025, 9, 30)
        ),
        "theirs": MilestoneFactory(
            partnership=other_partnership, title="Fleet telematics", due_date=date(2025, 12, 1)
        ),
    }


@pytest.mark.parametrize(
    ("who", "titles"),
    [
        ("pat", ["Data centre migration"]),
        ("quinn", ["Fleet telematics"]),
        ("alice", []),
        ("sam", ["Data centre migration", "Fleet telematics"]),
        ("audrey", ["Data centre migration", "Fleet telematics"]),
    ],
)
def test_the_milestones_list_is_scoped(request, client, milestones, who, titles):
    client.force_login(request.getfixturevalue(who))

    body = client.get(MILESTONES).json()

    assert sorted(row["title"] for row in body["results"]) == titles


def test_a_milestone_past_its_due_date_is_late(client, pat, milestones):
    client.force_login(pat)

    body = client.get(f"{MILESTONES}{milestones['ours'].pk}/").json()

    assert (body["due_date"], body["delivered_date"], body["late"]) == ("2025-09-30", None, True)


def test_the_partner_records_progress(client, pat, milestones):
    client.force_login(pat)
    ours = milestones["ours"]

    response = _post(
        client,
        f"{MILESTONES}{ours.pk}/progress/",
        {"state": "delivered", "delivered_date": "2025-10-06"},
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["delivered_date"]) == (
        "delivered",
        "2025-10-06",
    )
    assert response.json()["late"] is True
    ours.refresh_from_db()
    assert ours.state == "delivered"
    last = Milestone.history.filter(id=ours.pk).latest()
    assert (last.history_user, last.history_change_reason) == (pat, "Progress: Delivered")


def test_progress_with_a_future_delivery_date_answers_400(client, pat, milestones):
    client.force_login(pat)

    response = _post(
        client,
        f"{MILESTONES}{milestones['ours'].pk}/progress/",
        {"state": "delivered", "delivered_date": "2025-11-20"},
    )

    assert response.status_code == 400
    assert response.json() == {"delivered_date": ["The delivery date cannot be in the future"]}


@pytest.mark.parametrize(("who", "status"), [("sam", 403), ("audrey", 403), ("quinn", 404)])
def test_only_the_partner_records_progress(request, client, milestones, who, status):
    client.force_login(request.getfixturevalue(who))

    response = _post(
        client, f"{MILESTONES}{milestones['ours'].pk}/progress/", {"state": "in_progress"}
    )

    assert response.status_code == status
    milestones["ours"].refresh_from_db()
    assert milestones["ours"].state == "planned"


# --- escalations and risks ---------------------------------------------------------------


def _escalation(partnership, **overrides) -> dict:
    return {
        "partnership": partnership.pk,
        "title": "Repeated network outages at depots",
        "severity": "high",
        "owner": "Head of ICT client",
        "raised_on": "2025-11-10",
        **overrides,
    }


def _risk(partnership, **overrides) -> dict:
    return {
        "partnership": partnership.pk,
        "title": "Key supplier staff turnover",
        "likelihood": 3,
        "impact": 5,
        "owner": "Partner account director",
        "raised_on": "2025-11-10",
        **overrides,
    }


@pytest.mark.parametrize("who", ["sam", "pat"])
def test_smt_and_the_partner_raise_escalations_and_risks(request, client, partnership, who):
    actor = request.getfixturevalue(who)
    client.force_login(actor)

    escalation = _post(client, ESCALATIONS, _escalation(partnership))
    risk = _post(client, RISKS, _risk(partnership))

    assert (escalation.status_code, risk.status_code) == (201, 201)
    assert (escalation.json()["raised_by"], escalation.json()["state"]) == (actor.pk, "open")
    assert (risk.json()["score"], risk.json()["raised_by"]) == (15, actor.pk)
    stored = Escalation.objects.get(pk=escalation.json()["id"])
    last = stored.history.latest()
    assert (last.history_user, last.history_change_reason) == (actor, "Raised")


@pytest.mark.parametrize("who", ["audrey", "alice"])
def test_auditors_and_officers_may_not_raise_records(request, client, partnership, who):
    client.force_login(request.getfixturevalue(who))

    escalation = _post(client, ESCALATIONS, _escalation(partnership))
    risk = _post(client, RISKS, _risk(partnership))

    assert (escalation.status_code, risk.status_code) == (403, 403)
    assert not Escalation.objects.exists()
    assert not Risk.objects.exists()


@pytest.mark.parametrize("who", ["audrey", "alice", "pat"])
def test_the_permission_is_asked_before_the_body_is_read(
    request, client, partnership, other_partnership, who
):
    # As on the records page: one without the role is told so, not what is wrong with
    # the form (pat manages their own partnership's records, not the other's).
    client.force_login(request.getfixturevalue(who))
    target = other_partnership if who == "pat" else partnership
    escalation = EscalationFactory(partnership=target, severity="medium")

    raised = _post(client, ESCALATIONS, _escalation(target, severity="urgent"))
    risk = _post(client, RISKS, _risk(target, likelihood=6))
    updated = _patch(client, f"{ESCALATIONS}{escalation.pk}/", {"severity": "urgent"})

    assert (raised.status_code, risk.status_code) == (403, 403)
    # Updating a record one cannot see is a 404 first; the auditor sees it and is refused.
    assert updated.status_code == (403 if who == "audrey" else 404)


def test_the_partner_may_not_raise_a_record_for_another_partnership(client, pat, other_partnership):
    client.force_login(pat)

    response = _post(client, ESCALATIONS, _escalation(other_partnership))

    assert response.status_code == 403
    assert not Escalation.objects.exists()


def test_smt_and_the_partner_update_a_record(client, sam, pat, partnership):
    escalation = EscalationFactory(partnership=partnership, severity="medium")
    risk = RiskFactory(partnership=partnership, raised_on=date(2025, 6, 1))

    client.force_login(pat)
    raised = _patch(client, f"{ESCALATIONS}{escalation.pk}/", {"severity": "high"})
    client.force_login(sam)
    resolved = _patch(
        client,
        f"{RISKS}{risk.pk}/",
        {"state": "resolved", "resolution": "Retention bonus agreed"},
    )

    assert raised.status_code == 200
    assert raised.json()["severity"] == "high"
    assert resolved.status_code == 200
    assert (resolved.json()["state"], resolved.json()["resolved_on"]) == (
        "resolved",
        "2025-11-15",
    )
    last = Risk.history.filter(id=risk.pk).latest()
    assert (last.history_user, last.history_change_reason) == (sam, "Updated")


@pytest.mark.parametrize(("who", "status"), [("audrey", 403), ("alice", 404), ("quinn", 404)])
def test_others_may_not_update_a_record(request, client, partnership, who, status):
    escalation = EscalationFactory(partnership=partnership, severity="medium")
    client.force_login(request.getfixturevalue(who))

    response = _patch(client, f"{ESCALATIONS}{escalation.pk}/", {"severity": "low"})

    assert response.status_code == status
    escalation.refresh_from_db()
    assert escalation.severity == "medium"


@pytest.mark.parametrize(
    ("url", "data", "errors"),
    [
        (
            ESCALATIONS,
            {"state": "resolved", "resolved_on": "2025-11-01"},
            {"resolved_on": ["The resolved date cannot be before the raised date."]},
        ),
        (ESCALATIONS, {"severity": "urgent"}, {"severity": ['"urgent" is not a valid choice.']}),
        (
            RISKS,
            {"likelihood": 6},
            {"likelihood": ["Ensure this value is less than or equal to 5."]},
        ),
    ],
)
def test_a_bad_record_answers_400_with_the_field(client, sam, partnership, url, data, errors):
    client.force_login(sam)
    body = (_escalation if url == ESCALATIONS else _risk)(partnership, **data)

    response = _post(client, url, body)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("who", "titles"),
    [("pat", ["Ours"]), ("quinn", ["Theirs"]), ("alice", []), ("audrey", ["Ours", "Theirs"])],
)
def test_escalations_and_risks_lists_are_scoped(
    request, client, partnership, other_partnership, who, titles
):
    for owner, title in ((partnership, "Ours"), (other_partnership, "Theirs")):
        EscalationFactory(partnership=owner, title=title)
        RiskFactory(partnership=owner, title=title)
    client.force_login(request.getfixturevalue(who))

    for url in (ESCALATIONS, RISKS):
        assert sorted(r["title"] for r in client.get(url).json()["results"]) == titles


# --- metrics -----------------------------------------------------------------------------


def _metrics_url(partnership, period=P06) -> str:
    return f"/api/v1/metrics/partnerships/{partnership.pk}/" + (
        f"?period={period}" if period else ""
    )


@pytest.mark.parametrize("who", ["sam", "pat", "audrey"])
def test_the_metrics_equal_the_pages_figures(request, client, partnership, world, who):
    client.force_login(request.getfixturevalue(who))

    body = client.get(_metrics_url(partnership)).json()
    page = client.get(f"/partnerships/{partnership.pk}/?period={P06}")

    health = page.context["health"]
    # The worked example of the fixture: 76.7, amber; £3,540.00 this month and this year.
    assert (body["partnership"], body["period"], body["score"], body["rag"]) == (
        partnership.pk,
        P06,
        "76.7",
        "amber",
    )
    assert Decimal(body["score"]) == health.score
    assert [
        (c["key"], c["score"], c["weight"], c["effective_weight"]) for c in body["components"]
    ] == [
        ("sla", "66.7", 40, "47.1"),
        ("credits", "84.4", 20, "23.5"),
        ("milestones", None, 15, "0.0"),
        ("escalations", "100.0", 15, "17.6"),
        ("timely", "66.7", 10, "11.8"),
    ]
    assert [
        (
            c["key"],
            None if c["score"] is None else Decimal(c["score"]),
            Decimal(c["effective_weight"]),
            c["detail"],
        )
        for c in body["components"]
    ] == [(c.key, c.score, c.effective_weight, c.detail) for c in health.components]
    assert (body["credits"], body["credits_year_to_date"]) == ("3540.00", "3540.00")
    assert Decimal(body["credits"]) == health.credits
    assert Decimal(body["credits_year_to_date"]) == page.context["credits_ytd"]
    by_service = {s["service"]: s for s in body["services"]}
    for service, month, _ in page.context["service_rows"]:
        api = by_service[service.pk]
        assert Decimal(api["credits"]) == month.credits
        assert (None if api["health"] is None else Decimal(api["health"])) == month.health
        assert api["credit_rule"] == month.credit_rule


def test_the_metrics_of_the_desktop_service(client, sam, partnership, world):
    client.force_login(sam)

    body = client.get(_metrics_url(partnership)).json()

    desktop = next(s for s in body["services"] if s["credits"] != "0.00")
    # DT-01 met, DT-02 serious: health 50.0 red; 3% of £118,000.00 = £3,540.00.
    assert {
        k: desktop[k]
        for k in ("expected", "entered", "met", "serious", "health", "rag", "credits", "cap")
    } == {
        "expected": 2,
        "entered": 2,
        "met": 1,
        "serious": 1,
        "health": "50.0",
        "rag": "red",
        "credits": "3540.00",
        "cap": "17700.00",
    }
    assert desktop["capped"] is False


@pytest.mark.parametrize("who", ["quinn", "alice"])
def test_the_metrics_are_not_found_outside_scope(request, client, partnership, world, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(_metrics_url(partnership))

    assert response.status_code == 404


@pytest.mark.parametrize("period", ["bad", "2025-26-Q2"])
def test_the_metrics_of_a_bad_period_answer_400(client, sam, partnership, period):
    client.force_login(sam)

    response = client.get(_metrics_url(partnership, period))

    assert response.status_code == 400
    assert list(response.json()) == ["period"]


def test_the_metrics_default_to_the_latest_closed_month(client, sam, partnership, world):
    client.force_login(sam)

    assert client.get(_metrics_url(partnership, None)).json()["period"] == P07


# --- a fixed number of queries -----------------------------------------------------------


def _fill(partnership, department, size: int) -> None:
    services_ = [ServiceFactory(partnership=partnership) for _ in range(2)]
    for service in services_:
        service.departments.set([department])
    for n in range(size):
        sla = availability(services_[n % 2], f"Q{partnership.pk}-{n:02d}", "2")
        for period in (P06, P07):
            SlaResultFactory(sla=sla, period=period, entered_at=ON_TIME)
        MilestoneFactory(partnership=partnership)
        EscalationFactory(partnership=partnership)
        RiskFactory(partnership=partnership)


LISTS = [
    RESULTS,
    MILESTONES,
    ESCALATIONS,
    RISKS,
    "/api/v1/slas/",
    "/api/v1/services/",
    "/api/v1/partnerships/",
]


@pytest.mark.parametrize("who", ["sam", "pat", "alice"])
def test_list_endpoints_make_the_same_number_of_queries_at_two_sizes(
    request, client, council, housing, partnership, who
):
    client.force_login(request.getfixturevalue(who))
    counts = []
    for size in (2, 10):
        # Each size in a fresh set of rows for pat's partnership and another one.
        SlaResult.objects.all().delete()
        _fill(partnership, housing, size)
        _fill(PartnershipFactory(council=council), housing, size)
        sizes = {}
        for url in LISTS:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, {"page_size": 500})
            assert response.status_code == 200
            sizes[url] = len(captured)
        counts.append(sizes)

    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2025-11-09T23:30:00Z", date(2025, 11, 9)),  # GMT: 23:30 in London too
        ("2025-11-09T23:30:00-01:00", date(2025, 11, 10)),  # 00:30 on the 10th in London
        ("10/11/2025", date(2025, 11, 10)),
    ],
)
def test_record_dates_are_read_by_the_one_london_date_rule(
    client, sam, partnership, written, stored
):
    client.force_login(sam)

    escalation = _post(client, ESCALATIONS, _escalation(partnership, raised_on=written))
    risk = _post(client, RISKS, _risk(partnership, raised_on=written))

    assert (escalation.status_code, risk.status_code) == (201, 201), risk.content
    assert Escalation.objects.get().raised_on == stored
    assert Risk.objects.get().raised_on == stored


def test_a_stale_sla_result_write_answers_409(client, pat, sam, partnership):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    result = services.enter_sla_result(sla=sla, period_key="2025-26-P06", actor=pat, value="99.7")
    client.force_login(sam)
    response = client.post(
        f"/api/v1/sla-results/{result.pk}/verify/", {"version": 7}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 1
