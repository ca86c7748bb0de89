"""The auditor asks for the monthly pack, watches its progress bar complete, downloads
both files and checks each against the checksum the page shows."""

import hashlib

import pytest

from reporting.models import ReportRun
from reporting.reports import services
from reporting.tasks import build_report_run
from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD
from tests.reporting.report_data import MONTH, build_evidence


@pytest.mark.django_db(transaction=True)
def test_the_auditor_downloads_the_monthly_pack_and_checks_it(
    page, live_server, settings, tmp_path, monkeypatch, housing, finance, partnership, sam, audrey
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_CHART_IMAGES = False
    build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)
    # Hold the task back, so the page is seen waiting and then following the build; in
    # production a worker picks it up after commit, in the embedded default it runs at once.
    monkeypatch.setattr(services, "_dispatch_after_commit", lambda run: None)
    base = live_server.url

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("audrey")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Monthly performance pack").click()
    no_axe_violations(page, "Report request")
    page.get_by_label("Month").fill(MONTH.key)
    assert page.get_by_label("PDF").is_checked()
    assert page.get_by_label("Excel workbook (.xlsx)").is_checked()
    page.get_by_role("button", name="Build the report").click()
    page.wait_for_selector("text=Waiting for the worker")
    assert page.locator("progress").get_attribute("value") == "0"
    no_axe_violations(page, "Report run, waiting")

    for run in ReportRun.objects.order_by("pk"):
        build_report_run(run.pk)  # what the worker does; the page is polling meanwhile
    page.wait_for_selector("#report-finished", timeout=20000)  # progress.js reloaded it
    assert page.locator("progress").get_attribute("value") == "100"
    assert "2 of 2 files ready" in page.locator("#report-finished").inner_text()
    no_axe_violations(page, "Report run, finished")

    for file_format in ("pdf", "xlsx"):
        row = page.locator(f"#report-files tr[data-format='{file_format}']")
        shown = row.locator("[data-sha256]").inner_text().strip()
        with page.expect_download() as download_info:
            row.get_by_role("link").click()
        path = download_info.value.path()
        with open(path, "rb") as downloaded:
            assert hashlib.sha256(downloaded.read()).hexdigest() == shown
        assert download_info.value.suggested_filename.endswith(f".{file_format}")
