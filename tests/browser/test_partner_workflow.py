"""A real browser (Debian's Chromium through Playwright) walks the partner's month: the demo
partner enters the latest closed month's SLA results, one of them a serious failure;
SMT then sees the service credit and the change in contract health, and disputes one
result. Axe checks the partnership page and the SLA results page on the way.

The live server runs on real time, so the demo is seeded for today: its latest closed
month has no SLA results yet (DESIGN.md section 5, ``seed_demo``).
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from departments import periods
from partnerships.models import Partnership, Sla, SlaResult, Verification
from partnerships.outcomes import serious_failure_credit
from reporting.metrics.health import contract_health
from tests.browser.axe import no_axe_violations
from tests.demo_council import demo_council


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def _met_value(sla: Sla) -> str:
    """The expected level itself: met whichever way the SLA points."""
    return f"{sla.expected_level.normalize():f}"


@pytest.mark.django_db(transaction=True)
def test_the_partner_enters_a_month_and_smt_sees_the_credit_and_disputes(page, live_server):
    today = timezone.localdate()
    demo_council(seed=2025, today=today)
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    partnership = Partnership.objects.get(name="ICT Strategic Service Partnership")
    slas = list(
        Sla.objects.filter(service__partnership=partnership)
        .select_related("service")
        .order_by("service__name", "code")
    )
    assert not SlaResult.objects.filter(sla__in=slas, period=month.key).exists()
    before = contract_health(partnership=partnership, period=month)
    # The serious failure: the first availability SLA of the shared case-management system.
    failing = next(
        s for s in slas if s.service.code == "case-management" and s.polarity == "higher"
    )
    credit = serious_failure_credit(
        credit_percent=failing.credit_percent, monthly_charge=failing.service.monthly_charge
    )
    base = live_server.url
    results_url = f"{base}/partnerships/{partnership.pk}/sla-results/{month.key}/"

    # --- the partner enters every SLA's result for the month -----------------------------
    _sign_in(page, base, "partner")
    page.goto(results_url)
    assert _words(page.get_by_role("heading", level=1).inner_text()) == (
        f"SLA results for {month.label}"
    )
    no_axe_violations(page, "SLA results page with the partner's form")
    for sla in slas:
        value = page.get_by_label(f"Result for {sla.code}", exact=True)
        assert value.input_value() == ""
        if sla == failing:
            value.fill(f"{failing.minimum_level - Decimal('1.5'):f}")
            page.get_by_label(f"Commentary for {sla.code}", exact=True).fill(
                "Database cluster failover took six hours on the 14th."
            )
        else:
            value.fill(_met_value(sla))
    page.get_by_role("button", name="Save results").click()
    page.wait_for_url(results_url)
    assert f"SLA results for {month.label} saved." in page.get_by_role("status").inner_text()
    entered = SlaResult.objects.filter(sla__in=slas, period=month.key)
    assert entered.count() == len(slas)
    assert {r.entered_by.username for r in entered.select_related("entered_by")} == {"partner"}
    failing_row = page.locator(f"#sla-{failing.pk}")
    assert "Serious failure" in failing_row.inner_text()
    assert f"£{credit:,.2f}" in failing_row.inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    # --- SMT sees the credit and the change in health ------------------------------------
    after = contract_health(partnership=partnership, period=month)
    assert after.credits == credit > 0
    assert after.score != before.score
    _sign_in(page, base, "smt")
    page.goto(f"{base}/partnerships/{partnership.pk}/?period={month.key}")
    assert page.get_by_role("heading", level=1).inner_text() == partnership.name
    credits = page.locator(".summary-list div", has_text=f"Service credits, {month.short_label}")
    assert _words(credits.inner_text()) == (f"Service credits, {month.short_label} £{credit:,.2f}")
    score = _words(page.locator(".score-tile .score").first.inner_text())
    assert score.startswith(f"{after.score:.1f}"), score
    components = _words(page.locator(".score-tile table").first.inner_text())
    sla_part = next(c for c in after.components if c.key == "sla")
    assert f"SLA performance {sla_part.score:.1f}" in components
    service_row = _words(
        page.get_by_role("row", name=re.compile(failing.service.name)).first.inner_text()
    )
    assert f"£{credit:,.2f}" in service_row
    no_axe_violations(page, "Partnership page")  # the drawn Plotly chart included

    # --- SMT disputes the serious failure ------------------------------------------------
    page.get_by_role("link", name=f"SLA results for {month.short_label}").click()
    page.wait_for_url(results_url)
    no_axe_violations(page, "SLA results page with SMT's verify and dispute forms")
    page.get_by_label(f"Reason for disputing {failing.code}", exact=True).fill(
        "Our monitoring shows the failover took under two hours."
    )
    page.get_by_role("button", name=f"Dispute {failing.code}", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(results_url)}(#.*)?$"))

    assert f"{failing.code}: result disputed." in page.get_by_role("status").inner_text()
    row = _words(page.locator(f"#sla-{failing.pk}").inner_text())
    assert "Disputed: Our monitoring shows the failover took under two hours." in row
    # Still counted as the partner reported it while disputed.
    assert "Serious failure" in row and f"£{credit:,.2f}" in row
    result = SlaResult.objects.get(sla=failing, period=month.key)
    assert (result.verification, result.verified_by.username) == (Verification.DISPUTED, "smt")
    no_axe_violations(page, "SLA results page with a disputed result")

    # --- SMT verifies the other results at once (issue 16, item 3) ----------------------
    others = len(slas) - 1
    ticked = page.locator(".verify-many input[type=checkbox]:checked")
    assert ticked.count() == others  # every result awaiting verification, ticked
    page.get_by_role("button", name="Verify the ticked results").click()
    page.wait_for_url(re.compile(rf"{re.escape(results_url)}verify/$"))
    confirm = page.get_by_test_id("confirm-verify")
    assert _words(confirm.get_by_role("heading").inner_text()) == (
        f"Verify {others} results for {month.in_words}?"
    )
    no_axe_violations(page, "SLA results page asking to confirm a bulk verification")
    confirm.get_by_role("button", name=f"Yes, verify {others} results").click()
    page.wait_for_url(re.compile(rf"{re.escape(results_url)}#verify$"))
    assert f"{others} results verified." in page.get_by_role("status").inner_text()
    states = SlaResult.objects.filter(sla__in=slas, period=month.key).exclude(sla=failing)
    assert set(states.values_list("verification", flat=True)) == {Verification.VERIFIED}
    assert SlaResult.objects.get(sla=failing, period=month.key).verification == (
        Verification.DISPUTED
    )
