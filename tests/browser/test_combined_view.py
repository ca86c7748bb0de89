"""The combined view in a real browser: the SMT reads the finding and both charts, then
acknowledges an early warning from the page; axe finds nothing to fix."""

import re

import pytest
from django.utils import timezone

from reporting.models import EarlyWarning
from tests.browser.axe import no_axe_violations
from tests.browser.test_dashboards import _sign_in
from tests.demo_council import demo_council


@pytest.mark.django_db(transaction=True)
def test_smt_reads_the_combined_view_and_acknowledges_a_warning(page, live_server):
    demo_council(seed=2025, today=timezone.localdate())
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base, "smt")

    page.get_by_role("link", name="Combined view").click()
    page.wait_for_selector("#combined-trend-caption")
    page.wait_for_selector("svg.main-svg")  # drawn by the locally served plotly.js
    page.wait_for_function("document.querySelectorAll('svg.main-svg').length >= 2")
    finding = page.get_by_test_id("finding").inner_text()
    assert finding.startswith(
        "When the partner's service slips, joint working between departments tends to slip"
    )
    statistics = page.get_by_test_id("finding-statistics").inner_text()
    assert re.fullmatch(
        r"The link is (very strong|strong|moderate): r = 0\.\d\d over \d\d pairs of months, "
        r"coordination measured (in the same month|about (a|\d) months? later)\.",
        statistics,
    ), statistics
    lags = page.get_by_role("table", name="Correlation of month-on-month changes")
    assert not lags.is_visible()  # one click away
    page.get_by_text("The statistics behind this").click()
    assert lags.is_visible() and lags.get_by_role("row").count() == 5
    assert (
        "Shaded: months when partner health was below green"
        in page.locator("#combined-trend-caption").inner_text()
    )
    assert page.get_by_role("row", name="Housing").count() == 1
    no_axe_violations(page, "Combined view")
    assert console_errors == []  # (the form below answers 400 on purpose, so check now)

    open_before = EarlyWarning.objects.open().count()
    assert open_before > 0
    page.locator(".warning-list a").first.click()
    page.wait_for_selector("h1")
    subject = page.locator(".summary-list dd").first.inner_text()
    page.get_by_role("button", name="Acknowledge warning").click()  # no note yet
    page.wait_for_selector("#error-summary")
    assert "Enter a note" in page.locator("#error-summary").inner_text()
    no_axe_violations(page, "Early warning with an error")
    page.get_by_label("Note").fill("Raised with the partner at the contract board.")
    page.get_by_role("button", name="Acknowledge warning").click()
    page.wait_for_selector(".message")
    assert f"Early warning acknowledged: {subject}." in page.locator(".message").inner_text()
    assert EarlyWarning.objects.open().count() == open_before - 1
    acknowledged = EarlyWarning.objects.get(subject_label=subject, acknowledged_at__isnull=False)
    assert acknowledged.acknowledgement_note == "Raised with the partner at the contract board."
    assert acknowledged.acknowledged_by.username == "smt"
    no_axe_violations(page, "Early warnings list")
