"""The role homes as to-do lists (issue 16, item 1): each list counted, each thing a link to
the page where it is done, cut to the user's scope; the API's ``GET /api/v1/home/`` gives
the same lists; the page's queries do not grow with the data.

Time is frozen on Friday 28 November 2025, noon in London. October 2025 (2025-26-P07) is
the latest closed month: its returns were due on Friday 21 November (15 working days
after 31 October), its SLA results on Friday 14 November (10 working days).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from departments.returns.services import approve_return
from departments.returns.sign_off import sign_off_period
from departments.roles import Role
from partnerships.models import Verification
from reporting.audit.sources import SOURCES
from reporting.models import EarlyWarning, ReportRun, WarningRule
from tests.factories import (
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    MilestoneFactory,
    PartnershipFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
P06, P07 = "2025-26-P06", "2025-26-P07"


def _rows(*, housing, finance, partnership, alice, bob, tag: str = "") -> dict:
    """One batch of work: Housing's four October returns (none, a draft, one submitted by
    alice, one sent back), Finance's one submitted by bob; September's SLA results (three
    awaiting verification, one disputed), October's none; three milestones of pat's
    partnership (late, due soon, far off) and one delivered; an open and an acknowledged
    warning; a report run."""
    made: dict = {}
    codes = [f"HOU{tag}-0{n}" for n in range(1, 5)]
    indicators = [IndicatorFactory(department=housing, code=code) for code in codes]
    for indicator in indicators:
        TargetFactory(indicator=indicator, financial_year=2025)
    KpiReturnFactory(indicator=indicators[1], period=P07, state="draft")
    made["submitted"] = KpiReturnFactory(
        indicator=indicators[2],
        period=P07,
        state="submitted",
        submitted_by=alice,
        submitted_at=datetime(2025, 11, 20, 10, tzinfo=LONDON),
    )
    made["sent_back"] = KpiReturnFactory(
        indicator=indicators[3],
        period=P07,
        state="sent_back",
        sent_back_reason="The figure is last year's: check it",
    )
    fin = IndicatorFactory(department=finance, code=f"FIN{tag}-01")
    made["finance_submitted"] = KpiReturnFactory(
        indicator=fin, period=P07, state="submitted", submitted_by=bob
    )
    service = ServiceFactory(partnership=partnership)
    service.departments.add(housing)
    slas = [SlaFactory(service=service, code=f"AV{tag}-0{n}") for n in range(1, 5)]
    made["unverified"] = [SlaResultFactory(sla=sla, period=P06) for sla in slas[:3]]
    made["disputed"] = SlaResultFactory(
        sla=slas[3],
        period=P06,
        verification=Verification.DISPUTED,
        dispute_reason="The outage on 3 September is not counted",
    )
    made["late_milestone"] = MilestoneFactory(
        partnership=partnership, title=f"Network refresh{tag}", due_date=date(2025, 11, 1)
    )
    made["soon_milestone"] = MilestoneFactory(
        partnership=partnership, title=f"Telephony move{tag}", due_date=date(2025, 12, 10)
    )
    MilestoneFactory(partnership=partnership, title="Far off", due_date=date(2026, 3, 1))
    MilestoneFactory(
        partnership=partnership,
        title="Done",
        due_date=date(2025, 11, 3),
        state="delivered",
        delivered_date=date(2025, 11, 3),
    )
    made["warning"] = EarlyWarning.objects.create(
        rule=WarningRule.STATUTORY_RED,
        subject_key=f"indicator:{indicators[0].pk}",
        subject_label=f"{indicators[0].code} {indicators[0].title}",
        starting_period="2025-26-P05",
        latest_period=P07,
        department=housing,
        indicator=indicators[0],
    )
    EarlyWarning.objects.create(
        rule=WarningRule.STATUTORY_RED,
        subject_key=f"indicator:{indicators[1].pk}",
        subject_label="Acknowledged",
        starting_period="2025-26-P05",
        latest_period=P07,
        department=housing,
        acknowledged_by=bob,
        acknowledged_at=NOW - timedelta(days=1),
        acknowledgement_note="Seen",
    )
    made["run"] = ReportRun.objects.create(
        kind="returns",
        file_format="csv",
        parameters={"period": P07},
        batch=uuid.uuid4(),
        requested_by=alice,
    )
    return made


@pytest.fixture
def work(housing, finance, partnership, alice, bob):
    with time_machine.travel(NOW, tick=False):
        made = _rows(
            housing=housing, finance=finance, partnership=partnership, alice=alice, bob=bob
        )
        # Another partnership's disputed result, outside pat's scope.
        other = SlaFactory(service=ServiceFactory(partnership=PartnershipFactory()))
        SlaResultFactory(
            sla=other, period=P06, verification=Verification.DISPUTED, dispute_reason="Other"
        )
    return made


def _home(client, user):
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        response = client.get("/")
    assert response.status_code == 200
    return response.context["home"], " ".join(response.content.decode().split())


def _list(home, key):
    todo = home.list(key)
    assert todo is not None, [t.key for t in home.lists]
    return todo


def test_the_officer_has_their_missing_and_sent_back_returns(client, alice, work):
    home, html = _home(client, alice)

    assert [t.key for t in home.lists] == ["returns_due", "returns_missing", "returns_sent_back"]
    assert _list(home, "returns_due").count == 0
    missing = _list(home, "returns_missing")
    # None, a draft and the one sent back: the rule's count, as the head's home counts it.
    assert missing.count == 3 and missing.summary == "3 returns"
    assert [i.text.split()[0] for i in missing.items] == ["HOU-01", "HOU-02", "HOU-04"]
    assert missing.items[1].detail == "Draft: was due by 21 November 2025"
    assert missing.items[2].detail == "Sent back: was due by 21 November 2025"
    # The page of missing returns the list links to holds the same three.
    with time_machine.travel(NOW, tick=False):
        linked = client.get("/returns/?state=missing").content.decode()
    assert [code for code in ("HOU-01", "HOU-02", "HOU-03", "HOU-04") if code in linked] == [
        "HOU-01",
        "HOU-02",
        "HOU-04",
    ]
    sent_back = _list(home, "returns_sent_back")
    (item,) = sent_back.items
    indicator = work["sent_back"].indicator
    assert item.url == f"/returns/enter/{indicator.pk}/{P07}/"
    assert item.detail == "Sent back: The figure is last year's: check it"
    assert f'<a href="{item.url}">HOU-04 {indicator.title}, October 2025</a>' in html
    assert 'Returns missing <span class="todo-count">(3 returns)</span>' in html
    assert "Overdue" not in html
    # Finance's return is none of hers.
    assert "FIN-01" not in html


def test_before_the_deadline_the_officer_has_returns_due(client, alice, work):
    client.force_login(alice)
    with time_machine.travel(datetime(2025, 11, 10, 9, tzinfo=LONDON), tick=False):
        home = client.get("/").context["home"]
    due = _list(home, "returns_due")
    # HOU-03's submission on 20 November has not happened yet on the 10th: due too.
    assert due.count == 3
    assert due.items[0].detail == "Not started: due by 21 November 2025"
    assert _list(home, "returns_missing").count == 0


def test_the_head_approves_from_the_return_and_sees_the_missing(client, harriet, work):
    home, html = _home(client, harriet)

    keys = [t.key for t in home.lists]
    assert keys == [
        "returns_awaiting_approval",
        "department_returns_missing",
        "forecasts_to_check",
        "scrutiny_to_answer",
    ]
    approvals = _list(home, "returns_awaiting_approval")
    (item,) = approvals.items  # Housing's only: Finance's is not hers
    submitted = work["submitted"]
    assert item.url == f"/returns/{submitted.pk}/#actions"
    indicator = submitted.indicator
    assert item.text == f"Approve {indicator.code} {indicator.title}, October 2025"
    assert item.detail == "Housing, submitted by alice on 20 November 2025".replace(
        "alice", submitted.submitted_by.get_full_name() or "alice"
    )
    # The link leads to the return's page, where its Approve button is.
    with time_machine.travel(NOW, tick=False):
        detail = client.get(item.url.split("#")[0]).content.decode()
    assert f'action="/returns/{submitted.pk}/approve/"' in detail and 'id="actions"' in detail
    missing = _list(home, "department_returns_missing")
    assert missing.title == "Returns missing for October 2025"
    assert missing.count == 3  # none, a draft and the one sent back
    assert 'Returns waiting for your approval <span class="todo-count">(1 return)</span>' in html


def test_smt_has_results_disputes_warnings_sign_off_and_approvals(client, sam, finance, work):
    home, html = _home(client, sam)

    assert [t.key for t in home.lists] == [
        "sla_results_to_verify",
        "disputes_open",
        "warnings_to_acknowledge",
        "sign_off",
        "returns_awaiting_approval",
        "contract_notices_due",
        "scrutiny_to_answer",
    ]
    verify = _list(home, "sla_results_to_verify")
    assert verify.count == 3
    partnership_id = work["disputed"].sla.service.partnership_id
    (month,) = verify.items
    assert month.text == "Verify the 3 results for September 2025"
    assert month.url == f"/partnerships/{partnership_id}/sla-results/{P06}/#verify"
    disputes = _list(home, "disputes_open")
    assert disputes.count == 2  # every partnership's, for the SMT
    warnings = _list(home, "warnings_to_acknowledge")
    assert warnings.count == 1
    assert warnings.items[0].url == f"/early-warnings/{work['warning'].pk}/#acknowledge"
    assert warnings.items[0].detail == "August 2025 to October 2025"
    sign_off = _list(home, "sign_off")
    assert (sign_off.count, sign_off.lead) == (2, "0 of 2 departments signed off.")
    assert [(i.text, i.detail) for i in sign_off.items] == [
        ("Sign off Finance", "0 approved, 1 waiting for approval, 0 being prepared"),
        ("Sign off Housing", "0 approved, 1 waiting for approval, 2 being prepared"),
    ]
    assert sign_off.items[0].url == f"/periods/{P07}/sign-off/"
    assert _list(home, "returns_awaiting_approval").count == 2  # Housing's and Finance's
    assert 'Sign-off of October 2025 <span class="todo-count">(2 departments)</span>' in html

    with time_machine.travel(NOW, tick=False):
        sign_off_period(period_key=P07, actor=sam, department=finance)
    home, html = _home(client, sam)
    sign_off = _list(home, "sign_off")
    assert (sign_off.count, sign_off.lead) == (1, "1 of 2 departments signed off.")
    assert [i.text for i in sign_off.items] == ["Sign off Housing"]


def test_the_partner_has_the_months_results_disputes_and_milestones(client, pat, work):
    home, html = _home(client, pat)

    assert [t.key for t in home.lists] == [
        "sla_results_due",
        "disputes_to_answer",
        "milestones_due",
    ]
    due = _list(home, "sla_results_due")
    assert (due.count, due.flag) == (4, "Overdue by 14 days")
    assert due.items[0].text == "Enter the 4 missing results for October 2025"
    disputes = _list(home, "disputes_to_answer")
    assert disputes.count == 1  # the other partnership's is not pat's
    disputed = work["disputed"]
    assert disputes.items[0].url == (
        f"/partnerships/{disputed.sla.service.partnership_id}/sla-results/{P06}/"
        f"#verify-{disputed.pk}"
    )
    assert disputes.items[0].detail == "Disputed: The outage on 3 September is not counted"
    milestones = _list(home, "milestones_due")
    assert milestones.count == 2
    assert [(i.text, i.detail) for i in milestones.items] == [
        ("Record progress on Network refresh", "Late by 27 days (due by 1 November 2025)"),
        ("Record progress on Telephony move", "Due by 10 December 2025"),
    ]
    late = work["late_milestone"]
    records = f"/partnerships/{late.partnership_id}/records/"
    assert milestones.items[0].url == f"{records}#state-{late.pk}"
    assert 'Milestones due <span class="todo-count">(2 milestones)</span>' in html


def test_a_work_queues_see_all_link_opens_every_period_with_the_same_count(
    client, sam, housing, work
):
    # Eleven more returns waiting for approval, in eleven earlier months: more than a
    # home shows, so the list links to them all.
    for n in range(1, 12):
        KpiReturnFactory(
            indicator=IndicatorFactory(department=housing, code=f"OLD-{n:02}"),
            period=f"2024-25-P{n:02}",
            state="submitted",
        )
    home, _ = _home(client, sam)
    waiting = _list(home, "returns_awaiting_approval")
    assert waiting.count == 13 and len(waiting.items) == 10
    assert waiting.more.url == "/returns/?state=submitted&period=all"

    with time_machine.travel(NOW, tick=False):
        page = client.get(waiting.more.url)

    assert page.status_code == 200
    shown = [row.kpi_return for rows in page.context["groups"].values() for row in rows]
    assert len(shown) == page.context["row_count"] == waiting.count
    assert {r.state for r in shown} == {"submitted"}
    assert [r.period for r in shown if r.department_id == housing.pk][:2] == [
        "2024-25-P01",
        "2024-25-P02",
    ]
    assert "Returns submitted, every period" in page.content.decode()


def test_every_period_needs_a_workflow_state(client, sam, work):
    with time_machine.travel(NOW, tick=False):
        client.force_login(sam)
        page = client.get("/returns/", {"period": "all", "state": "missing"})

    assert page.context["field_errors"]["state"] == [
        "Every period lists returns in a workflow state: choose draft, submitted, approved, "
        "sent back or locked"
    ]
    assert not page.context["every_period"]


def test_someone_both_smt_and_partner_answers_only_their_partnerships_disputes(client, pat, work):
    # pat is also on the SMT: the SMT's list holds every partnership's disputes, the
    # partner's lists only those of pat's own partnership.
    MembershipFactory(user=pat, role=Role.SMT, department=None)
    MilestoneFactory(
        partnership=PartnershipFactory(), title="Someone else's", due_date=date(2025, 11, 2)
    )

    home, _ = _home(client, pat)

    assert _list(home, "disputes_open").count == 2
    assert _list(home, "disputes_to_answer").count == 1
    assert [i.record for i in _list(home, "disputes_to_answer").items] == [work["disputed"]]
    assert [i.text for i in _list(home, "milestones_due").items] == [
        "Record progress on Network refresh",
        "Record progress on Telephony move",
    ]


def test_the_auditor_sees_runs_and_what_changed_since_the_previous_visit(
    client, audrey, harriet, work
):
    # The personas' accounts are made at the real time, so the visits come after it: the
    # first at 09:30 tomorrow sees every change so far.
    visit = datetime.combine(date.today() + timedelta(days=1), datetime.min.time(), LONDON)
    visit = visit.replace(hour=9, minute=30)
    with time_machine.travel(visit, tick=False):
        client.force_login(audrey)
        first = client.get("/").context["home"]
    assert _list(first, "changes_since_last_visit").title == "Changes in the audit trail"
    assert _list(first, "changes_since_last_visit").count > 1
    # One change two hours later; signed in again the next day: just that one.
    submitted = work["submitted"]
    with time_machine.travel(visit + timedelta(hours=2), tick=False):
        approve_return(kpi_return=submitted, actor=harriet)
    with time_machine.travel(visit + timedelta(days=1), tick=False):
        client.force_login(audrey)
        response = client.get("/")
    home = response.context["home"]
    changes = _list(home, "changes_since_last_visit")
    assert changes.title == "Changes since your last visit"
    day = f"{visit.day} {visit:%B %Y}"
    assert changes.lead == f"Since you last signed in, at 09:30 on {day}."
    assert changes.count == 1
    (item,) = changes.items
    assert item.text == f"KPI return {submitted.indicator.code}, October 2025: changed"
    assert item.detail == f"By {harriet.get_full_name() or 'harriet'} at 11:30 on {day}"
    assert changes.more is None  # one change: nothing more to see
    runs = _list(home, "recent_report_runs")
    assert runs.count == 0  # the run of 28 November 2025 is not recent a year later
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client.force_login(audrey)
        runs = _list(client.get("/").context["home"], "recent_report_runs")
    assert runs.count == 1
    assert runs.items[0].url == f"/reports/runs/{work['run'].pk}/"


@pytest.mark.parametrize("persona", ["alice", "harriet", "sam", "pat", "audrey", "ada", "bob"])
def test_the_api_gives_the_same_lists_as_the_page(request, client, work, persona):
    user = request.getfixturevalue(persona)
    home, _ = _home(client, user)
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel(NOW, tick=False):
        body = api.get("/api/v1/home/").json()
    assert [(t["key"], t["count"], [i["url"] for i in t["items"]]) for t in body["lists"]] == [
        (t.key, t.count, [i.url for i in t.items]) for t in home.lists
    ]


def _page_queries(client) -> int:
    with time_machine.travel(NOW, tick=False):
        client.get("/")  # the first request reads the session and the user's scope
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
    return len(captured.captured_queries)


def _batch(n: int, **people) -> None:
    """Batch ``n`` of the same work, made ``n`` minutes after noon: the auditor's newest
    changes are then the latest batch's, of the same kinds whatever came before."""
    with time_machine.travel(NOW + timedelta(minutes=n), tick=False):
        _rows(tag=str(n), **people)


