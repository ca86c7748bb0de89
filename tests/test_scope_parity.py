"""The pages and the API answer alike: every object kind that has both a page and an API
record, as every persona, is shown by both or refused by both (403) or unknown to both
(404); and every list page holds the rows its list endpoint holds for the same filter.

One small council, built once for the module (every test only reads it; writes are made
in a savepoint that is rolled back): Housing, Finance and Planning; pat's partnership
(Desktop serves Housing) and another (Waste serves Finance); returns, referrals, SLA
results, milestones, escalations, risks, import jobs, API tokens, early warnings (of
Housing and of pat's partnership), a report run, the contract's KPIs and rectification
plans (of both partnerships), scrutiny items (about Housing, Finance and pat's
partnership), two committees (mo sits on one) and a published indicator.
Time is frozen on Saturday 15 November 2025, noon in London: September (2025-26-P06) and
October (P07) have ended; September's returns were due on 21 October, October's are due
on 21 November.

A list page that refuses a persona (403) or does not know the record the list is about
(404) holds no rows; the list endpoints answer every persona, with the rows in scope, but
the elected member (mo), whom the officers' pages and endpoints both refuse.
Two things the page frames differently, on purpose: "My returns" for a month shows the
returns owed when that month ends (September also closes Q2), so it holds the API's rows
of each of those period keys, and a row not yet started has no return to compare; the
referrals page shows one of the departments the persona sees, in one direction.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from departments.models import Department, ImportJob, ReturnState
from departments.roles import scope_for
from departments.tokens.services import create_token
from partnerships.contracts.breaches import approve_notice, record_notice
from partnerships.contracts.models import ContractKpi, KpiMeasure
from partnerships.contracts.plans import record_plan
from publication.services import PublicationWords, set_publication
from reporting.models import EarlyWarning, ReportRun, ReportState, WarningRule
from scrutiny.models import ScrutinyCommittee, ScrutinyItem, Subject
from tests.api_council import contract_assessments, personas
from tests.factories import (
    CouncilFactory,
    DepartmentFactory,
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    PartnershipFactory,
    ReferralFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
P06, P07, Q2 = "2025-26-P06", "2025-26-P07", "2025-26-Q2"
PERSONAS = ("alice", "bob", "harriet", "sam", "pat", "audrey", "ada", "mo")

pytestmark = pytest.mark.django_db


class Council:
    """The module's records by name (``c.returns["submitted"]``), and its people."""


