"""A real browser walks a breach notice: the SMT records the breach on its page, approves
it and downloads the notice; the partner's manager then reads the published notice. An
administrator sets a KPI on its page. Axe checks each page on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnerships.contracts import breach_notices
from partnerships.contracts.models import ContractKpi, PerformanceNotice
from tests.browser.axe import no_axe_violations
from tests.browser.test_contract_notice import _sign_in
from tests.factories import ServiceFactory, SlaFactory
from tests.partnerships.test_contract_notices import DETAILS


@pytest.mark.django_db(transaction=True)
def test_the_smt_records_and_approves_a_breach_and_the_partner_reads_it(
    page, live_server, partnership, sam, pat, ada
):
    for name, value in DETAILS.items():
        setattr(partnership, name, value)
    partnership.save()
    sla = SlaFactory(service=ServiceFactory(partnership=partnership), code="AV-01")
    base = live_server.url

    _sign_in(page, base, "ada")
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    page.get_by_role("link", name="Set a key performance indicator").click()
    no_axe_violations(page, "KPI page")
    page.get_by_label("Title").fill("Availability of core systems")
    page.get_by_label("Measure").select_option("slas")
    page.get_by_label("AV-01", exact=False).check()
    page.get_by_role("button", name="Save the KPI").click()
    page.wait_for_url(f"{base}/partnerships/{partnership.pk}/contract/")
    assert list(ContractKpi.objects.get().slas.all()) == [sla]

    page.context.clear_cookies()
    _sign_in(page, base, "sam")
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    page.get_by_role("link", name="Record a breach or a failure to perform").click()
    no_axe_violations(page, "Breach form")
    page.get_by_label("What the notice is about").select_option("breach")
    page.get_by_label("What happened").fill("Backups were not taken for six weeks.")
    page.get_by_label("When").fill("2026-03-02")
    page.get_by_label("Action taken", exact=True).select_option("damages")
    page.get_by_role("button", name="Record as a draft").click()
    # Damages awarded without their amount: refused, the message in the error summary.
    assert "Give the damages awarded, in pounds." in page.inner_text(".error-summary")
    no_axe_violations(page, "Breach form with an error")
    page.get_by_label("Damages awarded, in pounds").fill("40000")
    page.get_by_role("button", name="Record as a draft").click()
    no_axe_violations(page, "Breach record, draft")
    page.get_by_role("button", name="Approve for publication").click()
    no_axe_violations(page, "Breach notice")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download CSV of the notice").click()
    notice = PerformanceNotice.objects.get()
    content = Path(downloading.value.path()).read_bytes()
    assert content == breach_notices.notice_csv(notice).content
    assert breach_notices.notice_csv(notice).sha256 in page.inner_text("main")

    page.context.clear_cookies()
    _sign_in(page, base, "pat")
    page.goto(f"{base}/partnerships/{partnership.pk}/contract/")
    page.get_by_role("link", name="Breach of contract (section 71(4)(a))").click()
    assert "£40,000.00" in page.inner_text("main")