@pytest.mark.parametrize("persona", ["alice", "harriet", "sam", "pat", "audrey"])
def test_a_homes_queries_do_not_grow_with_the_data(
    request, client, housing, finance, partnership, alice, bob, work, persona
):
    people = {
        "housing": housing,
        "finance": finance,
        "partnership": partnership,
        "alice": alice,
        "bob": bob,
    }
    # Signed in once: the auditor's changes are then every change, before and after.
    client.force_login(request.getfixturevalue(persona))
    _batch(1, **people)
    before = _page_queries(client)
    for n in range(2, 5):
        _batch(n, **people)
    assert _page_queries(client) == before


HISTORY_TABLES = {source.model.history.model._meta.db_table: key for key, source in SOURCES.items()}


def _history_reads(captured) -> tuple[list[str], list[str]]:
    """(the queries joining every history table with UNION ALL, the history tables read
    alone, once per query): the queries of the audit trail, without its many-to-many
    history tables (a service's departments), read once per field whatever the kinds."""
    unions, tables = [], []
    for query in captured.captured_queries:
        sql = query["sql"]
        if " UNION ALL " in sql:
            unions.append(sql)
        elif (table := re.match(r'SELECT .*? FROM "(\w+)"', sql)[1]) in HISTORY_TABLES:
            tables.append(table)
    return unions, tables


