"""A real browser (Debian's Chromium through Playwright) walks a red return through the
workflow: the officer opens the form of a return not yet started from My returns, is
stopped by the error summary, explains the result and submits; the head of service
approves. Axe checks each page on the way.

The live server runs on real time, so the return is for September 2025 (2025-26-P06),
a period that has ended whatever today's date.
"""

import re
from decimal import Decimal

import pytest

from departments.models import KpiReturn, ReturnState
from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD
from tests.factories import IndicatorFactory, TargetFactory

PERIOD = "2025-26-P06"
COMMENTARY_NEEDED = "Explain why the result is red: a red return needs commentary"
ACTION_NEEDED = "Say what will be done about it: a red return needs an improvement action"


@pytest.fixture
def indicator(housing):
    """A monthly percentage with a 2025-26 target of 90 and an amber tolerance of 5."""
    indicator = IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Homelessness cases prevented",
        unit="percent",
        frequency="monthly",
        decimal_places=1,
    )
    TargetFactory(
        indicator=indicator,
        financial_year=2025,
        annual_value=Decimal("90"),
        tolerance=Decimal("5"),
    )
    return indicator


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.django_db(transaction=True)
def test_an_officer_submits_a_red_return_and_the_head_approves_it(
    page, live_server, alice, harriet, indicator
):
    base = live_server.url
    _sign_in(page, base, "alice")

    # My returns, filtered to September 2025 through the form (the filter lands in the URL).
    page.goto(f"{base}/returns/")
    page.get_by_label("Period").fill(PERIOD)
    page.get_by_role("button", name="Show returns").click()
    page.wait_for_url(re.compile(rf".*/returns/\?period={PERIOD}.*"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Returns for September 2025 (P06 2025/26)"
    )
    no_axe_violations(page, "My returns")

    # Nothing entered yet: the row says so and leads straight to the form.
    row = page.get_by_role("row", name=re.compile("LPI-HOU-03"))
    assert row.locator(".state").inner_text() == "Not started"
    assert row.locator(".timeliness").inner_text() == "Missing"
    row.get_by_role("link", name="LPI-HOU-03 Homelessness cases prevented").click()
    page.wait_for_url(f"{base}/returns/enter/{indicator.pk}/{PERIOD}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "LPI-HOU-03 Homelessness cases prevented"
    )
    assert page.locator('input[name="version"]').input_value() == ""
    assert page.get_by_label("Value").input_value() == ""
    assert not KpiReturn.objects.filter(indicator=indicator).exists()
    no_axe_violations(page, "Return form of a return not yet started")

    # A red value without commentary or improvement action is refused.
    page.get_by_label("Value").fill("70")
    page.get_by_role("button", name="Submit for approval").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    assert summary.get_by_role("link").all_inner_texts() == [COMMENTARY_NEEDED, ACTION_NEEDED]
    assert summary.is_visible()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"
    # Beside each field too, with a visually hidden "Error:" for screen readers.
    assert _words(page.locator("#commentary-error").text_content()) == f"Error: {COMMENTARY_NEEDED}"
    assert _words(page.locator("#improvement_action-error").text_content()) == (
        f"Error: {ACTION_NEEDED}"
    )
    assert page.get_by_label("Value").input_value() == "70"
    assert not KpiReturn.objects.filter(indicator=indicator).exists()
    no_axe_violations(page, "Return form with errors")

    # The summary's link takes the officer to the field.
    summary.get_by_role("link", name=COMMENTARY_NEEDED).click()
    page.wait_for_url(re.compile(r".*#id_commentary$"))

    page.get_by_label("Commentary").fill("Two caseworkers left in August.")
    page.get_by_label("Improvement action").fill(
        "Agency caseworkers start on 6 October (Head of Housing Options)."
    )
    # A hopeful year-end forecast: red now, on track for the year (issue 20).
    page.get_by_label("Forecast for the year end").fill("90.5")
    page.get_by_label("Confidence").select_option("on_track")
    page.get_by_label("Why").fill("Agency cover brings the year back to target.")
    page.get_by_role("button", name="Submit for approval").click()
    # (The browser keeps the #id_commentary fragment across the redirect.)
    page.wait_for_url(re.compile(rf"{re.escape(base)}/returns/\d+/(#.*)?$"))

    assert "LPI-HOU-03 Sep 2025 submitted for approval." in page.get_by_role("status").inner_text()
    kpi_return = KpiReturn.objects.get(indicator=indicator, period=PERIOD)
    assert page.url.startswith(f"{base}/returns/{kpi_return.pk}/")
    assert (kpi_return.state, kpi_return.value, kpi_return.submitted_by_id) == (
        ReturnState.SUBMITTED,
        Decimal("70"),
        alice.pk,
    )
    assert kpi_return.version == 1
    assert "Submitted (version" in page.locator("main").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    _sign_in(page, base, "harriet")
    page.goto(f"{base}/returns/{kpi_return.pk}/")
    main = page.locator("main").inner_text()
    assert "Two caseworkers left in August." in main
    assert "Agency caseworkers start on 6 October (Head of Housing Options)." in main
    # The forecast beside the red status, flagged for the head to check.
    forecast = _words(page.get_by_test_id("forecast").inner_text())
    assert forecast.startswith("90.5 Green On track Check: Red now but forecast on track")
    no_axe_violations(page, "Return page")

    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{base}/returns/{kpi_return.pk}/")

    assert page.get_by_role("status").inner_text() == "Return approved."
    assert page.locator(".summary-list strong").first.inner_text() == "Approved"
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.approved_by_id) == (ReturnState.APPROVED, harriet.pk)
