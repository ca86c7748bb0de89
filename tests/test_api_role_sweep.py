"""The role sweep: every API operation, for every role, against DESIGN.md section 4.

The operations come from the OpenAPI schema (every path and method the URL resolver
serves under /api/v1/), never from a hand list, and every method a path does not serve
must answer 405. An operation missing from ``EXPECTED`` fails the sweep, so a new
endpoint cannot arrive without its row of the roles matrix.

Each operation runs once per persona against one small council built by the factories
once for the module (tests/shared_rows.py): the Housing officer and head, an SMT member,
the partner's manager, an auditor, an administrator, the Finance officer, for whom
Housing's records are out of scope (404), and an elected member, who calls only the
signed-off metrics, their home and scrutiny (403 everywhere else; 404 for a month not
signed off for members: in this council September 2025 has an unverified SLA result, so
only Housing's own figures are theirs to read). Every request runs in a savepoint that is
rolled back, so each persona of each operation meets the same records in the same state.
A permitted write carries a valid body and must succeed (2xx); a refused one must answer
403, or 404 where the record is outside the persona's scope; 400 appears only where the
persona cannot even name the record in the body (a partner's return for an indicator
they cannot see).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api_council import Council, build_council
from tests.conftest import PASSWORD
from tests.factories import CouncilFactory, DepartmentFactory, PartnershipFactory
from tests.shared_rows import shared_rows

PERSONAS = ("officer", "head", "smt", "partner", "auditor", "admin", "other_officer", "member")
METHODS = ("get", "post", "put", "patch", "delete")
NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
OK = "2xx"


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
        if method in METHODS
    )


OPERATIONS = _operations()
SERVED = {path: {m for m, p in OPERATIONS if p == path} for _, path in OPERATIONS}
UNSERVED = sorted(
    (method.upper(), path)
    for path, served in SERVED.items()
    for method in METHODS
    if method.upper() not in served
)


# --- the expectations: DESIGN.md section 4 as (method, path) -> persona -> status ----------


def expect(default, **by_persona) -> dict[str, object]:
    """Each persona's answer. The elected member is refused (403) unless named: they call
    only the endpoints of ``roles.MEMBER_ENDPOINTS``; a method not served is 405 for all."""
    member = default if default == 405 else 403
    return {p: by_persona.get(p, member if p == "member" else default) for p in PERSONAS}


EVERYONE = expect(OK)
# Housing's records: its own people and the council-wide roles see them; Finance's officer
# and the partner's manager meet a 404.
HOUSING_RECORD = expect(OK, partner=404, other_officer=404)
# Reference data (departments, indicators, targets, partners, SLAs...): only administrators
# change it; the permission is checked before the record is looked up.
ADMIN_WRITE = expect(403, admin=OK)
# Deleting reference data that other records still use is refused with 409, naming them.
ADMIN_DELETE_IN_USE = expect(403, admin=409)
# Edit and submit Housing's returns: its officer and head, and administrators.
EDIT_HOUSING_RETURN = expect(403, officer=OK, head=OK, admin=OK, partner=404, other_officer=404)
# Approve or send back one the officer submitted: Housing's head, SMT, administrators.
APPROVE_HOUSING_RETURN = expect(403, head=OK, smt=OK, admin=OK, partner=404, other_officer=404)
SMT_ONLY_ON_HOUSING = expect(403, smt=OK, admin=OK, partner=404, other_officer=404)
# The partnership's records: council-wide roles and the partner's manager see them; the
# Housing officer and head see the services (and their SLAs) Housing depends on, nothing
# else of the contract: not the SLA results, as on the results page.
CONTRACT_RECORD = expect(OK, officer=404, head=404, other_officer=404)
SERVED_RECORD = expect(OK, other_officer=404)
# Escalations and risks are raised and updated by SMT, admins and the partner's manager.
MANAGE_RECORDS = expect(403, smt=OK, partner=OK, admin=OK)
MANAGE_RECORD = expect(404, smt=OK, partner=OK, admin=OK, auditor=403)
DRAFT_ASSESSMENT = expect(404, smt=OK, auditor=OK, admin=OK)
ASSESS_DRAFT = expect(404, smt=OK, admin=OK, auditor=403)
SMT_ON_RESULT = expect(403, smt=OK, admin=OK, officer=404, head=404, other_officer=404)

EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    # Personal API tokens: everyone (an auditor too) obtains and lists their own; a token
    # is seen and revoked by its owner (here the Housing officer) and administrators.
    ("POST", "/api/v1/auth/token/"): EVERYONE,
    # A member makes no token (403 above), and lists their own: none.
    ("GET", "/api/v1/tokens/"): expect(OK, member=OK),
    ("GET", "/api/v1/tokens/{id}/"): expect(404, officer=OK, admin=OK, member=404),
    ("DELETE", "/api/v1/tokens/{id}/"): expect(404, officer=OK, admin=OK, member=404),
    # Reference data.
    ("GET", "/api/v1/departments/"): EVERYONE,
    ("POST", "/api/v1/departments/"): ADMIN_WRITE,
    ("GET", "/api/v1/departments/{id}/"): expect(OK, other_officer=404),
    ("PUT", "/api/v1/departments/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/departments/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/departments/{id}/"): ADMIN_DELETE_IN_USE,
    ("GET", "/api/v1/indicators/"): EVERYONE,
    ("POST", "/api/v1/indicators/"): ADMIN_WRITE,
    ("GET", "/api/v1/indicators/{id}/"): HOUSING_RECORD,
    ("PUT", "/api/v1/indicators/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/indicators/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/indicators/{id}/"): ADMIN_DELETE_IN_USE,
    ("GET", "/api/v1/targets/"): EVERYONE,
    ("POST", "/api/v1/targets/"): ADMIN_WRITE,
    ("GET", "/api/v1/targets/{id}/"): HOUSING_RECORD,
    ("PUT", "/api/v1/targets/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/targets/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/targets/{id}/"): ADMIN_WRITE,
    ("GET", "/api/v1/partners/"): EVERYONE,
    ("POST", "/api/v1/partners/"): ADMIN_WRITE,
    ("GET", "/api/v1/partners/{id}/"): expect(OK, officer=404, head=404, other_officer=404),
    ("PUT", "/api/v1/partners/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/partners/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/partners/{id}/"): ADMIN_DELETE_IN_USE,
    ("GET", "/api/v1/partnerships/"): EVERYONE,
    ("POST", "/api/v1/partnerships/"): ADMIN_WRITE,
    ("GET", "/api/v1/partnerships/{id}/"): CONTRACT_RECORD,
    ("PUT", "/api/v1/partnerships/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/partnerships/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/partnerships/{id}/"): ADMIN_DELETE_IN_USE,
    ("GET", "/api/v1/services/"): EVERYONE,
    ("POST", "/api/v1/services/"): ADMIN_WRITE,
    ("GET", "/api/v1/services/{id}/"): SERVED_RECORD,
    ("PUT", "/api/v1/services/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/services/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/services/{id}/"): ADMIN_DELETE_IN_USE,
    ("GET", "/api/v1/slas/"): EVERYONE,
    ("POST", "/api/v1/slas/"): ADMIN_WRITE,
    ("GET", "/api/v1/slas/{id}/"): SERVED_RECORD,
    ("PUT", "/api/v1/slas/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/slas/{id}/"): ADMIN_WRITE,
    ("DELETE", "/api/v1/slas/{id}/"): ADMIN_DELETE_IN_USE,
    # Returns and the period workflow.
    ("GET", "/api/v1/returns/"): EVERYONE,
    # A partner cannot name a Housing indicator at all (400); Finance's officer can name it
    # not either. SMT and auditors see it and are refused.
    ("POST", "/api/v1/returns/"): expect(
        403, officer=OK, head=OK, admin=OK, partner=400, other_officer=400
    ),
    ("GET", "/api/v1/returns/{id}/"): HOUSING_RECORD,
    ("PUT", "/api/v1/returns/{id}/"): EDIT_HOUSING_RETURN,
    ("PATCH", "/api/v1/returns/{id}/"): EDIT_HOUSING_RETURN,
    ("POST", "/api/v1/returns/{id}/submit/"): EDIT_HOUSING_RETURN,
    ("POST", "/api/v1/returns/{id}/approve/"): APPROVE_HOUSING_RETURN,
    ("POST", "/api/v1/returns/{id}/send-back/"): APPROVE_HOUSING_RETURN,
    ("POST", "/api/v1/returns/{id}/reopen/"): SMT_ONLY_ON_HOUSING,
    ("POST", "/api/v1/returns/import/"): expect(
        403, officer=OK, head=OK, admin=OK, other_officer=OK
    ),
    ("POST", "/api/v1/periods/{key}/sign-off/"): expect(403, smt=OK, admin=OK),
    ("POST", "/api/v1/periods/{key}/reopen/"): expect(403, smt=OK, admin=OK),
    ("GET", "/api/v1/imports/"): EVERYONE,
    ("GET", "/api/v1/imports/{id}/"): expect(404, officer=OK, admin=OK),
    # Referrals: raised from one's own department; handled by the receiving one (Housing).
    ("GET", "/api/v1/referrals/"): EVERYONE,
    ("POST", "/api/v1/referrals/"): expect(403, officer=OK, head=OK, admin=OK),
    # Finance sent it, so Finance's officer sees it but may not handle it.
    ("GET", "/api/v1/referrals/{id}/"): expect(OK, partner=404),
    ("POST", "/api/v1/referrals/{id}/acknowledge/"): expect(
        403, officer=OK, head=OK, admin=OK, partner=404
    ),
    ("POST", "/api/v1/referrals/{id}/resolve/"): expect(
        403, officer=OK, head=OK, admin=OK, partner=404
    ),
    ("POST", "/api/v1/referrals/import/"): expect(
        403, officer=OK, head=OK, admin=OK, other_officer=OK
    ),
    # The partnership: results and milestone progress by the partner's manager, verified
    # and disputed by SMT; escalations and risks by SMT and the partner's manager.
    ("GET", "/api/v1/sla-results/"): EVERYONE,
    # Housing's people can name the SLA of a service Housing depends on, and are refused.
    ("POST", "/api/v1/sla-results/"): expect(403, partner=OK, admin=OK, other_officer=400),
    ("GET", "/api/v1/sla-results/{id}/"): CONTRACT_RECORD,
    ("POST", "/api/v1/sla-results/{id}/verify/"): SMT_ON_RESULT,
    ("POST", "/api/v1/sla-results/{id}/dispute/"): SMT_ON_RESULT,
    ("POST", "/api/v1/sla-results/{id}/resolve-dispute/"): SMT_ON_RESULT,
    ("POST", "/api/v1/sla-results/import/"): expect(403, partner=OK, admin=OK),
    # Verifying in bulk is SMT's (and administrators'); the role is checked before any id.
    ("POST", "/api/v1/sla-results/verify/"): expect(403, smt=OK, admin=OK),
    ("GET", "/api/v1/milestones/"): EVERYONE,
    ("GET", "/api/v1/milestones/{id}/"): CONTRACT_RECORD,
    ("POST", "/api/v1/milestones/{id}/progress/"): expect(
        403, partner=OK, admin=OK, officer=404, head=404, other_officer=404
    ),
    ("GET", "/api/v1/escalations/"): EVERYONE,
    ("POST", "/api/v1/escalations/"): MANAGE_RECORDS,
    ("GET", "/api/v1/escalations/{id}/"): CONTRACT_RECORD,
    ("PUT", "/api/v1/escalations/{id}/"): MANAGE_RECORD,
    ("PATCH", "/api/v1/escalations/{id}/"): MANAGE_RECORD,
    ("GET", "/api/v1/risks/"): EVERYONE,
    ("POST", "/api/v1/risks/"): MANAGE_RECORDS,
    ("GET", "/api/v1/risks/{id}/"): CONTRACT_RECORD,
    ("PUT", "/api/v1/risks/{id}/"): MANAGE_RECORD,
    ("PATCH", "/api/v1/risks/{id}/"): MANAGE_RECORD,
    # Contract KPIs: seen by those who see the contract. Assessments: the SMT (and
    # administrators) start, propose, rate, approve and reopen them; auditors read them;
    # the partner's manager sees approved ones and their notices, never a draft (404).
    ("GET", "/api/v1/contract-kpis/"): EVERYONE,
    ("GET", "/api/v1/contract-kpis/{id}/"): CONTRACT_RECORD,
    # Contract KPIs are reference data: administrators set and change them.
    ("POST", "/api/v1/contract-kpis/"): ADMIN_WRITE,
    ("PUT", "/api/v1/contract-kpis/{id}/"): ADMIN_WRITE,
    ("PATCH", "/api/v1/contract-kpis/{id}/"): ADMIN_WRITE,
    ("GET", "/api/v1/contract-assessments/"): EVERYONE,
    ("POST", "/api/v1/contract-assessments/"): expect(403, smt=OK, admin=OK),
    ("GET", "/api/v1/contract-assessments/{id}/"): DRAFT_ASSESSMENT,
    ("POST", "/api/v1/contract-assessments/{id}/propose/"): ASSESS_DRAFT,
    ("POST", "/api/v1/contract-assessments/{id}/rate/"): ASSESS_DRAFT,
    ("POST", "/api/v1/contract-assessments/{id}/approve/"): ASSESS_DRAFT,
    ("POST", "/api/v1/contract-assessments/{id}/reopen/"): expect(
        403, smt=OK, admin=OK, officer=404, head=404, other_officer=404
    ),
    ("GET", "/api/v1/contract-assessments/{id}/notice/"): CONTRACT_RECORD,
    # Rectification plans: the SMT records and closes them; the partner's manager (and the
    # SMT) record progress; auditors read them.
    ("GET", "/api/v1/rectification-plans/"): EVERYONE,
    ("POST", "/api/v1/rectification-plans/"): expect(403, smt=OK, admin=OK),
    ("GET", "/api/v1/rectification-plans/{id}/"): CONTRACT_RECORD,
    ("POST", "/api/v1/rectification-plans/{id}/progress/"): MANAGE_RECORD,
    ("POST", "/api/v1/rectification-plans/{id}/close/"): expect(
        403, smt=OK, admin=OK, officer=404, head=404, other_officer=404
    ),
    # Breach and poor-performance notices: the SMT (and administrators) record and approve
    # them; auditors read them; the partner's manager sees approved ones and their notice
    # files, never a draft (404).
    ("GET", "/api/v1/performance-notices/"): EVERYONE,
    ("POST", "/api/v1/performance-notices/"): expect(403, smt=OK, admin=OK),
    ("GET", "/api/v1/performance-notices/{id}/"): DRAFT_ASSESSMENT,
    ("POST", "/api/v1/performance-notices/{id}/approve/"): ASSESS_DRAFT,
    ("POST", "/api/v1/performance-notices/{id}/withdraw/"): ASSESS_DRAFT,
    ("GET", "/api/v1/performance-notices/{id}/notice/"): CONTRACT_RECORD,
    # Metrics: the overview is council-wide; a department's and an indicator's figures for
    # those who see Housing; a partnership's for those who see the contract.
    # The member reads signed-off months only: this council's September has an
    # unverified SLA result, so the council's figures are not theirs (404); Housing's are.
    ("GET", "/api/v1/metrics/overview/"): expect(403, smt=OK, auditor=OK, admin=OK, member=404),
    ("GET", "/api/v1/metrics/coordination/"): expect(OK, partner=403),
    # A department's figures are its returns and referrals: nothing for the partner.
    ("GET", "/api/v1/metrics/departments/{id}/"): expect(
        OK, partner=404, other_officer=404, member=OK
    ),
    ("GET", "/api/v1/metrics/indicators/{id}/"): expect(
        OK, partner=404, other_officer=404, member=OK
    ),
    ("GET", "/api/v1/metrics/partnerships/{id}/"): expect(
        OK, officer=404, head=404, other_officer=404, member=404
    ),
    # The combined view: council-wide roles and departments (their own rows), not the partner.
    ("GET", "/api/v1/metrics/combined/"): expect(OK, partner=403, member=404),
    # Early warnings are read in scope (this one is about a Housing indicator) and
    # acknowledged by SMT and administrators.
    ("GET", "/api/v1/early-warnings/"): EVERYONE,
    ("GET", "/api/v1/early-warnings/{id}/"): HOUSING_RECORD,
    ("POST", "/api/v1/early-warnings/{id}/acknowledge/"): SMT_ONLY_ON_HOUSING,
    # Reports: everyone asks for report runs cut to their scope (an auditor too); people
    # see their own runs, auditors and administrators everyone's. This run is the Housing
    # officer's and failed, so its download answers 410.
    ("GET", "/api/v1/reports/"): EVERYONE,
    # A returns report: the partner's scope and Finance (no indicators in this council)
    # hold no returns, so theirs is refused.
    ("POST", "/api/v1/reports/"): expect(OK, partner=403, other_officer=403),
    ("GET", "/api/v1/reports/{id}/"): expect(404, officer=OK, auditor=OK, admin=OK),
    ("GET", "/api/v1/reports/{id}/download/"): expect(404, officer=410, auditor=410, admin=410),
    # Retried by the one who asked for it, or an administrator; an auditor sees it only.
    ("POST", "/api/v1/reports/{id}/retry/"): expect(404, officer=OK, admin=OK, auditor=403),
    # Benchmarking: published data, read by whoever sees departments (not the partner's
    # manager alone); groups, metrics and values change through administrators' imports.
    ("GET", "/api/v1/comparator-groups/"): EVERYONE,
    ("GET", "/api/v1/comparator-groups/{id}/"): expect(OK, partner=404),
    ("POST", "/api/v1/comparator-groups/import/"): ADMIN_WRITE,
    ("GET", "/api/v1/benchmark-metrics/"): EVERYONE,
    ("GET", "/api/v1/benchmark-metrics/{id}/"): expect(OK, partner=404),
    ("POST", "/api/v1/benchmark-metrics/import/"): ADMIN_WRITE,
    ("POST", "/api/v1/benchmark-values/import/"): ADMIN_WRITE,
    ("GET", "/api/v1/metrics/indicators/{id}/benchmark/"): HOUSING_RECORD,
    # Everyone's own to-do lists, cut to their scope.
    ("GET", "/api/v1/home/"): expect(OK, member=OK),
    # Scrutiny: members ask; Housing's heads (and administrators) answer a question on
    # Housing's indicator; the member who asked closes it. Every role lists what it sees.
    ("GET", "/api/v1/scrutiny-items/"): expect(OK, member=OK),
    ("POST", "/api/v1/scrutiny-items/"): expect(403, member=OK),
    ("GET", "/api/v1/scrutiny-items/{id}/"): expect(OK, partner=404, other_officer=404, member=OK),
    ("POST", "/api/v1/scrutiny-items/{id}/answer/"): expect(
        403, head=OK, admin=OK, partner=404, other_officer=404
    ),
    ("POST", "/api/v1/scrutiny-items/{id}/close/"): expect(
        403, member=OK, partner=404, other_officer=404
    ),
    # Committees: their members, heads of service (who answer) and the council-wide roles.
    ("GET", "/api/v1/scrutiny-committees/"): expect(OK, member=OK),
    ("GET", "/api/v1/scrutiny-committees/{id}/"): expect(
        OK, officer=404, partner=404, other_officer=404, member=OK
    ),
    ("GET", "/api/v1/scrutiny-committees/{id}/agenda/"): expect(
        OK, officer=404, partner=404, other_officer=404, member=OK
    ),
    # Publication to residents: everyone reads the choices for the indicators they see;
    # SMT and administrators publish, reword and withdraw (the role is checked first).
    ("GET", "/api/v1/publications/"): EVERYONE,
    # The sweep's indicator is already published: past the permission, a request to
    # publish it that would replace its words unread is refused (409).
    ("POST", "/api/v1/publications/"): expect(403, smt=409, admin=409),
    ("GET", "/api/v1/publications/{id}/"): HOUSING_RECORD,
    ("PATCH", "/api/v1/publications/{id}/"): expect(403, smt=OK, admin=OK),
    ("POST", "/api/v1/publications/{id}/withdraw/"): expect(403, smt=OK, admin=OK),
    # The published figures: public, read by anyone signed in or not (tests/publication).
    ("GET", "/api/v1/public/indicators/"): expect(OK, member=OK),
    ("GET", "/api/v1/public/indicators/{code}/"): expect(OK, member=OK),
}


# Which record a path's {id} names, and the body of each write, by path.
RECORD_OF_PATH = {
    "tokens": "token",
    "departments": "department",
    "indicators": "indicator",
    "targets": "target",
    "partners": "partner",
    "partnerships": "partnership",
    "services": "service",
    "slas": "sla",
    "imports": "import",
    "early-warnings": "warning",
    "reports": "report",
    "referrals": "referral",
    "milestones": "milestone",
    "escalations": "escalation",
    "risks": "risk",
    "metrics/departments": "department",
    "metrics/indicators": "indicator",
    "comparator-groups": "group",
    "benchmark-metrics": "metric",
    "metrics/partnerships": "partnership",
    "contract-kpis": "kpi",
    "rectification-plans": "plan",
    "publications": "publication",
    "scrutiny-items": "scrutiny_item",
    "scrutiny-committees": "committee",
}
# The draft assessment for everything but reopening and the notice, which need the approved.
ASSESSMENT_OF_ACTION = {"reopen": "approved_assessment", "notice": "approved_assessment"}
RETURN_OF_ACTION = {
    "approve": "submitted",
    "send-back": "submitted",
    "reopen": "locked",
}
RESULT_OF_ACTION = {"resolve-dispute": "disputed"}
NOTICE_OF_ACTION = {"notice": "approved_performance_notice"}


def _record_id(path: str, ids: dict[str, int]) -> int:
    resource, _, rest = path.removeprefix("/api/v1/").partition("/{id}/")
    if resource == "returns":
        return ids[RETURN_OF_ACTION.get(rest.strip("/"), "draft")]
    if resource == "contract-assessments":
        return ids[ASSESSMENT_OF_ACTION.get(rest.strip("/"), "assessment")]
    if resource == "sla-results":
        return ids[RESULT_OF_ACTION.get(rest.strip("/"), "result")]
    if resource == "performance-notices":
        return ids[NOTICE_OF_ACTION.get(rest.strip("/"), "performance_notice")]
    if resource == "scrutiny-items" and rest.strip("/") == "close":
        return ids["answered_item"]
    return ids[RECORD_OF_PATH[resource]]


def _body(method: str, path: str, persona: str, c: Council) -> dict:
    ids = c.ids
    escalation = {
        "partnership": ids["partnership"],
        "title": "Outage at depots",
        "owner": "Head of ICT client",
        "raised_on": "2026-11-02",
        "severity": "high",
        "state": "open",
    }
    risk = {**escalation, "likelihood": 3, "impact": 5}
    del risk["severity"]
    bodies: dict[tuple[str, str], dict] = {
        ("POST", "/api/v1/auth/token/"): {
            "username": c.users[persona].username,
            "password": PASSWORD,
            "name": "Sweep",
        },
        ("POST", "/api/v1/departments/"): {
            "council": ids["council"],
            "name": "Libraries",
            "code": "lib",
        },
        ("POST", "/api/v1/indicators/"): {
            "council": ids["council"],
            "code": "LPI-NEW",
            "title": "A new indicator",
            "definition": "Something counted.",
            "unit": "count",
            "polarity": "higher",
            "frequency": "monthly",
            "year_to_date": "sum",
            "dimension": "economy",
            "department": ids["department"],
        },
        ("POST", "/api/v1/targets/"): {
            "indicator": ids["indicator"],
            "financial_year": 2026,
            "annual_value": "80",
            "tolerance": "2",
        },
        ("POST", "/api/v1/partners/"): {"name": "Another Partner Ltd"},
        ("POST", "/api/v1/partnerships/"): {
            "council": ids["council"],
            "partner": ids["partner"],
            "name": "Another partnership",
            "start_date": "2024-04-01",
            "end_date": "2029-03-31",
            "annual_value": "1000000.00",
        },
        ("POST", "/api/v1/services/"): {
            "partnership": ids["partnership"],
            "code": "intranet",
            "name": "Intranet",
            "monthly_charge": "1000.00",
            "credit_cap_percent": "10",
            "departments": [ids["department"]],
        },
        ("POST", "/api/v1/slas/"): {
            "service": ids["service"],
            "code": "SLA-NEW",
            "title": "Fix time",
            "polarity": "higher",
            "expected_level": "99",
            "minimum_level": "95",
            "credit_percent": "2",
        },
        ("POST", "/api/v1/returns/"): {
            "indicator": ids["indicator"],
            "period": "2025-26-P08",
            "value": "91.5",
        },
        ("PUT", "/api/v1/returns/{id}/"): {"value": "92.5", "version": 1},
        ("POST", "/api/v1/returns/{id}/send-back/"): {"reason": "Check the figure"},
        ("POST", "/api/v1/returns/{id}/reopen/"): {"reason": "Correction"},
        ("POST", "/api/v1/publications/"): {
            "indicator": ids["indicator"],
            "public_title": "Council homes let on time",
            "public_description": "Homes let within 28 days of becoming empty.",
            "theme": "homes",
        },
        ("POST", "/api/v1/publications/{id}/withdraw/"): {"reason": "Definition under review"},
        ("POST", "/api/v1/returns/import/"): {
            "rows": [{"indicator_code": "LPI-HOU-03", "period": "2025-26-P09", "value": "90"}]
        },
        ("POST", "/api/v1/periods/{key}/reopen/"): {"reason": "Late correction"},
        ("POST", "/api/v1/referrals/"): {
            "from_department": ids["department"],
            "to_department": c.users["other_officer"].memberships.get().department_id,
            "category": "Rent arrears",
            "raised_on": "2026-11-20",
            "agreed_days": 5,
            "channel": "email",
        },
        ("POST", "/api/v1/referrals/import/"): {
            "rows": [
                {
                    "from_department": "housing",
                    "to_department": "finance",
                    "category": "Rent arrears",
                    "raised_on": "2026-11-20",
                    "agreed_days": "5",
                    "channel": "email",
                }
            ]
        },
        ("POST", "/api/v1/sla-results/"): {
            "sla": ids["sla"],
            "period": "2025-26-P08",
            "value": "99.7",
        },
        ("POST", "/api/v1/sla-results/{id}/dispute/"): {"reason": "The log shows otherwise"},
        ("POST", "/api/v1/sla-results/verify/"): {"results": [{"id": ids["result"]}]},
        ("POST", "/api/v1/sla-results/{id}/resolve-dispute/"): {"reason": "Agreed at board"},
        ("POST", "/api/v1/sla-results/import/"): {
            "rows": [{"sla_code": "SLA-01", "period": "2025-26-P09", "value": "99.9"}]
        },
        ("POST", "/api/v1/reports/"): {
            "kind": "returns",
            "file_format": "csv",
            "parameters": {"period": "2025-26-P06"},
        },
        ("POST", "/api/v1/early-warnings/{id}/acknowledge/"): {
            "note": "Raised with the head of service; recovery plan due Friday."
        },
        ("POST", "/api/v1/milestones/{id}/progress/"): {
            "state": "delivered",
            "delivered_date": "2025-09-30",
        },
        ("POST", "/api/v1/contract-assessments/"): {
            "partnership": ids["partnership"],
            "kind": "ad_hoc",
            "period_start": "2025-10-01",
            "period_end": "2025-12-31",
        },
        ("POST", "/api/v1/contract-assessments/{id}/rate/"): {
            "kpi": ids["kpi"],
            "rating": "approaching",
            "reason": "Two disputed months.",
        },
        ("POST", "/api/v1/contract-assessments/{id}/reopen/"): {"reason": "Figure corrected"},
        ("POST", "/api/v1/rectification-plans/"): {
            "partnership": ids["partnership"],
            "sla": ids["sla"],
            "action": "Fix the failover.",
            "owner": "Partner service director",
            "due_date": "2099-01-31",
        },
        ("POST", "/api/v1/rectification-plans/{id}/progress/"): {"progress": "In test."},
        ("POST", "/api/v1/contract-kpis/"): {
            "partnership": ids["partnership"],
            "title": "Milestones delivered on time",
            "measure": "milestones",
        },
        ("PUT", "/api/v1/contract-kpis/{id}/"): {
            "partnership": ids["partnership"],
            "title": "Availability",
            "measure": "slas",
            "slas": [ids["sla"]],
            "linked_to_payment": True,
        },
        ("PATCH", "/api/v1/contract-kpis/{id}/"): {"linked_to_payment": True},
        ("POST", "/api/v1/performance-notices/{id}/withdraw/"): {"reason": "Wrong contract."},
        ("POST", "/api/v1/performance-notices/"): {
            "partnership": ids["partnership"],
            "kind": "breach",
            "what_happened": "Backups were not taken for six weeks.",
            "occurred_on": "2026-11-02",
            "action_taken": "settlement",
        },
        ("POST", "/api/v1/rectification-plans/{id}/close/"): {"state": "met", "reason": "Fixed"},
        ("POST", "/api/v1/comparator-groups/import/"): {
            "rows": [
                {
                    "group": "Family group",
                    "kind": "family_group",
                    "model_year": "2024",
                    "area_code": "E09000002",
                    "area_name": "Barking",
                }
            ]
        },
        ("POST", "/api/v1/benchmark-metrics/import/"): {
            "rows": [
                {"code": "CORP11", "title": "Fund spent", "polarity": "midpoint", "midpoint": "1"}
            ]
        },
        ("POST", "/api/v1/benchmark-values/import/"): {
            "rows": [
                {
                    "metric": "NI192",
                    "area_code": "E09000002",
                    "area_name": "Barking",
                    "period": "2024/25",
                    "value": "suppressed",
                }
            ]
        },
        ("POST", "/api/v1/scrutiny-items/"): {
            "subject": "indicator",
            "indicator": ids["indicator"],
            "period": "2025-26-P06",
            "text": "Why is the figure below target?",
        },
        ("POST", "/api/v1/scrutiny-items/{id}/answer/"): {"answer": "Major works on voids."},
        ("POST", "/api/v1/escalations/"): escalation,
        ("PUT", "/api/v1/escalations/{id}/"): escalation,
        ("POST", "/api/v1/risks/"): risk,
        ("PUT", "/api/v1/risks/{id}/"): risk,
    }
    for resource in ("departments", "indicators", "targets", "partners", "partnerships"):
        bodies[("PUT", f"/api/v1/{resource}/{{id}}/")] = bodies[("POST", f"/api/v1/{resource}/")]
    bodies[("PUT", "/api/v1/services/{id}/")] = {
        **bodies[("POST", "/api/v1/services/")],
        "code": "case-management",
    }
    bodies[("PUT", "/api/v1/slas/{id}/")] = bodies[("POST", "/api/v1/slas/")]
    if method == "PATCH":
        put = bodies.get(("PUT", path), {})
        return {k: v for k, v in put.items() if k in ("value", "version", "title", "name")}
    return bodies.get((method, path), {})


def _url(path: str, ids: dict[str, int]) -> str:
    if "{key}" in path:
        # P06 is signed off (so it can be reopened); P07 is not (so it can be signed off).
        return path.replace("{key}", "2025-26-P06" if path.endswith("/reopen/") else "2025-26-P07")
    if "{id}" in path:
        return path.replace("{id}", str(_record_id(path, ids)))
    if "{code}" in path:  # the public figures name an indicator by its code
        return path.replace("{code}", "LPI-HOU-03")
    return path


def _class_of(status: int) -> object:
    return OK if 200 <= status < 300 else status


@pytest.fixture(scope="module")
def sweep_council(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with time_machine.travel(NOW), media, shared_rows(django_db_blocker, "sweep_council"):
        with django_db_blocker.unblock():
            council = CouncilFactory()
            housing = DepartmentFactory(council=council, name="Housing", code="housing")
            finance = DepartmentFactory(council=council, name="Finance", code="finance")
            partnership = PartnershipFactory(council=council, name="ICT Partnership")
            built = build_council(housing, finance, partnership)
        yield built


def _answers(council: Council, method: str, path: str) -> dict[str, object]:
    """Each persona's status class for one request, each in a rolled-back savepoint."""
    answers = {}
    for persona in PERSONAS:
        client = APIClient()
        client.force_authenticate(council.users[persona])
        with transaction.atomic():
            response = getattr(client, method.lower())(
                _url(path, council.ids), _body(method, path, persona, council), format="json"
            )
            transaction.set_rollback(True)
        answers[persona] = _class_of(response.status_code)
        if response.status_code >= 500:
            answers[persona] = f"{response.status_code}: {response.content[:200]!r}"
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_each_role_as_the_roles_matrix_says(sweep_council, method, path):
    assert (method, path) in EXPECTED, (
        f"{method} {path} is not in the roles matrix of this sweep: add its row to EXPECTED "
        "from DESIGN.md section 4."
    )
    # The clock is already at NOW (the fixture's travel, still running): travelling again
    # would turn it back before the council's own sign-off.
    answers = _answers(sweep_council, method, path)
    assert answers == EXPECTED[(method, path)]


@pytest.fixture
def personas_only(sweep_council):
    """405 is decided before any record is looked up: people, and any id, are enough."""
    return Council(users=sweep_council.users, ids=defaultdict(lambda: 1))


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), UNSERVED, ids=[f"{m} {p}" for m, p in UNSERVED])
def test_every_method_a_path_does_not_serve_answers_405(personas_only, method, path):
    answers = _answers(personas_only, method, path)
    # Nothing reaches a record for a method the path does not serve: 405 for everyone.
    assert answers == expect(405)


def test_the_matrix_names_no_operation_that_no_longer_exists():
    assert sorted(set(EXPECTED) - set(OPERATIONS)) == []


def test_an_auditor_creates_nothing_but_their_own_tokens():
    """DESIGN.md section 4: an auditor changes no data; report runs and their own API
    tokens are the only things they create. Read from the matrix above, so the rule holds
    for every write the schema lists."""
    auditor_writes = {op for op, by in EXPECTED.items() if op[0] != "GET" and by["auditor"] == OK}
    assert auditor_writes <= {
        ("POST", "/api/v1/auth/token/"),
        ("DELETE", "/api/v1/tokens/{id}/"),
        ("POST", "/api/v1/reports/"),
    }
