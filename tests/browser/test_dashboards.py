"""The dashboards in a real browser: charts drawn by the locally served plotly.js, every
chart's caption and data table reachable, and no accessibility violations."""

import pytest
from django.conf import settings
from django.utils import timezone

from departments import periods
from departments.models import Department, PerformanceIndicator
from tests.browser.axe import no_axe_violations
from tests.demo_council import demo_council


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True)
def test_smt_reads_the_overview_a_department_and_an_indicator(page, live_server):
    demo_council(seed=2025, today=timezone.localdate())
    month = periods.latest_closed(periods.PeriodKind.MONTH).previous()
    housing = Department.objects.get(code="housing")
    indicator = PerformanceIndicator.objects.get(code="BV212")
    base = live_server.url
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, base, "smt")

    page.goto(f"{base}/overview/?period={month.key}")
    page.wait_for_selector("#rag-by-department-caption")
    page.wait_for_selector("svg.main-svg")  # plotly.js, served from the package, drew
    assert page.locator("svg.main-svg").count() >= 4
    caption = page.locator("#rag-by-department-caption").inner_text()
    assert caption.startswith(f"RAG by department, {month.short_label}.")
    page.get_by_text("Show the data behind this chart").first.focus()
    page.keyboard.press("Enter")  # the data table opens from the keyboard
    assert page.locator("details.chart-data").first.get_attribute("open") is not None
    no_axe_violations(page, "Council overview")

    page.goto(f"{base}/departments/{housing.pk}/?period={month.key}")
    assert page.get_by_role("heading", level=1).inner_text() == "Housing"
    assert page.locator("svg.sparkline").count() >= 4
    no_axe_violations(page, "Housing dashboard")

    page.get_by_role("link", name=f"{indicator.code} {indicator.title}").click()
    page.wait_for_selector("svg.main-svg")
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"{indicator.code} {indicator.title}"
    )
    no_axe_violations(page, "Indicator page")
    assert console_errors == []
