"""A real browser (Debian's Chromium through Playwright) walks each role's home on the demo
council (issue 16, "Done when"): it opens the home, follows the first thing to do and does
it there, with axe clean on the home and on the page reached. One test per role, on the
session's one live server. The demo's rows are seeded as on 28 November 2026, the day the
other demo tests read, so they do not depend on the day the suite runs (the returns a
seeding leaves undone are drawn at random: seeded on 1 December, Housing's head had none
waiting): October 2026 is partly undone, and any month ended since is wholly undone. The
server itself runs on the real date (a clock frozen in the server would expire the
browser's session cookie), so each role's first thing to do is in the latest month
ended by then, which the demo always leaves undone.
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from departments import periods
from departments.models import KpiReturn, ReturnState
from partnerships.models import Partnership, Sla, SlaResult, Verification
from partnerships.sla_results.services import enter_sla_result
from tests.browser.axe import no_axe_violations
from tests.demo_council import demo_council

pytestmark = pytest.mark.django_db(transaction=True)


def _first_to_do(page, base: str, username: str) -> tuple[str, str]:
    """Sign in as ``username``, check the home with axe, follow its first thing to do;
    the key of the list it was in and the link's words."""
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    no_axe_violations(page, f"The home of {username}")
    section = page.locator("section.todo", has=page.locator("ul.todo-list")).first
    key = section.get_attribute("data-todo")
    heading = " ".join(section.locator("h2").inner_text().split())
    assert re.search(r"\(\d+ [a-z ]+\)$", heading), heading  # every list says its count
    link = section.locator("ul.todo-list a").first
    words = link.inner_text()
    link.click()
    page.wait_for_load_state()
    return key, words


def _latest_month():
    return periods.latest_closed(periods.PeriodKind.MONTH, timezone.localdate())


DEMO_DAY = date(2026, 11, 28)


@pytest.fixture
def demo():
    return demo_council(seed=2025, today=DEMO_DAY)


def test_the_officer_submits_their_first_missing_return(page, live_server, demo):
    key, words = _first_to_do(page, live_server.url, "officer")

    assert key in ("returns_due", "returns_missing", "returns_sent_back"), key
    assert "/returns/enter/" in page.url
    no_axe_violations(page, "The return form reached from the home")
    if page.get_by_label("Numerator").count():
        page.get_by_label("Numerator").fill("90")
        page.get_by_label("Denominator").fill("100")
    else:
        page.get_by_label("Value").fill("90")
    # A red figure needs both; any other figure may have them.
    page.get_by_label("Commentary").fill("Two staff vacancies were filled late in the month.")
    page.get_by_label("Improvement action").fill("Weekly checks of the queue by the team lead.")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/returns/\d+/$"))

    assert "submitted for approval" in page.get_by_role("status").inner_text()
    code = words.split()[0]
    submitted = KpiReturn.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert (submitted.indicator.code, submitted.state) == (code, ReturnState.SUBMITTED)


def test_the_head_approves_the_first_return_waiting(page, live_server, demo):
    key, words = _first_to_do(page, live_server.url, "head")

    assert key == "returns_awaiting_approval"
    assert re.search(r"/returns/\d+/#actions$", page.url), page.url
    no_axe_violations(page, "The return reached from the head's home")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/returns/\d+/$"))

    assert "Return approved." in page.get_by_role("status").inner_text()
    approved = KpiReturn.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert approved.state == ReturnState.APPROVED and approved.approved_by.username == "head"
    assert words.startswith(f"Approve {approved.indicator.code} ")


def test_smt_verifies_the_months_results_at_once(page, live_server, demo):
    month = _latest_month()
    partnership = Partnership.objects.get(name="ICT Strategic Service Partnership")
    slas = list(Sla.objects.filter(service__partnership=partnership))
    partner = partnership.memberships.get(user__username="partner").user
    for sla in slas:  # the partner's month, entered as the partner would
        enter_sla_result(
            sla=sla, period_key=month.key, actor=partner, value=f"{sla.expected_level:f}"
        )

    key, words = _first_to_do(page, live_server.url, "smt")

    assert key == "sla_results_to_verify"
    assert words.startswith(f"Verify the {len(slas)} results for {month.in_words}"), words
    assert page.url.endswith(f"/sla-results/{month.key}/#verify")
    no_axe_violations(page, "The SLA results page reached from SMT's home")
    page.get_by_role("button", name="Verify the ticked results").click()
    page.get_by_role("button", name=f"Yes, verify {len(slas)} results").click()
    page.wait_for_url(re.compile(r"#verify$"))

    assert f"{len(slas)} results verified." in page.get_by_role("status").inner_text()
    results = SlaResult.objects.filter(sla__in=slas, period=month.key)
    assert {r.verification for r in results} == {Verification.VERIFIED}