@pytest.mark.parametrize("persona", ["audrey", "ada"])
def test_the_changes_read_only_the_kinds_of_record_they_show(request, client, work, persona):
    """The auditor's and the administrator's changes since the last visit: one query counts
    the entries of all 33 kinds of record, one finds the newest; then each kind on the list
    is read twice (its entries, their previous versions) and no other kind at all."""
    user = request.getfixturevalue(persona)
    with time_machine.travel(NOW, tick=False):
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            home = client.get("/").context["home"]
    changes = _list(home, "changes_since_last_visit")
    kinds = {item.record.kind for item in changes.items}
    unions, tables = _history_reads(captured)

    assert changes.count > len(changes.items) == 20 and len(kinds) > 1
    assert len(unions) == 2
    assert unions[0].count('SELECT COUNT(*) AS "n" FROM') == len(SOURCES) == 33
    assert sorted(HISTORY_TABLES[table] for table in tables) == sorted(2 * list(kinds))


@pytest.mark.parametrize("persona", ["audrey", "ada"])
def test_no_change_since_the_last_visit_costs_one_query(request, client, work, persona):
    user = request.getfixturevalue(persona)
    # The personas' accounts are made at the real time, so the visits come after it.
    visit = datetime.combine(date.today() + timedelta(days=1), datetime.min.time(), LONDON)
    with time_machine.travel(visit, tick=False):
        client.force_login(user)
    with time_machine.travel(visit + timedelta(days=1), tick=False):
        client.force_login(user)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            home = client.get("/").context["home"]

    unions, tables = _history_reads(captured)

    assert _list(home, "changes_since_last_visit").count == 0
    # The count of all 33 kinds: nothing to find or read after it.
    assert len(unions) == 1 and unions[0].lstrip("(").startswith("SELECT COUNT(*)")
    assert tables == []


def test_the_smts_count_of_contract_drafts_holds_those_not_shown(client, sam, partnership):
    from partnerships.contracts.models import Assessment, AssessmentKind

    for n in range(1, 13):
        Assessment.objects.create(
            partnership=partnership,
            kind=AssessmentKind.AD_HOC,
            period_start=date(2024, n, 1),
            period_end=date(2024, n, 28),
        )

    home, _ = _home(client, sam)

    notices = _list(home, "contract_notices_due")
    assert len(notices.items) == 10
    # Twelve drafts, and the partnership's own notice when it falls within 30 days.
    assert notices.count - sum("Assess " in i.text for i in notices.items) == 12
