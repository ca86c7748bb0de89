"""The auditor reads a change's values before and after on the audit trail, follows the
record's history link, and finds both pages accessible (axe)."""

from decimal import Decimal

import pytest

from partnerships.sla_results import services
from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD
from tests.factories import ServiceFactory, SlaFactory


@pytest.mark.django_db(transaction=True)
def test_the_auditor_reads_an_sla_result_correction_and_its_history(
    page, live_server, partnership, pat, audrey
):
    sla = SlaFactory(
        service=ServiceFactory(partnership=partnership, name="Network"),
        code="AV-01",
        expected_level=Decimal("99.5"),
    )
    entered = services.enter_sla_result(sla=sla, period_key="2025-26-P06", actor=pat, value="99.7")
    services.enter_sla_result(
        sla=sla,
        period_key="2025-26-P06",
        actor=pat,
        value="99.6",
        commentary="Monitoring gap added.",
        expected_version=entered.version,
    )
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("audrey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/audit-trail/?object_type=sla_result")
    row = page.locator("tbody tr").first
    assert "SLA result" in row.inner_text()
    assert "Reported value: 99.7 → 99.6" in row.inner_text()
    assert "Commentary: – → Monitoring gap added." in row.inner_text()
    no_axe_violations(page, "Audit trail")

    row.get_by_role("link", name="History of SLA result AV-01, September 2025").click()
    page.wait_for_selector("h1:has-text('History of SLA result')")
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Reported value: 99.7 → 99.6" in rows.nth(0).inner_text()
    assert "Reported value: 99.7" in rows.nth(1).inner_text()
    assert "Created" in rows.nth(1).inner_text()
    assert "SLA: AV-01 Availability in core hours" in rows.nth(1).inner_text()
    no_axe_violations(page, "Record history")
