"""Early warnings follow the data (issue 15, point 3), worked by hand.

Time is frozen at noon on Friday 28 November 2025 in London: the latest closed month is
October 2025 (2025-26-P07). September's returns (2025-26-P06) were due on Tuesday 21
October 2025. Housing owes H1 and H2 monthly; at first neither September return is in.

Each evaluation reads every warning not yet resolved by the data again in its latest
period: the daily run for October therefore also re-reads September's missing-returns
warning, takes the new evidence, and marks it resolved by the data, with the day, once
nothing is missing any more. Periods and dates are written in words.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from departments.models import KpiReturn
from departments.periods import Period
from reporting.models import EarlyWarning, WarningRule
from reporting.warnings.evaluation import acknowledge, evaluate
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
P04, P05, P06, P07 = (Period.parse(f"2025-26-P0{n}") for n in range(4, 8))
TODAY = date(2025, 11, 28)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def september(housing):
    """H1 and H2 with no September return; both sent in for October (approved), so
    October raises nothing of its own."""
    made = {}
    for code in ("H1", "H2"):
        made[code] = IndicatorFactory(department=housing, code=code, title=f"{code} title")
        KpiReturnFactory(indicator=made[code], period=P07.key, state="approved")
    return made


def missing_warning() -> EarlyWarning:
    return EarlyWarning.objects.get(rule=WarningRule.MISSING_RETURNS)


def submit(indicator, state="submitted", day=25) -> KpiReturn:
    return KpiReturnFactory(
        indicator=indicator,
        period=P06.key,
        state=state,
        submitted_at=datetime(2025, 11, day, 9, tzinfo=LONDON),
    )


def test_a_warning_is_written_in_words(september):
    result = evaluate([P06], notify=False)

    warning = missing_warning()
    assert [w.pk for w in result.raised] == [warning.pk]
    assert warning.subject_label == "Housing: returns for September 2025"
    assert warning.evidence["summary"] == (
        "2 returns for September 2025 missing past the deadline of 21 October 2025: H1, H2."
    )
    assert warning.periods_in_words == "September 2025"
    # Keys stay keys for the API.
    assert (warning.starting_period, warning.evidence["deadline"]) == ("2025-26-P06", "2025-10-21")


def test_the_next_evaluation_drops_a_return_submitted_since(september):
    evaluate([P06], notify=False)
    submit(september["H1"])

    # The daily run for October re-reads September's warning.
    result = evaluate([P07], today=TODAY, notify=False)

    warning = missing_warning()
    assert (result.raised, result.updated, result.resolved) == ([], 1, 0)
    assert [i["code"] for i in warning.evidence["indicators"]] == ["H2"]
    assert warning.evidence["indicators"][0]["state"] == "not_started"
    assert warning.evidence["summary"] == (
        "1 return for September 2025 missing past the deadline of 21 October 2025: H2."
    )
    assert warning.resolved_by_data_on is None
    assert list(EarlyWarning.objects.open()) == [warning]


def test_a_warning_with_nothing_left_missing_is_resolved_by_the_data_with_the_date(september, sam):
    evaluate([P06], notify=False)
    acknowledge(missing_warning(), user=sam, note="Chased at the departmental meeting.")
    submit(september["H1"], state="approved")
    submit(september["H2"], state="submitted", day=27)

    result = evaluate([P07], today=TODAY, notify=False)

    warning = missing_warning()
    assert (result.raised, result.updated, result.unchanged, result.resolved) == ([], 0, 0, 1)
    assert warning.resolved_by_data_on == TODAY
    # It never names a return as missing that is not.
    assert warning.evidence["indicators"] == []
    assert warning.evidence["summary"] == (
        "No return for September 2025 is missing any more: resolved by the data on "
        "28 November 2025."
    )
    assert warning.state_label == "Resolved by the data on 28 November 2025"
    assert not EarlyWarning.objects.open().exists()
    # Evaluating again leaves it resolved, on the same day.
    again = evaluate([P07], today=date(2025, 11, 29), notify=False)
    warning.refresh_from_db()
    assert (again.resolved, warning.resolved_by_data_on) == (0, TODAY)


def test_a_resolved_warning_reopens_when_the_return_goes_missing_again(september):
    evaluate([P06], notify=False)
    submit(september["H1"])
    h2 = submit(september["H2"])
    evaluate([P07], today=TODAY, notify=False)
    assert missing_warning().resolved_by_data_on == TODAY

    # H2 is sent back: it counts as not submitted until it is submitted again.
    KpiReturn.objects.filter(pk=h2.pk).update(state="sent_back")
    result = evaluate([P06], notify=False)

    warning = missing_warning()
    assert (result.raised, result.updated) == ([], 1)
    assert warning.resolved_by_data_on is None
    assert [(i["code"], i["state"]) for i in warning.evidence["indicators"]] == [
        ("H2", "sent_back")
    ]


def test_a_statutory_run_broken_by_a_corrected_figure_is_resolved(housing):
    bv = IndicatorFactory(department=housing, code="BV-RED", statutory=True)
    TargetFactory(indicator=bv, financial_year=2025, annual_value=Decimal("90"))
    for period in (P04, P05, P06, P07):
        KpiReturnFactory(indicator=bv, period=period.key, value=Decimal("80"), state="approved")
    KpiReturn.objects.filter(indicator=bv, period=P07.key).update(value=Decimal("95"))
    # Changed outside the product: rated again as an administrator would.
    call_command("rebuild_indicator_ratings", stdout=io.StringIO())
    evaluate([P06], notify=False)
    warning = EarlyWarning.objects.get(rule=WarningRule.STATUTORY_RED)
    assert warning.evidence["summary"] == (
        "BV-RED was red in each period from July 2025 to September 2025."
    )

    # August's figure is corrected to 95 (green): July to September is no longer a run
    # of three red periods.
    KpiReturn.objects.filter(indicator=bv, period=P05.key).update(value=Decimal("95"))
    call_command("rebuild_indicator_ratings", stdout=io.StringIO())
    result = evaluate([P07], today=TODAY, notify=False)

    warning.refresh_from_db()
    assert (result.raised, result.resolved) == ([], 1)
    assert warning.resolved_by_data_on == TODAY
    assert warning.evidence["summary"] == (
        "BV-RED was red in each period from July 2025 to September 2025. The condition no "
        "longer holds: resolved by the data on 28 November 2025; these are the figures of "
        "the last evaluation that found it."
    )


def test_the_pages_the_api_and_the_email_show_words_and_the_resolution(
    client, sam, september, settings
):
    sam.email = "sam@council.example"
    sam.save()
    settings.SITE_URL = "https://dashboard.council.example"
    evaluate([P06], notify=True)
    (message,) = mail.outbox
    assert "Periods: September 2025" in message.body
    assert "2025-26-P06" not in message.body
    warning = missing_warning()
    client.force_login(sam)

    open_detail = client.get(f"/early-warnings/{warning.pk}/").content.decode()
    assert "<dd>September 2025</dd>" in open_detail
    assert "Deadline: 21 October 2025" in open_detail
    assert "H1 H1 title: Missing (not started)" in open_detail

    submit(september["H1"])
    submit(september["H2"])
    evaluate([P07], today=TODAY, notify=False)

    listing = client.get("/early-warnings/", {"state": "resolved"})
    assert [w.pk for w in listing.context["page"]] == [warning.pk]
    html = listing.content.decode()
    assert "<td>September 2025</td>" in html
    assert "Resolved by the data on 28 November 2025" in html
    assert list(client.get("/early-warnings/").context["page"]) == []  # none open
    detail = client.get(f"/early-warnings/{warning.pk}/").content.decode()
    assert "Resolved by the data on 28 November 2025: the condition no longer holds" in detail
    assert "H1 title" not in detail

    api = client.get(f"/api/v1/early-warnings/{warning.pk}/").json()
    assert api["resolved_by_data_on"] == "2025-11-28"
    assert api["evidence"]["indicators"] == []
    resolved = client.get("/api/v1/early-warnings/", {"state": "resolved"}).json()
    assert [w["id"] for w in resolved["results"]] == [warning.pk]
    assert client.get("/api/v1/early-warnings/", {"state": "open"}).json()["results"] == []
