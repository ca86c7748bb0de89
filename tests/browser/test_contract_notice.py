"""A real browser walks the contract assessment: the SMT reviews the proposal on the
assessment page, changes one rating with a reason, approves and downloads the notice; the
partner's manager then sees the approved assessment and its notice. Axe checks the
contract page, the assessment page and the notice page on the way."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from partnerships.contracts import notices
from partnerships.contracts.models import Assessment
from partnerships.contracts.plans import record_plan
from tests.api_council import contract_assessments
from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD
from tests.factories import ServiceFactory, SlaFactory


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.django_db(transaction=True)
def test_the_smt_rates_approves_and_the_partner_reads_the_notice(
    page, live_server, partnership, sam, ada, pat
):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    kpi, draft, _ = contract_assessments(partnership, sla, {"smt": sam, "admin": ada})
    plan = record_plan(
        partnership=partnership,
        actor=sam,
        sla=sla,
        action="Restore availability above 99.5%.",
        owner="Partner service director",
        due_date=date(2099, 12, 31),
    )
    base = live_server.url

    _sign_in(page, base, "sam")
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    no_axe_violations(page, "Contract KPIs page")
    page.get_by_role("link", name="1 April 2025 to 30 September 2025").click()
    no_axe_violations(page, "Assessment page, draft")
    assert page.get_by_test_id(f"proposed-{kpi.pk}").inner_text().startswith("No proposal")

    section = page.locator("section", has=page.get_by_role("heading", name="Availability"))
    section.get_by_label("Rating").select_option("approaching")
    section.get_by_label("Reason").fill("")  # the draft's earlier reason, cleared
    section.get_by_role("button", name="Record the rating of Availability").click()
    # No reason: refused, with the message beside the field and in the error summary.
    assert "Give a reason for rating Approaching target" in page.inner_text(".error-summary")
    no_axe_violations(page, "Assessment page with an error")
    section = page.locator("section", has=page.get_by_role("heading", name="Availability"))
    section.get_by_label("Rating").select_option("approaching")
    section.get_by_label("Reason").fill("Monitoring gaps in two months.")
    section.get_by_role("button", name="Record the rating of Availability").click()
    assert "Approaching target" in page.get_by_test_id(f"rating-{kpi.pk}").inner_text()

    page.get_by_role("button", name="Approve the assessment").click()
    assert page.get_by_test_id("assessment-state").inner_text().startswith("Approved")
    page.get_by_role("link", name="The notice").click()
    no_axe_violations(page, "Notice page")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download JSON of the notice").click()
    content = Path(downloading.value.path()).read_bytes()
    approved = Assessment.objects.get(pk=draft.pk)
    assert content == notices.notice_json(approved).content
    assert json.loads(content)["suppliers assessed"][0][
        "assessment of performance against the key performance indicators"
    ][0] == {
        "key performance indicator": "Availability",
        "rating": "Approaching target",
        "meaning of the rating": "close to meeting the KPIs",
        "explanation": "Monitoring gaps in two months.",
    }
    assert notices.notice_json(approved).sha256 in page.inner_text("main")

    page.context.clear_cookies()
    _sign_in(page, base, "pat")
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    page.get_by_role("link", name="Notice for 1 April 2025 to 30 September 2025").click()
    assert "Monitoring gaps in two months." in page.inner_text("main")
    # The partner updates its rectification plan on the contract page.
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    no_axe_violations(page, "Contract KPIs page with a plan, as the partner")
    page.get_by_label("Progress of the plan due 31 Dec 2099").fill("Failover cluster in test.")
    page.get_by_role("button", name="Save progress").click()
    assert "Failover cluster in test." in page.inner_text("main")
    plan.refresh_from_db()
    assert plan.progress == "Failover cluster in test."
