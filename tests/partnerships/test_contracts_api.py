"""Contract KPIs and assessments through the API: the partner never sees a draft, the SMT's
reasons and the approval's lock answer as the services say, and the notice downloads as
the same bytes the notice module builds, with its SHA-256."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from partnerships.contracts import notices, services
from partnerships.contracts.models import AssessmentKind, ContractKpi
from tests.api_council import contract_assessments
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(partnership, sam, ada):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    return contract_assessments(partnership, sla, {"smt": sam, "admin": ada})


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_partner_sees_the_kpis_and_approved_assessments_only(contract, pat, alice):
    kpi, draft, approved = contract
    partner = client_for(pat)
    listed = partner.get("/api/v1/contract-assessments/").json()["results"]
    assert [a["id"] for a in listed] == [approved.pk]
    assert partner.get(f"/api/v1/contract-assessments/{draft.pk}/").status_code == 404
    kpis = partner.get("/api/v1/contract-kpis/").json()["results"]
    assert [k["title"] for k in kpis] == [
        "Availability",
        "Incident resolution",
        "Milestones on time",
    ]
    assert kpis[0]["thresholds"][0] == {"rating": "Good", "condition": "score 95% or more"}
    assert client_for(alice).get("/api/v1/contract-kpis/").json()["results"] == []
    refused = partner.post(
        f"/api/v1/contract-assessments/{approved.pk}/reopen/", {"reason": "x"}, format="json"
    )
    assert refused.status_code == 403


def test_a_changed_rating_needs_a_reason_and_an_approved_one_is_locked(contract, sam):
    kpi, draft, approved = contract
    smt = client_for(sam)
    url = f"/api/v1/contract-assessments/{draft.pk}/"
    # The proposal here is none (no results in the period), so any rating needs a reason.
    answer = smt.post(f"{url}rate/", {"kpi": kpi.pk, "rating": "good"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "reason": ["Give a reason for rating Good when the evidence proposes none."]
    }
    rated = smt.post(
        f"{url}rate/", {"kpi": kpi.pk, "rating": "good", "reason": "Monitoring data"}, format="json"
    )
    assert rated.status_code == 200
    row = next(r for r in rated.json()["ratings"] if r["kpi"] == kpi.pk)
    assert (row["rating"], row["reason"]) == ("good", "Monitoring data")
    assert smt.post(f"{url}approve/").json()["state"] == "approved"
    again = smt.post(f"{url}approve/")
    assert again.status_code == 409
    assert "approved and locked" in again.json()["detail"]


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_the_notice_downloads_with_its_checksum(contract, pat, file_format):
    _, _, approved = contract
    answer = client_for(pat).get(
        f"/api/v1/contract-assessments/{approved.pk}/notice/?file_format={file_format}"
    )
    assert answer.status_code == 200
    built = notices.NOTICE_FORMATS[file_format](approved)
    assert answer.content == built.content
    assert answer["X-Content-SHA256"] == hashlib.sha256(answer.content).hexdigest()
    assert built.filename in answer["Content-Disposition"]


def test_a_draft_has_no_notice(contract, sam):
    _, draft, _ = contract
    answer = client_for(sam).get(f"/api/v1/contract-assessments/{draft.pk}/notice/")
    assert answer.status_code == 400
    assert answer.json() == {
        "non_field_errors": ["A notice is produced only from an approved assessment."]
    }


def _list_queries(client, resource: str) -> tuple[int, int]:
    """(SQL queries, rows counted) of one list request."""
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/api/v1/{resource}/")
    return len(captured), answer.json()["count"]


def test_the_lists_make_the_same_queries_however_many_rows(contract, sam, ada):
    smt = client_for(sam)
    kpi, draft, _ = contract
    few = {r: _list_queries(smt, r) for r in ("contract-assessments", "contract-kpis")}
    for month in (10, 11, 12):
        services.start_assessment(
            partnership=draft.partnership,
            actor=sam,
            kind=AssessmentKind.AD_HOC,
            period_start=draft.period_start.replace(month=month),
            period_end=draft.period_start.replace(month=month, day=30),
        )
        services.save_contract_kpi(
            kpi=ContractKpi(partnership=draft.partnership, title=f"KPI {month}", measure="slas"),
            actor=ada,
            slas=list(kpi.slas.all()),
        )
    many = {r: _list_queries(smt, r) for r in ("contract-assessments", "contract-kpis")}
    assert {r: q for r, (q, _) in few.items()} == {r: q for r, (q, _) in many.items()}
    assert {r: n for r, (_, n) in few.items()} == {
        "contract-assessments": 2,
        "contract-kpis": 3,
    }
    assert {r: n for r, (_, n) in many.items()} == {
        "contract-assessments": 5,
        "contract-kpis": 6,
    }


def test_a_duplicate_kpi_title_is_reported_under_title(contract, ada):
    kpi, _, _ = contract
    answer = client_for(ada).post(
        "/api/v1/contract-kpis/",
        {
            "partnership": kpi.partnership_id,
            "title": "Availability",
            "measure": "slas",
            "slas": [s.pk for s in kpi.slas.all()],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "title": ["The contract already has a KPI titled “Availability”: give another title."]
    }
