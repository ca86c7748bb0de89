"""The contract pages: the SMT reviews a proposal, changes a rating with a reason,
approves and reads the notice; the partner sees the KPIs and approved assessments only;
departments see none of it."""

from __future__ import annotations

import pytest

from partnerships.contracts import notices
from partnerships.contracts.models import ContractKpi
from tests.api_council import contract_assessments
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(partnership, sam, ada):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    return contract_assessments(partnership, sla, {"smt": sam, "admin": ada})


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_contract_page_shows_the_kpis_and_their_thresholds(client, contract, partnership, sam):
    page = signed_in(client, sam).get(f"/partnerships/{partnership.pk}/contract/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Availability" in text and "Milestones delivered on time" in text
    assert "Good: score 95% or more" in text
    assert "Applies" in text  # £120 million over the term


def test_too_few_kpis_are_named_on_the_page_and_starting_is_refused(
    client, contract, partnership, sam
):
    ContractKpi.objects.filter(title="Availability").update(active=False)
    page = signed_in(client, sam).post(
        f"/partnerships/{partnership.pk}/contract/",
        {"kind": "ad_hoc", "period_start": "2025-10-01", "period_end": "2025-12-31"},
    )
    assert page.status_code == 400
    assert "requires at least 3 key performance indicators for this contract" in (
        page.content.decode()
    )


def test_the_smt_changes_a_rating_with_a_reason_and_approves(client, contract, sam):
    kpi, draft, _ = contract
    signed_in(client, sam)
    row = draft.ratings.get(kpi=kpi)
    url = f"/contract-assessments/{draft.pk}/"
    refused = client.post(
        url, {"action": "rate", "rating_id": row.pk, f"kpi{row.pk}-rating": "good"}
    )
    assert refused.status_code == 400
    assert "Give a reason for rating Good when the evidence proposes none." in (
        refused.content.decode()
    )
    done = client.post(
        url,
        {
            "action": "rate",
            "rating_id": row.pk,
            f"kpi{row.pk}-rating": "good",
            f"kpi{row.pk}-reason": "Monitoring data shows full availability.",
        },
    )
    assert done.status_code == 302
    row.refresh_from_db()
    assert (row.rating, row.reason) == ("good", "Monitoring data shows full availability.")
    assert client.post(url, {"action": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.is_approved
    notice = client.get(f"/contract-assessments/{draft.pk}/notice/")
    text = notice.content.decode()
    assert "Unique identifier of the public contract" in text
    assert notices.notice_json(draft).sha256 in text
    download = client.get(f"/contract-assessments/{draft.pk}/notice/?file_format=csv")
    assert download.content == notices.notice_csv(draft).content


def test_the_partner_sees_approved_assessments_only(client, contract, partnership, pat):
    _, draft, approved = contract
    signed_in(client, pat)
    page = client.get(f"/partnerships/{partnership.pk}/contract/").content.decode()
    assert f"/contract-assessments/{approved.pk}/" in page
    assert f"/contract-assessments/{draft.pk}/" not in page
    assert "Start an assessment" not in page
    assert client.get(f"/contract-assessments/{draft.pk}/").status_code == 404
    assert client.get(f"/contract-assessments/{approved.pk}/notice/").status_code == 200
    refused = client.post(f"/contract-assessments/{approved.pk}/", {"action": "reopen"})
    assert refused.status_code == 403


def test_departments_see_none_of_it(client, contract, partnership, alice):
    _, _, approved = contract
    signed_in(client, alice)
    assert client.get(f"/partnerships/{partnership.pk}/contract/").status_code == 404
    assert client.get(f"/contract-assessments/{approved.pk}/notice/").status_code == 404


def test_the_assessment_history_is_for_the_council_wide_roles(client, contract, audrey, pat):
    _, _, approved = contract
    signed_in(client, audrey)
    page = client.get(f"/audit-trail/assessment/{approved.pk}/")
    assert page.status_code == 200
    assert "Approved" in page.content.decode()
    signed_in(client, pat)
    assert client.get(f"/audit-trail/assessment/{approved.pk}/").status_code == 404


def test_the_smt_records_a_plan_and_the_partner_updates_it(client, contract, partnership, sam, pat):
    from partnerships.contracts.models import RectificationPlan

    sla = partnership.services.get().slas.get()
    signed_in(client, sam)
    url = f"/partnerships/{partnership.pk}/contract/"
    refused = client.post(url, {"kind": "plan", "answers": f"sla:{sla.pk}", "owner": "Partner"})
    assert refused.status_code == 400
    assert "Enter what the partner must do." in refused.content.decode()
    assert not RectificationPlan.objects.exists()
    done = client.post(
        url,
        {
            "kind": "plan",
            "answers": f"sla:{sla.pk}",
            "action": "Restore availability.",
            "owner": "Partner service director",
            "due_date": "2099-12-31",
        },
    )
    assert done.status_code == 302
    plan = RectificationPlan.objects.get()
    signed_in(client, pat)
    page = client.get(url).content.decode()
    assert "Restore availability." in page and "Record a rectification plan" not in page
    client.post(f"/rectification-plans/{plan.pk}/progress/", {"progress": "Cluster in test."})
    plan.refresh_from_db()
    assert plan.progress == "Cluster in test."
    assert (
        client.post(
            f"/rectification-plans/{plan.pk}/close/", {"state": "met", "reason": "x"}
        ).status_code
        == 403
    )


def test_the_smt_home_lists_notices_due_and_drafts_to_approve(contract, partnership, sam, pat):
    from datetime import date

    from reporting.todo import home_lists

    _, draft, approved = contract
    # The approved assessment covers April 2024 to March 2025: the next is due 31 March
    # 2026, 30 days ahead of 1 March 2026.
    notices_due = home_lists(sam, today=date(2026, 3, 1)).list("contract_notices_due")
    assert [(i.text, i.detail) for i in notices_due.items] == [
        (
            f"Assess {partnership.name} and publish its notice",
            "due 31 March 2026 (12 months after the last assessed period)",
        ),
        (
            f"Review and approve the assessment of {partnership.name}",
            "1 April 2025 to 30 September 2025",
        ),
    ]
    assert notices_due.items[1].url == f"/contract-assessments/{draft.pk}/"
    later = home_lists(sam, today=date(2026, 2, 28)).list("contract_notices_due")
    assert [i.url for i in later.items] == [f"/contract-assessments/{draft.pk}/"]
    assert home_lists(pat).list("contract_notices_due") is None


def test_a_rating_id_that_is_not_a_number_answers_not_found(client, contract, sam):
    _, draft, _ = contract
    signed_in(client, sam)

    answer = client.post(
        f"/contract-assessments/{draft.pk}/", {"action": "rate", "rating_id": "abc"}
    )

    assert answer.status_code == 404
