"""A real browser (Debian's Chromium through Playwright) shows a provisional month and a
month outside the contract as such, on the partnership page and the overview, and a month
that has not ended as a page saying so (DESIGN.md section 3, "Which months are rated").

The server's clock is frozen on Tuesday 10 November 2026 (the process-wide clock, so the
live server's thread reads it too); the browser keeps its own, so the session cookie is
set without an expiry rather than through the sign-in form. October 2026's SLA results
are due on 13 November 2026, and the partner has entered 4 of its 16.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from departments.roles import Role
from tests.browser.axe import no_axe_violations
from tests.factories import (
    CouncilFactory,
    MembershipFactory,
    PartnershipFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 12, tzinfo=LONDON)
OCTOBER = "2026-27-P07"


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _contract():
    council = CouncilFactory()
    partnership = PartnershipFactory(
        council=council, name="ICT Strategic Service Partnership", start_date=date(2025, 6, 1)
    )
    service = ServiceFactory(
        partnership=partnership, name="Desktop", monthly_charge=Decimal("10000.00")
    )
    slas = [SlaFactory(service=service, code=f"DT-{n:02d}") for n in range(1, 17)]
    for sla in slas[:4]:
        SlaResultFactory(
            sla=sla,
            period=OCTOBER,
            reported_value=Decimal("99.7"),
            entered_at=datetime(2026, 11, 5, 9, tzinfo=LONDON),
        )
    smt = UserFactory(username="smt")
    MembershipFactory(user=smt, role=Role.SMT, department=None)
    return partnership, smt


def _signed_in(page, base: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}]
    )


@pytest.mark.django_db(transaction=True)
def test_provisional_and_outside_contract_months_read_as_such(page, live_server):
    with time_machine.travel(NOW, tick=True):
        partnership, smt = _contract()
        base = live_server.url
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        _signed_in(page, base, smt)

        # October 2026: a figure, marked provisional with what is awaited.
        page.goto(f"{base}/partnerships/{partnership.pk}/?period={OCTOBER}")
        page.wait_for_selector("svg.main-svg")
        assert _words(page.get_by_test_id("contract-health-status").inner_text()) == (
            "Provisional: SLA results due 13 November 2026: 4 of 16 entered"
        )
        assert page.get_by_role("link", name="Nov 2026 →").count() == 0  # navigation stops
        page.get_by_text("Show the data behind this chart").first.click()
        last_row = page.locator("details.chart-data tbody tr").last
        assert _words(last_row.inner_text()).startswith("Oct 2026")
        assert "Provisional: SLA results due 13 November 2026" in last_row.inner_text()
        no_axe_violations(page, "Partnership page, provisional month")

        # May 2025, before the contract began on 1 June 2025: no figure at all.
        page.goto(f"{base}/partnerships/{partnership.pk}/?period=2025-26-P02")
        assert _words(page.get_by_test_id("contract-health").inner_text()) == (
            "Outside the contract"
        )
        # The state is said once, as the figure; the line under it says why.
        assert _words(page.get_by_test_id("contract-health-status").inner_text()) == (
            "May 2025 is outside the contract term (1 June 2025 to 31 March 2030)"
        )
        no_axe_violations(page, "Partnership page, outside the contract")

        # The overview says the same of council partner health.
        page.goto(f"{base}/overview/?period={OCTOBER}")
        assert _words(page.get_by_test_id("partner-health-status").inner_text()) == (
            "Provisional: SLA results due 13 November 2026: 4 of 16 entered"
        )
        page.goto(f"{base}/overview/?period=2025-26-P02")
        assert _words(page.get_by_test_id("partner-health").inner_text()) == (
            "Outside the contract"
        )

        assert console_errors == []

        # November has not ended: a page saying so (404, which the console reports), with
        # the way to October.
        response = page.goto(f"{base}/overview/?period=2026-27-P08")
        assert response.status == 404
        assert _words(page.get_by_role("heading", level=1).inner_text()) == (
            "November 2026 (P08 2026/27) has not ended yet"
        )
        no_axe_violations(page, "A month that has not ended")
        page.get_by_test_id("latest-ended-month").click()
        page.wait_for_url(f"{base}/overview/?period={OCTOBER}")