def test_the_partner_enters_the_months_results(page, live_server, demo):
    month = _latest_month()
    key, words = _first_to_do(page, live_server.url, "partner")

    assert key == "sla_results_due"
    assert words.startswith("Enter the ") and words.endswith(f"for {month.in_words}"), words
    assert page.url.endswith(f"/sla-results/{month.key}/")
    no_axe_violations(page, "The SLA results form reached from the partner's home")
    partnership = Partnership.objects.get(name="ICT Strategic Service Partnership")
    slas = list(Sla.objects.filter(service__partnership=partnership))
    for sla in slas:
        page.get_by_label(f"Result for {sla.code}", exact=True).fill(
            f"{sla.expected_level.normalize():f}"
        )
    page.get_by_role("button", name="Save results").click()
    page.wait_for_load_state()

    assert f"SLA results for {month.label} saved." in page.get_by_role("status").inner_text()
    assert SlaResult.objects.filter(sla__in=slas, period=month.key).count() == len(slas)
    # Back home, the month's results are no longer to do.
    page.goto(f"{live_server.url}/")
    due = page.locator('section[data-todo="sla_results_due"]')
    assert "Every result for this month is in." in due.inner_text()
    assert due.locator(".todo-count").inner_text() == "(0 results)"


def test_the_partner_imports_the_months_results_from_its_own_page(page, live_server, demo):
    """The partner's other way to their first to-do: the month's template, filled in and
    uploaded from the SLA results import page (issue 16, item 2)."""
    month = _latest_month()
    key, _ = _first_to_do(page, live_server.url, "partner")
    assert key == "sla_results_due"

    page.get_by_role("link", name="Import SLA results from a file").click()
    page.wait_for_url(re.compile(r"/imports/\?kind=sla_results$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Import SLA results"
    no_axe_violations(page, "The partner's import page")
    page.get_by_label("Month").fill(month.key)
    page.get_by_label("Format").select_option("csv")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download template").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    partnership = Partnership.objects.get(name="ICT Strategic Service Partnership")
    levels = {
        sla.code: sla.expected_level for sla in Sla.objects.filter(service__partnership=partnership)
    }
    assert rows[0][:3] == ["sla_code", "period", "value"]
    assert sorted(row[0] for row in rows[1:]) == sorted(levels)
    for row in rows[1:]:
        row[2] = f"{levels[row[0]].normalize():f}"  # each SLA exactly at its expected level
    filled = Path(download.value.path()).with_name("results.csv")
    with filled.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)

    page.get_by_label("File to import").set_input_files(filled)
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Imported").wait_for()

    no_axe_violations(page, "The import's outcome")
    assert "waiting for the council to verify them" in page.locator("main").inner_text()
    results = SlaResult.objects.filter(sla__service__partnership=partnership, period=month.key)
    assert {r.sla.code: r.reported_value for r in results} == levels


def test_the_auditor_opens_the_latest_change_in_the_audit_trail(page, live_server, demo):
    # The demo asks for no report, so the auditor's first to-do, at their first visit, is
    # the audit trail's latest change: its record's history opens.
    key, words = _first_to_do(page, live_server.url, "auditor")

    assert key == "changes_since_last_visit"
    assert re.search(r"/audit-trail/[a-z_]+/\d+/$", page.url), page.url
    record = words.rsplit(": ", 1)[0]  # "SLA result FINANCE-P1-02, September 2026"
    heading = " ".join(page.get_by_role("heading", level=1).inner_text().split())
    assert heading.lower() == f"history of {record}".lower()
    no_axe_violations(page, "The record's history reached from the auditor's home")
