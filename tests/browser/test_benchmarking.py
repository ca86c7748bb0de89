"""Benchmarking in a browser on the demo council: the benchmarking page and an indicator's
comparison with its charts drawn, the group changed from the keyboard, no axe violations."""

import pytest
from django.utils import timezone

from departments.models import ComparatorGroup, PerformanceIndicator
from tests.browser.axe import no_axe_violations
from tests.browser.test_dashboards import _sign_in
from tests.demo_council import demo_council


@pytest.mark.django_db(transaction=True)
def test_smt_reads_how_the_council_compares(page, live_server):
    demo_council(seed=2025, today=timezone.localdate())
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base, "smt")

    page.goto(f"{base}/benchmarking/")
    page.wait_for_selector("h1:has-text('Benchmarking against other councils')")
    assert page.locator("table tbody tr").count() >= 1
    no_axe_violations(page, "benchmarking page")

    indicator = PerformanceIndicator.objects.get(code="BV3")
    page.goto(f"{base}/indicators/{indicator.pk}/")
    page.wait_for_selector("#benchmark-spread-caption")
    page.wait_for_selector("[data-chart='benchmark-distribution-data'] svg.main-svg")
    assert "Borsetshire County Council" in page.locator("#benchmark-spread-caption").inner_text()
    # The 2021 model, chosen from the keyboard: the section says which model it uses.
    page.locator("#group-choice").select_option(label="CIPFA nearest neighbours (2021 model)")
    page.locator("#group-choice").press("Tab")
    page.keyboard.press("Enter")
    older = ComparatorGroup.objects.get(model_year=2021)
    page.wait_for_url(f"**group={older.pk}**")
    page.wait_for_selector("#benchmark-spread-caption")
    # Asked for the 2021 model, the latest year is still compared with the one in force.
    assert "(2024 model)" in page.locator("#benchmark-latest-heading").inner_text()
    no_axe_violations(page, "indicator page with its comparison")
    assert console_errors == []
