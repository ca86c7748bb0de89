"""A real browser (Debian's Chromium through Playwright) walks a referral through the
demo council: the demo Housing officer raises one to Adult Social Care, an Adult Social
Care officer (created here) acknowledges and resolves it the same day, well within the
agreed five days, and SMT sees this month's figures move by exactly that referral on
the coordination page and in the API. Axe checks the pages on the way.

The live server runs on real time, so the referral is raised today and the figures are
this month's. Figures are shown only for a month that has ended (DESIGN.md section 3,
"Which months are rated"), so SMT reads them with the server's clock (the process-wide
clock, which the live server's thread shares) moved to the first day of next month.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from departments import periods
from departments.models import Department, Membership, Referral
from departments.roles import Role
from reporting.metrics.scores import share_score
from tests.browser.axe import no_axe_violations

ASC_OFFICER = "asc-officer"
ASC_PASSWORD = "care-needs-assessed-today"
CATEGORY = "Hospital discharge support (browser test)"


@pytest.fixture
def demo(transactional_db):
    from tests.demo_council import demo_council

    demo_council(seed=2025, today=timezone.localdate())
    asc = Department.objects.get(code="adult-social-care")
    officer = get_user_model().objects.create_user(
        username=ASC_OFFICER, password=ASC_PASSWORD, first_name="Ama", last_name="Mensah"
    )
    Membership.objects.create(user=officer, role=Role.OFFICER, department=asc)
    return asc


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _figures(page, base: str, month_key: str, asc: Department, housing: Department) -> dict:
    """This month's figures for ASC and Housing, from the API and from the page (as SMT)."""
    response = page.request.get(f"{base}/api/v1/metrics/coordination/?period={month_key}")
    assert response.status == 200, response.text()
    body = response.json()
    assert body["period"] == month_key and body["council"] is not None
    api = {row["department"]: row for row in body["departments"]}

    def tile(department: Department) -> tuple[int, int, int, int, int]:
        page.goto(f"{base}/coordination/?period={month_key}&department={department.pk}")
        volume = _words(page.locator("dt:has-text('Volume') + dd").inner_text())
        on_time = _words(page.locator("dt:has-text('On time') + dd").inner_text())
        received, sent = re.fullmatch(r"(\d+) received, (\d+) sent", volume).groups()
        good, late, pending = re.fullmatch(
            r"(\d+) on time, (\d+) late, (\d+) pending", on_time
        ).groups()
        return int(received), int(sent), int(good), int(late), int(pending)

    page.goto(f"{base}/coordination/?period={month_key}")
    row = page.get_by_role("row", name=re.compile(r"^Adult Social Care"))
    asc_share_cell = _words(row.locator("td").nth(3).inner_text())
    return {
        "api_asc": api[asc.pk],
        "api_housing": api[housing.pk],
        "page_asc": tile(asc),
        "page_housing": tile(housing),
        "page_asc_share": asc_share_cell,
    }


