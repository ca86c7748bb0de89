"""The Content-Security-Policy in a real browser: every chart page draws its charts, shows
a hover label and opens its data table, the API docs and Django admin work, and Chromium
reports no violation (the ``page`` fixture collects them; here they are asserted too).
"""

import pytest
from django.utils import timezone

from departments import periods
from departments.models import Department, PerformanceIndicator
from partnerships.models import Partnership
from tests.browser.axe import no_axe_violations
from tests.browser.test_dashboards import _sign_in
from tests.demo_council import demo_council

# Plotly pages: the charts are drawn by plotly.js under the policy.
CHART_PAGES = [
    "/overview/?period={month}",
    "/indicators/{indicator}/?period={month}",
    # With its comparison with other councils: two more charts.
    "/indicators/{benchmarked}/?period={month}",
    "/partnerships/{partnership}/?period={month}",
    "/coordination/?period={month}",
    "/combined/?period={month}",
]


def _policy_of(response) -> str:
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, policy
    assert "'unsafe-eval'" not in policy, policy
    return policy


@pytest.mark.django_db(transaction=True)
def test_every_chart_page_draws_under_the_policy_without_a_violation(
    page, live_server, csp_violations
):
    demo_council(seed=2025, today=timezone.localdate())
    month = periods.latest_closed(periods.PeriodKind.MONTH).previous()
    names = {
        "month": month.key,
        "indicator": PerformanceIndicator.objects.get(code="BV212").pk,
        "benchmarked": PerformanceIndicator.objects.get(code="BV3").pk,
        "partnership": Partnership.objects.order_by("pk").first().pk,
    }
    base = live_server.url
    _sign_in(page, base, "smt")
    for address in CHART_PAGES:
        url = base + address.format(**names)
        _policy_of(page.goto(url))
        page.wait_for_selector("svg.main-svg")
        charts = page.locator("[data-chart]").count()
        assert charts >= 1, url
        page.wait_for_function(
            f"document.querySelectorAll('[data-chart] svg.main-svg').length >= {charts}"
        )
        # plotly.js's own rules came from static/css/plotly.css: the mode bar is placed.
        assert (
            page.locator(".modebar").first.evaluate("element => getComputedStyle(element).position")
            == "absolute"
        ), url
        # A hover label and the mode bar are drawn on demand: draw them too.
        page.locator("[data-chart] .nsewdrag").first.hover()
        page.get_by_text("Show the data behind this chart").first.click()
    # The mode bar's PNG download (drawn through a blob: image), once.
    page.locator("[data-chart]").first.hover()
    with page.expect_download() as download:
        page.locator('[data-title="Download plot as a PNG"]').first.click()
    assert download.value.suggested_filename.endswith(".png")
    housing = Department.objects.get(code="housing")
    _policy_of(page.goto(f"{base}/departments/{housing.pk}/?period={month.key}"))
    assert page.locator("svg.sparkline").count() >= 1
    assert csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_django_admin_and_the_account_page_work_under_the_policy(
    page, live_server, csp_violations
):
    demo_council(seed=2025, today=timezone.localdate())
    base = live_server.url
    _sign_in(page, base, "admin")
    _policy_of(page.goto(f"{base}/api/docs/"))
    page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI read the schema and drew
    for address in (
        "/admin/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/departments/membership/add/",
        "/admin/auth/group/add/",
    ):
        _policy_of(page.goto(base + address))
        page.wait_for_selector("#content")
    page.goto(f"{base}/admin/auth/user/")
    page.get_by_role("link", name="officer", exact=True).click()
    page.wait_for_selector("#user_form")

    page.goto(f"{base}/")
    page.get_by_role("link", name="Your account").click()
    no_axe_violations(page, "Account page")
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url(f"{base}/accounts/login/")
    assert "You have signed out everywhere" in page.locator(".message").inner_text()
    assert csp_violations == []
