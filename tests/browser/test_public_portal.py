"""A resident uses the public portal in a real browser (issue 20, "Done when"): without
signing in they search, open a measure, reach its chart's data table by keyboard and
download its CSV; axe finds nothing at 1366 px and at a phone's 360 px."""

import csv
import io

import pytest
from django.utils import timezone

from tests.browser.axe import no_axe_violations
from tests.demo_council import demo_council

TITLE = "How much household waste is recycled"


def _tab_to(page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text is ``text`` (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            return
    pytest.fail(f"{text!r} was not reached by Tab in {limit} presses")


def _fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.django_db(transaction=True)
def test_a_resident_finds_a_measure_reads_its_data_and_downloads_it(page, live_server):
    demo_council(seed=2025, today=timezone.localdate())
    base = live_server.url
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{base}/public/")
    assert page.get_by_role("heading", level=1).inner_text() == "How the council is doing"
    assert page.get_by_role("link", name="Sign out").count() == 0
    no_axe_violations(page, "Portal at 1366 px")

    page.get_by_label("Search the measures").fill("recycled")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results-heading")
    assert page.locator("#results-heading").inner_text().startswith("1 measure found")
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_selector("svg.main-svg")  # plotly.js drew the trend
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    no_axe_violations(page, "Measure at 1366 px")

    page.locator("h1").focus()
    _tab_to(page, "Show the data behind this chart")
    page.keyboard.press("Enter")
    assert page.locator("details.chart-data").get_attribute("open") is not None
    table = page.locator("details.chart-data table")
    assert table.is_visible()
    assert table.locator("th").all_inner_texts() == ["Period", "Value", "Target", "Rating"]
    assert table.locator("tbody tr").count() >= 12

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this measure's figures as CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.DictReader(io.StringIO(saved.read())))
    assert download.value.suggested_filename == "BV82a.csv"
    assert {row["title"] for row in rows} == {TITLE}
    assert {row["licence"] for row in rows} == {"Open Government Licence v3.0"}
    assert len(rows) == table.locator("tbody tr").count()

    page.set_viewport_size({"width": 360, "height": 740})
    for url, where in ((f"{base}/public/", "Portal"), (page.url, "Measure")):
        page.goto(url)
        assert _fits_the_width(page), f"{where} scrolls sideways at 360 px"
        no_axe_violations(page, f"{where} at 360 px")