@pytest.mark.django_db(transaction=True)
def test_a_referral_from_housing_to_adult_social_care_moves_the_figures(page, live_server, demo):
    base, asc = live_server.url, demo
    housing = Department.objects.get(code="housing")
    month = periods.period_for_date(timezone.localdate())
    # Noon on the first day of next month, in London: this month has ended.
    month_over = timezone.make_aware(datetime.combine(month.end + timedelta(days=1), time(12)))

    # SMT reads this month's figures before anything happens (as they will stand once
    # it has ended).
    with time_machine.travel(month_over, tick=True):
        _sign_in(page, base, "smt", settings.DEMO_PASSWORD)
        before = _figures(page, base, month.key, asc, housing)
        no_axe_violations(page, "Coordination page for a department (SMT)")
        page.goto(f"{base}/coordination/?period={month.key}")
        no_axe_violations(page, "Coordination page for the council (SMT)")
        _sign_out(page)

    # The demo Housing officer raises a referral to Adult Social Care.
    _sign_in(page, base, "officer", settings.DEMO_PASSWORD)
    page.goto(f"{base}/referrals/")
    assert page.get_by_role("heading", level=1).inner_text() == "Housing: referrals received"
    no_axe_violations(page, "Referrals received by Housing")
    page.get_by_role("link", name="Raise a referral").click()
    page.wait_for_url(f"{base}/referrals/new/")
    no_axe_violations(page, "Raise a referral")

    # First with no category: the error summary, and nothing stored.
    page.get_by_label("To department").select_option(label="Adult Social Care")
    page.get_by_label("Agreed response time (calendar days)").fill("5")
    page.get_by_label("Channel").select_option(value="case-management")
    page.get_by_role("button", name="Raise referral").click()
    summary = page.get_by_role("alert")
    summary.wait_for()
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    assert not Referral.objects.filter(category=CATEGORY).exists()
    no_axe_violations(page, "Raise a referral, with an error")

    page.get_by_label("From department").select_option(label="Housing")
    page.get_by_label("Category").fill(CATEGORY)
    # (The form's initial "Raised on" is rendered as dd/mm/yyyy, which a date input cannot
    # show, so the officer enters the date: see the report.)
    page.get_by_label("Raised on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Raise referral").click()
    page.wait_for_url(f"{base}/referrals/?department={housing.pk}&direction=outgoing")
    assert "Referral to Adult Social Care raised." in page.get_by_role("status").inner_text()
    referral = Referral.objects.get(category=CATEGORY)
    assert (referral.from_department, referral.to_department) == (housing, asc)
    assert (referral.agreed_days, referral.channel, referral.service.code) == (
        5,
        "service",
        "case-management",
    )
    assert referral.raised_on == timezone.localdate()
    no_axe_violations(page, "Referrals sent by Housing")
    _sign_out(page)

    # The Adult Social Care officer acknowledges and resolves it on the incoming list.
    _sign_in(page, base, ASC_OFFICER, ASC_PASSWORD)
    incoming = (
        f"{base}/referrals/?direction=incoming&state=open"
        f"&counterpart={housing.pk}&period={month.key}"
    )
    page.goto(incoming)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Adult Social Care: referrals received"
    )
    row = page.get_by_role("row", name=re.compile(re.escape(CATEGORY)))
    assert "0 / 5" in row.inner_text()
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r".*/referrals/\?department=\d+&direction=incoming$"))
    assert page.get_by_role("status").inner_text() == "Referral acknowledged."
    referral.refresh_from_db()
    assert referral.acknowledged_on == timezone.localdate()

    page.goto(incoming)
    row = page.get_by_role("row", name=re.compile(re.escape(CATEGORY)))
    assert "Acknowledged" in row.inner_text()
    row.get_by_role("button", name="Resolve").click()
    page.wait_for_url(re.compile(r".*/referrals/\?department=\d+&direction=incoming$"))
    assert page.get_by_role("status").inner_text() == "Referral resolved."
    referral.refresh_from_db()
    assert (referral.resolved_on, referral.resolution_days) == (timezone.localdate(), 0)
    assert [h.history_user.username for h in referral.history.order_by("history_id")] == [
        "officer",
        ASC_OFFICER,
        ASC_OFFICER,
    ]
    no_axe_violations(page, "Referrals received by Adult Social Care")
    _sign_out(page)

    # SMT sees the figures move by exactly this referral, on the page and in the API.
    with time_machine.travel(month_over, tick=True):
        _sign_in(page, base, "smt", settings.DEMO_PASSWORD)
        after = _figures(page, base, month.key, asc, housing)

    b, a = before["api_asc"], after["api_asc"]
    assert a["received"] == b["received"] + 1
    assert a["on_time"] == b["on_time"] + 1
    assert (a["late"], a["sent"]) == (b["late"], b["sent"])
    expected_share = share_score(a["on_time"], a["on_time"] + a["late"])
    assert Decimal(a["on_time_share"]) == expected_share
    bh, ah = before["api_housing"], after["api_housing"]
    assert ah["sent"] == bh["sent"] + 1
    assert ah["received"] == bh["received"]

    received, sent, on_time, late, _ = before["page_asc"]
    assert after["page_asc"][:4] == (received + 1, sent, on_time + 1, late)
    assert after["page_asc"][:4] == (a["received"], a["sent"], a["on_time"], a["late"])
    h_received, h_sent = before["page_housing"][:2]
    assert after["page_housing"][:2] == (h_received, h_sent + 1)
    assert after["page_housing"][:2] == (ah["received"], ah["sent"])
    assert after["page_asc_share"] == f"{expected_share:.1f}"
