"""The partner's import of SLA results from its own page (issue 16, item 2): its title,
columns and hints are the SLA results', and its template lists the partnership's SLAs for
the month, ready to fill in; an officer's page stays the returns'.

Time is frozen on Saturday 15 November 2025, noon in London.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from partnerships.sla_results.services import enter_sla_result
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = "2025-26-P06"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(datetime(2025, 11, 15, 12, tzinfo=ZoneInfo("Europe/London"))):
        yield


@pytest.fixture
def slas(partnership, pat):
    service = ServiceFactory(partnership=partnership, name="Desktop")
    first = SlaFactory(service=service, code="AV-01", title="Availability in core hours")
    second = SlaFactory(service=service, code="AV-02", title="Availability out of hours")
    enter_sla_result(sla=first, period_key=SEPTEMBER, actor=pat, value="99.8")
    return first, second


def test_the_partners_import_page_is_the_sla_results_one(client, pat, slas):
    client.force_login(pat)

    page = " ".join(client.get("/imports/?kind=sla_results").content.decode().split())

    assert "<title>Import SLA results" in page and "<h1>Import SLA results</h1>" in page
    assert "Columns: sla_code, period (a month such as 2025-26-P06), value" in page
    assert "indicator_code" not in page  # nothing of the returns' columns
    assert '<input type="hidden" name="kind" value="sla_results">' in page
    # Without ?kind the partner's only import is the one shown.
    assert "<h1>Import SLA results</h1>" in client.get("/imports/").content.decode()


def test_the_partners_template_lists_the_months_slas(client, pat, slas):
    client.force_login(pat)

    response = client.get(
        "/imports/template/", {"kind": "sla_results", "period": SEPTEMBER, "file_format": "csv"}
    )

    assert response.status_code == 200
    assert 'filename="sla-results-2025-26-P06.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["sla_code", "period", "value", "commentary"]
    assert [row[:3] for row in rows[1:]] == [
        ["AV-01", SEPTEMBER, "99.8"],
        ["AV-02", SEPTEMBER, ""],
    ]


def test_a_template_for_a_quarter_is_refused_naming_the_month(client, pat, slas):
    client.force_login(pat)

    response = client.get("/imports/template/", {"kind": "sla_results", "period": "2025-26-Q2"})

    page = response.content.decode()
    assert "Period: SLA results are monthly: use a month such as 2025-26-P06" in page
    assert 'href="#id_sla_period"' in page


def test_an_officer_may_not_have_the_partners_template(client, alice, slas):
    client.force_login(alice)

    response = client.get("/imports/template/", {"kind": "sla_results", "period": SEPTEMBER})

    assert response.status_code == 403


def test_an_officers_import_page_stays_the_returns_one(client, alice, slas):
    client.force_login(alice)

    page = client.get("/imports/").content.decode()

    assert "<h1>Import KPI returns</h1>" in page
    assert "Columns: indicator_code, period, value" in page


def test_a_template_in_a_format_it_does_not_make_is_refused_naming_the_format(client, pat, slas):
    client.force_login(pat)

    response = client.get(
        "/imports/template/", {"kind": "sla_results", "period": SEPTEMBER, "file_format": "pdf"}
    )

    page = response.content.decode()
    assert "Format: choose an Excel workbook (.xlsx) or CSV" in page
    assert "Period:" not in page


def test_the_filled_template_uploaded_from_the_page_enters_the_results(
    client, pat, slas, media_in_tmp, django_capture_on_commit_callbacks
):
    """The partner's round trip on the page: the template filled in and uploaded; the
    status page names what happens next for SLA results, not for returns."""
    client.force_login(pat)
    template = client.get(
        "/imports/template/", {"kind": "sla_results", "period": SEPTEMBER, "file_format": "csv"}
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(template)))
    rows[2][2] = "99.9"  # AV-02, the result not yet entered, meeting its level
    filled = io.StringIO()
    csv.writer(filled).writerows(rows)
    upload = io.BytesIO(filled.getvalue().encode())
    upload.name = "september.csv"

    with django_capture_on_commit_callbacks(execute=True):  # the import task, queued
        response = client.post("/imports/", {"kind": "sla_results", "file": upload})
    response = client.get(response["Location"])

    page = " ".join(response.content.decode().split())
    assert "<h2>Imported</h2>" in page
    assert '<dt>Rows created</dt><dd class="numeric">1</dd>' in page
    assert "waiting for the council to verify them" in page and 'href="/">Home</a>' in page
    assert "saved as drafts" not in page
    _, second = slas
    assert second.results.get(period=SEPTEMBER).reported_value == Decimal("99.9")