def _build() -> Council:
    c = Council()
    council = CouncilFactory()
    c.housing = DepartmentFactory(council=council, name="Housing", code="housing")
    c.finance = DepartmentFactory(council=council, name="Finance", code="finance")
    c.planning = DepartmentFactory(council=council, name="Planning", code="planning")
    c.partnership = PartnershipFactory(council=council, name="ICT partnership")
    c.other_partnership = PartnershipFactory(council=council, name="Waste partnership")
    # The personas of tests/conftest.py, by name (the API sweeps' council names them by role).
    people = personas(c.housing, c.finance, c.partnership)
    c.people = {user.username: user for user in people.values()}
    alice = c.people["alice"]

    repairs = IndicatorFactory(department=c.housing, code="HOU-01", title="Repairs on time")
    TargetFactory(indicator=repairs, financial_year=2025)
    voids = IndicatorFactory(department=c.housing, code="HOU-02", title="Voids relet")
    quarterly = IndicatorFactory(
        department=c.housing, code="HOU-Q1", title="Tenant satisfaction", frequency="quarterly"
    )
    invoices = IndicatorFactory(department=c.finance, code="BV8", title="Invoices paid")
    c.indicators = {"repairs": repairs, "invoices": invoices}
    c.publication = set_publication(
        indicator=repairs,
        actor=c.people["sam"],
        published=True,
        words=PublicationWords("Repairs on time", "Repairs done when promised.", "homes"),
    )

    def submitted_on(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)

    c.returns = {
        # September: on time (due 21 October), a draft past its deadline (missing), and
        # Finance's submitted late; Q2 (closed by September) approved; October a draft.
        "submitted": KpiReturnFactory(
            indicator=repairs,
            period=P06,
            state=ReturnState.SUBMITTED,
            submitted_by=alice,
            submitted_at=submitted_on(date(2025, 10, 3)),
        ),
        "missing": KpiReturnFactory(indicator=voids, period=P06, state=ReturnState.DRAFT),
        "quarter": KpiReturnFactory(
            indicator=quarterly,
            period=Q2,
            state=ReturnState.APPROVED,
            submitted_at=submitted_on(date(2025, 10, 10)),
        ),
        "october": KpiReturnFactory(indicator=repairs, period=P07, state=ReturnState.DRAFT),
        "finance": KpiReturnFactory(
            indicator=invoices,
            period=P06,
            state=ReturnState.SUBMITTED,
            submitted_at=submitted_on(date(2025, 10, 24)),
        ),
    }

    def referral(source, target, raised, agreed, **dates):
        return ReferralFactory(
            from_department=source,
            to_department=target,
            raised_on=raised,
            agreed_days=agreed,
            **dates,
        )

    h, f, p = c.housing, c.finance, c.planning
    c.referrals = {
        "overdue": referral(h, f, date(2025, 10, 1), 5),
        "acknowledged": referral(f, h, date(2025, 10, 20), 30, acknowledged_on=date(2025, 10, 21)),
        "resolved": referral(
            f,
            h,
            date(2025, 9, 10),
            5,
            acknowledged_on=date(2025, 9, 12),
            resolved_on=date(2025, 9, 12),
        ),
        "planning": referral(f, p, date(2025, 10, 2), 10),
    }

    desktop = ServiceFactory(partnership=c.partnership, code="desktop", name="Desktop")
    desktop.departments.set([c.housing])
    waste = ServiceFactory(partnership=c.other_partnership, code="waste", name="Waste")
    waste.departments.set([c.finance])
    dt01, ws01 = SlaFactory(service=desktop, code="DT-01"), SlaFactory(service=waste, code="WS-01")
    c.results = {
        "september": SlaResultFactory(sla=dt01, period=P06, reported_value=Decimal("99.7")),
        "disputed": SlaResultFactory(
            sla=dt01, period=P07, verification="disputed", dispute_reason="Too high"
        ),
        "waste": SlaResultFactory(sla=ws01, period=P06),
    }
    # The contract's assessments: the partner's manager sees the approved one only.
    _, draft, approved = contract_assessments(c.partnership, dt01, people)
    c.assessments = {"draft": draft, "approved": approved}
    # Breach notices likewise: the partner's manager sees the approved one only.
    c.performance_notices = {
        state: record_notice(
            partnership=c.partnership,
            actor=people["smt"],
            kind="breach",
            what_happened="Backups were not taken for six weeks.",
            occurred_on=date(2025, 10, day),
            action_taken="settlement",
        )
        for state, day in (("draft", 1), ("approved", 2))
    }
    approve_notice(notice=c.performance_notices["approved"], actor=people["smt"])
    c.performance_notices["approved"].refresh_from_db()
    # The contract's KPIs (contract_assessments made pat's) and a plan for each partnership.
    c.kpis = {
        "ours": ContractKpi.objects.filter(partnership=c.partnership).order_by("pk").first(),
        "theirs": ContractKpi.objects.create(
            partnership=c.other_partnership,
            title="Milestones on time",
            measure=KpiMeasure.MILESTONES,
        ),
    }
    c.plans = {
        label: record_plan(
            partnership=sla.service.partnership,
            actor=people["smt"],
            action="Restore the nightly backups.",
            owner="Head of ICT client",
            due_date=date(2025, 12, 1),
            sla=sla,
        )
        for label, sla in (("ours", dt01), ("theirs", ws01))
    }
    c.records = {}
    for label, partnership in (("ours", c.partnership), ("theirs", c.other_partnership)):
        c.records[f"milestone {label}"] = MilestoneFactory(partnership=partnership)
        c.records[f"escalation {label}"] = EscalationFactory(partnership=partnership)
        c.records[f"risk {label}"] = RiskFactory(partnership=partnership)

    c.jobs = {
        name: ImportJob.objects.create(
            kind="returns", created_by=c.people[name], original_name="r.csv", file_format="csv"
        )
        for name in ("alice", "ada")
    }
    c.tokens = {
        name: create_token(user=c.people[name], name="Spreadsheet").token
        for name in ("alice", "bob", "ada")
    }
    c.warning = EarlyWarning.objects.create(
        rule=WarningRule.STATUTORY_RED,
        subject_key=f"indicator:{repairs.pk}",
        subject_label=str(repairs),
        starting_period="2025-26-P04",
        latest_period=P06,
        department=c.housing,
        indicator=repairs,
    )
    mo = c.people["mo"]
    c.committees = {
        "mo's": ScrutinyCommittee.objects.create(name="Overview and Scrutiny"),
        "another": ScrutinyCommittee.objects.create(name="Audit and Governance"),
    }
    c.committees["mo's"].members.add(mo)

    def asked(**subject):
        return ScrutinyItem.objects.create(
            period=P06, text="Why?", asked_by=mo, asked_at=NOW, due_on=date(2025, 12, 1), **subject
        )

    c.scrutiny_items = {
        "housing": asked(subject=Subject.DEPARTMENT, department=c.housing),
        "finance": asked(
            subject=Subject.INDICATOR, department=c.finance, indicator=invoices, committee=None
        ),
        "partnership": asked(subject=Subject.PARTNERSHIP, partnership=c.partnership),
    }
    c.partnership_warning = EarlyWarning.objects.create(
        rule=WarningRule.SERVICE_RED,
        subject_key=f"service:{desktop.pk}",
        subject_label=str(desktop),
        starting_period="2025-26-P05",
        latest_period=P06,
        partnership=c.partnership,
        service=desktop,
    )
    c.report = ReportRun.objects.create(
        kind="returns",
        file_format="csv",
        parameters={"period": P06},
        batch=uuid.uuid4(),
        requested_by=alice,
        state=ReportState.FAILED,
        error="The database was unavailable.",
    )
    return c


