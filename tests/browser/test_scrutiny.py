"""A real browser (Debian's Chromium through Playwright) walks the scrutiny loop (issue 20,
item 3): an elected member asks a question from a signed-off indicator's page, the head of
Housing answers it from their home, and the member closes it from theirs. Axe checks each
page on the way.

The live server runs on real time, so the signed-off month is last September's (an ended
month whatever the day the test runs).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from departments import periods
from departments.models import ReturnState
from departments.returns import sign_off
from departments.returns.sign_off import sign_off_period
from departments.roles import Role
from scrutiny.models import ScrutinyCommittee, ScrutinyItem
from tests.browser.axe import no_axe_violations
from tests.factories import (
    CouncilFactory,
    DepartmentFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    PartnershipFactory,
    ServiceFactory,
    TargetFactory,
    UserFactory,
)

PASSWORD = "scrutiny-walks-the-loop"
QUESTION = "Why did re-lets slow in the month, and when will they recover?"
ANSWER = "Two voids needed major works; both are let now and the figure has recovered."


def _month() -> periods.Period:
    """A September that has ended: this year's once October has come, else last year's."""
    latest = periods.latest_closed(periods.PeriodKind.MONTH, timezone.localdate())
    month = latest
    while month.start.month != 9:
        month = month.previous()
    return month


@pytest.fixture
def council(transactional_db, monkeypatch):
    # The sign-off below commits, and a council-wide sign-off queues the month's pack,
    # which Celery builds there and then when eager: the walk never reads it.
    monkeypatch.setattr(sign_off, "_queue_monthly_pack", lambda sign_off_id: None)
    council = CouncilFactory()
    housing = DepartmentFactory(council=council, name="Housing", code="housing")
    month = _month()
    indicator = IndicatorFactory(department=housing, code="LPI-HOU-03", title="Homes re-let")
    TargetFactory(indicator=indicator, financial_year=month.year, annual_value=90)
    KpiReturnFactory(
        indicator=indicator, period=month.key, value=Decimal("91.5"), state=ReturnState.APPROVED
    )
    people = {}
    for username, role, department in (
        ("mo", Role.MEMBER, None),
        ("harriet", Role.HEAD, housing),
        ("sam", Role.SMT, None),
    ):
        user = UserFactory(username=username, first_name=username.title(), last_name="Test")
        user.set_password(PASSWORD)
        user.save()
        MembershipFactory(user=user, role=role, department=department)
        people[username] = user
    sign_off_period(period_key=month.key, actor=people["sam"])
    committee = ScrutinyCommittee.objects.create(name="Overview and Scrutiny")
    committee.members.add(people["mo"])
    partnership = PartnershipFactory(council=council, name="ICT Strategic Service Partnership")
    ServiceFactory(partnership=partnership, name="Service desk and end-user computing")
    return {
        "indicator": indicator,
        "month": month,
        "committee": committee,
        "partnership": partnership,
    }


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def test_a_member_asks_the_head_answers_from_home_and_the_member_closes(page, live_server, council):
    base = live_server.url
    indicator, month = council["indicator"], council["month"]

    _sign_in(page, base, "mo")
    page.goto(f"{base}/indicators/{indicator.pk}/")
    no_axe_violations(page, "the indicator page, as a member")
    page.get_by_role("link", name=f"Ask a question about LPI-HOU-03 for {month.in_words}").click()
    no_axe_violations(page, "asking a question")
    page.get_by_label("Your question or comment").fill(QUESTION)
    page.get_by_role("button", name="Send to the head of service").click()
    page.wait_for_url(f"{base}/scrutiny/items/*/")
    assert "Open" in page.locator("dl").inner_text()
    no_axe_violations(page, "the question, as the member who asked")
    item = ScrutinyItem.objects.get()
    assert (item.text, item.department_id, item.period, item.committee) == (
        QUESTION,
        indicator.department_id,
        month.key,
        council["committee"],
    )
    _sign_out(page)

    _sign_in(page, base, "harriet")
    todo = page.locator("[data-todo='scrutiny_to_answer']")
    assert "1 question" in todo.inner_text()
    no_axe_violations(page, "the head's home")
    todo.get_by_role("link", name=f"Question on LPI-HOU-03 Homes re-let, {month.in_words}").click()
    page.get_by_label("Your written answer").fill(ANSWER)
    page.get_by_role("button", name="Send answer").click()
    page.wait_for_load_state()
    assert ANSWER in page.inner_text("main")
    no_axe_violations(page, "the answered question, as the head")
    _sign_out(page)

    _sign_in(page, base, "mo")
    todo = page.locator("[data-todo='scrutiny_awaiting_you']")
    assert "Answered: read it and close it" in todo.inner_text()
    no_axe_violations(page, "the member's home")
    todo.get_by_role("link").first.click()
    assert ANSWER in page.inner_text("main")
    page.get_by_role("button", name="Close this item").click()
    page.wait_for_load_state()
    assert "Closed" in page.locator("dl").inner_text()
    no_axe_violations(page, "the closed question")
    item.refresh_from_db()
    assert (item.state, item.closed_by.username) == ("closed", "mo")


def _scrolling_regions(page) -> list[str]:
    """The names of the table wrappers that scroll sideways and take focus."""
    return page.locator(".table-wrap[tabindex='0'][role='region']").evaluate_all(
        "wraps => wraps.map(w => w.getAttribute('aria-label'))"
    )


def test_tables_that_scroll_at_360_px_are_focusable_named_regions(page, live_server, council):
    """A phone's 360 px: the member's indicator page (its commentary table), the council's
    overview, and the partnership's page (its services) for the SMT, each without axe's
    scrollable-region-focusable; a table too wide for the screen is a focusable region
    named by its caption, and one that fits is left alone."""
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 740})
    _sign_in(page, base, "mo")
    for where, path in (
        ("the indicator page, as a member", f"/indicators/{council['indicator'].pk}/"),
        ("the overview, as a member", "/overview/"),
    ):
        page.goto(f"{base}{path}")
        no_axe_violations(page, f"{where} at 360 px")
    page.goto(f"{base}/indicators/{council['indicator'].pk}/")
    assert any("(table, scrolls sideways)" in name for name in _scrolling_regions(page))
    _sign_out(page)
    _sign_in(page, base, "sam")
    page.goto(f"{base}/partnerships/{council['partnership'].pk}/")
    no_axe_violations(page, "the partnership, as the SMT, at 360 px")
    assert _scrolling_regions(page)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.reload()
    assert len(_scrolling_regions(page)) < page.locator(".table-wrap").count()