@pytest.fixture(scope="module")
def c(django_db_setup, django_db_blocker):
    """The council, committed for the module inside a transaction rolled back at its end."""
    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with (
        time_machine.travel(NOW, tick=False),
        django_db_blocker.unblock(),
        fast_hasher,
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _frozen(c):
    with time_machine.travel(NOW, tick=False):
        yield


def _signed_in(client, c: Council, persona: str):
    client.force_login(c.people[persona])
    return client


def _answer(status: int) -> str:
    return {200: "shown", 403: "refused", 404: "not found"}[status]


def _rolled_back(send):
    """A write's response, its changes undone, so each persona meets the same records."""
    with transaction.atomic():
        response = send()
        transaction.set_rollback(True)
    return response


# --- one record: the page and the API show it, or both refuse it --------------------------


def _page_shows(response, contains) -> str:
    """The page's answer; a page of several records must hold this one to show it."""
    answer = _answer(response.status_code)
    if answer == "shown" and contains is not None and not contains(response.context):
        return "not found"
    return answer


# Kinds with a page of their own: the page and the API addresses, by the record's pk.
ONE_RECORD_PAGES = {
    "return": ("/returns/{}/", ["/api/v1/returns/{}/"]),
    "import job": ("/imports/{}/", ["/api/v1/imports/{}/"]),
    "department": ("/departments/{}/", ["/api/v1/metrics/departments/{}/"]),
    "partnership": (
        "/partnerships/{}/",
        ["/api/v1/partnerships/{}/", "/api/v1/metrics/partnerships/{}/"],
    ),
    "indicator": ("/indicators/{}/", ["/api/v1/indicators/{}/", "/api/v1/metrics/indicators/{}/"]),
    "early warning": ("/early-warnings/{}/", ["/api/v1/early-warnings/{}/"]),
    "report run": ("/reports/runs/{}/", ["/api/v1/reports/{}/"]),
    "contract assessment": ("/contract-assessments/{}/", ["/api/v1/contract-assessments/{}/"]),
    "performance notice": ("/performance-notices/{}/", ["/api/v1/performance-notices/{}/"]),
    "scrutiny item": ("/scrutiny/items/{}/", ["/api/v1/scrutiny-items/{}/"]),
    "scrutiny committee": ("/scrutiny/committees/{}/", ["/api/v1/scrutiny-committees/{}/"]),
}


def _detail_pairs(c: Council):
    """(kind, label, page URL, API URLs, what the page must hold to show the record)."""
    records = {
        "return": c.returns,
        "import job": c.jobs,
        "department": {"housing": c.housing, "finance": c.finance},
        "partnership": {"ours": c.partnership, "theirs": c.other_partnership},
        "indicator": c.indicators,
        "early warning": {"housing": c.warning, "partnership": c.partnership_warning},
        "report run": {"alice's": c.report},
        "contract assessment": c.assessments,
        "performance notice": c.performance_notices,
        "scrutiny item": c.scrutiny_items,
        "scrutiny committee": c.committees,
    }
    for kind, (page, apis) in ONE_RECORD_PAGES.items():
        for label, record in records[kind].items():
            yield kind, label, page.format(record.pk), [api.format(record.pk) for api in apis], None
    # Pages of several records: the month's SLA results, a partnership's records.
    for label, result in c.results.items():
        partnership = result.sla.service.partnership_id
        yield (
            "SLA result",
            label,
            f"/partnerships/{partnership}/sla-results/{result.period}/",
            [f"/api/v1/sla-results/{result.pk}/"],
            lambda context, pk=result.pk: pk in {r.result.pk for r in context["rows"] if r.result},
        )
    for label, record in c.records.items():
        kind = label.split()[0]
        listed = {"milestone": "milestones", "escalation": "escalations", "risk": "risks"}[kind]

        def holds(context, pk=record.pk, listed=listed):
            return pk in {getattr(row, "milestone", row).pk for row in context[listed]}

        yield (
            kind,
            label,
            f"/partnerships/{record.partnership_id}/records/",
            [f"/api/v1/{listed}/{record.pk}/"],
            holds,
        )
    # The contract page: its KPIs and its rectification plans.
    for kind, listed, records, api in (
        ("contract KPI", "kpis", c.kpis, "contract-kpis"),
        ("rectification plan", "plans", c.plans, "rectification-plans"),
    ):
        for label, record in records.items():
            yield (
                kind,
                label,
                f"/partnerships/{record.partnership_id}/contract/",
                [f"/api/v1/{api}/{record.pk}/"],
                lambda context, pk=record.pk, listed=listed: pk in {r.pk for r in context[listed]},
            )


# The reference data's own records, which an elected member does not call (403): their
# figures pages pair with the metrics endpoints alone.
REFERENCE_RECORDS = ("/api/v1/indicators/", "/api/v1/partnerships/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_record_is_shown_or_refused_alike_by_its_page_and_the_api(client, c, persona):
    _signed_in(client, c, persona)
    answers = {}
    member = scope_for(c.people[persona]).signed_off_only
    for kind, label, page, apis, contains in _detail_pairs(c):
        if member:
            apis = [api for api in apis if not api.startswith(REFERENCE_RECORDS)]
        answers[(kind, label)] = (
            _page_shows(client.get(page), contains),
            *(_answer(client.get(api).status_code) for api in apis),
        )
    differing = {key: found for key, found in answers.items() if len(set(found)) > 1}
    assert differing == {}
    assert len(answers) == 38
    # Nothing in this council is signed off, so an elected member is shown no figure here
    # (tests/scrutiny/test_member_sees_signed_off_only.py shows them the signed-off ones),
    # only the scrutiny items (every one) and the committee they sit on.
    shown = {key for key, found in answers.items() if found[0] == "shown"}
    scrutiny = {key for key in answers if key[0].startswith("scrutiny")}
    assert bool(shown - scrutiny) != member
    if member:
        assert shown == scrutiny - {("scrutiny committee", "another")}


# --- the writes whose scope and permission pages and API both ask --------------------------


WRITES = {
    # (page method, page URL, page data), (API method, API URL, API data), page success,
    # API success; each of a record the persona may or may not see.
    "verify an SLA result": lambda c: (
        ("post", f"/sla-results/{c.results['september'].pk}/verify/", {"version": "1"}),
        ("post", f"/api/v1/sla-results/{c.results['september'].pk}/verify/", {"version": 1}),
    ),
    "revoke alice's API token": lambda c: (
        ("post", f"/account/tokens/{c.tokens['alice'].pk}/revoke/", {}),
        ("delete", f"/api/v1/tokens/{c.tokens['alice'].pk}/", None),
    ),
    "withdraw a publication": lambda c: (
        (
            "post",
            f"/publication/{c.publication.indicator_id}/",
            {"action": "withdraw", "reason": "Definition under review."},
        ),
        (
            "post",
            f"/api/v1/publications/{c.publication.pk}/withdraw/",
            {"reason": "Definition under review."},
        ),
    ),
    "raise an escalation": lambda c: (
        (
            "post",
            f"/partnerships/{c.partnership.pk}/records/",
            {
                "kind": "escalation",
                "escalation-title": "Outage at depots",
                "escalation-severity": "bad",  # refused by the form, once permitted
                "escalation-owner": "Head of ICT client",
                "escalation-raised_on": "2025-11-14",
                "escalation-state": "open",
            },
        ),
        (
            "post",
            "/api/v1/escalations/",
            {
                "partnership": c.partnership.pk,
                "title": "Outage at depots",
                "severity": "bad",
                "owner": "Head of ICT client",
                "raised_on": "2025-11-14",
                "state": "open",
            },
        ),
    ),
}
# A page answers a done write with a redirect, a refused form with 400; the API with
# 2xx and 400. Not permitted is 403 or 404 on either side: the records page is a
# partnership's, so it is not found outside one's scope, where the API, which reads the
# partnership from the body, answers that the write is forbidden.
DONE = {200, 201, 204, 302}


def _write_answer(status: int) -> str:
    if status in DONE:
        return "done"
    return {400: "checked the form", 403: "not permitted", 404: "not permitted"}[status]


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_a_write_is_permitted_or_refused_alike_by_its_page_and_the_api(client, c, persona, write):
    _signed_in(client, c, persona)
    (page_method, page_url, page_data), (api_method, api_url, api_data) = WRITES[write](c)

    page = _rolled_back(lambda: getattr(client, page_method)(page_url, page_data))
    api = _rolled_back(
        lambda: getattr(client, api_method)(api_url, api_data, content_type="application/json")
    )

    assert _write_answer(page.status_code) == _write_answer(api.status_code)


# --- lists: the page holds the API's rows for the same filter -------------------------------


def _api_ids(client, url: str, query: dict) -> set[int]:
    response = client.get(url, {**query, "page_size": 1000})
    if response.status_code == 403 and scope_for(response.wsgi_request.user).signed_off_only:
        # The officers' lists refuse an elected member, as their pages do (roles.MEMBER_PAGES
        # and MEMBER_ENDPOINTS): no rows on either.
        return set()
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _page_rows(response, rows) -> set[int]:
    if response.status_code in (403, 404):
        return set()
    assert response.status_code == 200
    return set(rows(response.context))


RETURN_FILTERS = [
    # (the page's filter, the period keys it holds the returns of)
    ({"period": P06}, [P06, Q2]),
    ({"period": P07}, [P07]),
    ({"period": Q2}, [Q2]),
    ({"period": P06, "state": "missing"}, [P06, Q2]),
    ({"period": P06, "state": "on_time"}, [P06, Q2]),
    ({"period": P06, "state": "late"}, [P06, Q2]),
    ({"period": P06, "state": "submitted"}, [P06, Q2]),
    ({"period": P07, "state": "due"}, [P07]),
    ({"period": P06, "state": "not_started"}, [P06, Q2]),
    ({"period": P06, "department": "housing"}, [P06, Q2]),
    ({"period": P06, "indicator": "repairs"}, [P06, Q2]),
    ({"period": P06, "financial_year": 2025}, [P06, Q2]),
    ({"period": P06, "financial_year": 2024}, [P06, Q2]),
]


@pytest.mark.parametrize(("query", "keys"), RETURN_FILTERS, ids=lambda v: str(v))
@pytest.mark.parametrize("persona", PERSONAS)
def test_my_returns_holds_the_api_returns_for_the_same_filter(client, c, persona, query, keys):
    _signed_in(client, c, persona)
    names = {"housing": c.housing.pk, "repairs": c.indicators["repairs"].pk}
    query = {key: names.get(value, value) for key, value in query.items()}

    page = client.get("/returns/", query)
    api: set[int] = set()
    for key in keys:
        api |= _api_ids(client, "/api/v1/returns/", {**query, "period": key})

    shown = _page_rows(
        page,
        lambda context: (
            row.kpi_return.pk
            for rows in context["groups"].values()
            for row in rows
            if row.kpi_return is not None
        ),
    )
    assert shown == api


REFERRAL_FILTERS = [
    {},
    {"state": "open"},
    {"state": "acknowledged"},
    {"state": "resolved"},
    {"state": "overdue"},
    {"period": P07},
    {"channel": "email"},
    {"counterpart": "finance"},
    {"financial_year": 2025},
]


@pytest.mark.parametrize("query", REFERRAL_FILTERS, ids=lambda v: str(v))
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_referrals_page_holds_the_api_referrals_for_the_same_filter(client, c, persona, query):
    _signed_in(client, c, persona)
    names = {"finance": c.finance.pk}
    query = {key: names.get(value, value) for key, value in query.items()}
    compared = 0
    for department in Department.objects.visible_to(c.people[persona]):
        for direction in ("incoming", "outgoing"):
            wanted = {**query, "department": department.pk, "direction": direction}
            page = client.get("/referrals/", wanted)
            shown = _page_rows(page, lambda context: (r.pk for r in context["page"].object_list))
            assert shown == _api_ids(client, "/api/v1/referrals/", wanted), (department, direction)
            compared += len(shown)
    # The partner's manager sees no referrals, an elected member none of the officers' work.
    if not query and persona not in ("pat", "mo"):
        assert compared > 0


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("period", [P06, P07])
def test_the_sla_results_page_holds_the_api_results_of_its_partnership_and_month(
    client, c, persona, period
):
    _signed_in(client, c, persona)
    for partnership in (c.partnership, c.other_partnership):
        page = client.get(f"/partnerships/{partnership.pk}/sla-results/{period}/")
        shown = _page_rows(
            page, lambda context: (row.result.pk for row in context["rows"] if row.result)
        )
        api = _api_ids(
            client, "/api/v1/sla-results/", {"partnership": partnership.pk, "period": period}
        )
        assert shown == api, partnership.name


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_records_page_holds_the_api_records_of_its_partnership(client, c, persona):
    _signed_in(client, c, persona)
    for partnership in (c.partnership, c.other_partnership):
        page = client.get(f"/partnerships/{partnership.pk}/records/")
        for listed in ("milestones", "escalations", "risks"):
            shown = _page_rows(
                page,
                lambda context, listed=listed: (
                    getattr(row, "milestone", row).pk for row in context[listed]
                ),
            )
            api = _api_ids(client, f"/api/v1/{listed}/", {"partnership": partnership.pk})
            assert shown == api, (partnership.name, listed)


@pytest.mark.parametrize("persona", PERSONAS)
def test_ones_own_imports_and_tokens_are_the_apis_of_ones_own_id(client, c, persona):
    _signed_in(client, c, persona)
    own = {"created_by": c.people[persona].pk}

    # The import page refuses SMT and auditors, who import nothing and started none.
    imports = _page_rows(client.get("/imports/"), lambda context: (j.pk for j in context["recent"]))
    tokens = _page_rows(
        client.get("/account/tokens/"), lambda context: (t.pk for t in context["tokens"])
    )

    assert imports == _api_ids(client, "/api/v1/imports/", own)
    assert tokens == _api_ids(client, "/api/v1/tokens/", {"user": c.people[persona].pk})


@pytest.mark.parametrize(
    "query",
    [
        {"state": "open"},
        {"state": "all"},
        {"state": "acknowledged"},
        {"state": "all", "rule": "service_red"},
        {"state": "all", "period": P06},
    ],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_early_warnings_page_holds_the_api_warnings_for_the_same_filter(
    client, c, persona, query
):
    _signed_in(client, c, persona)

    page = client.get("/early-warnings/", query)
    shown = _page_rows(page, lambda context: (w.pk for w in context["page"].object_list))

    assert shown == _api_ids(client, "/api/v1/early-warnings/", query)


@pytest.mark.parametrize(
    "query",
    [{}, {"state": "open"}, {"state": "answered"}, {"subject": "partnership"}, {"period": P06}],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_scrutiny_page_holds_the_api_items_for_the_same_filter(client, c, persona, query):
    _signed_in(client, c, persona)

    page = client.get("/scrutiny/", query)
    shown = _page_rows(page, lambda context: (item.pk for item in context["items"]))

    assert shown == _api_ids(client, "/api/v1/scrutiny-items/", query)
