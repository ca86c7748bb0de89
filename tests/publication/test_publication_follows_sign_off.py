"""Publication follows sign-off (issue 20, item 4): only locked returns of periods the SMT
has signed off, of published indicators, reach the portal; reopening takes them away."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from departments.models import KpiReturn, PerformanceIndicator
from departments.returns.services import reopen_return
from departments.returns.sign_off import reopen_period, sign_off_period
from publication.cache import cached_portal
from publication.selectors import public_returns
from publication.services import PublicationWords, set_publication
from tests.publication.conftest import COMMENTARY, approve_new_return

pytestmark = pytest.mark.django_db


def _shown(client, code="H1") -> list[tuple[str, str]]:
    body = client.get(f"/api/v1/public/indicators/{code}/")
    if body.status_code == 404:
        return []
    return [(f["period"], f["value"]) for f in body.json()["figures"]]


def test_only_signed_off_locked_returns_of_published_indicators_are_public(published):
    codes = dict(PerformanceIndicator.objects.values_list("pk", "code"))
    assert sorted((codes[r.indicator_id], r.period) for r in public_returns()) == [
        ("H1", "2024-25-P06"),
        ("H1", "2025-26-P05"),
        ("H1", "2025-26-P06"),
    ]


def test_the_portal_shows_the_latest_figure_rated_with_direction_and_commentary(published, client):
    h1 = cached_portal().by_code("H1")
    latest = h1.latest
    assert (latest.period.key, latest.value, latest.target) == (
        "2025-26-P06",
        Decimal("80.0"),
        Decimal("90.0"),
    )
    assert latest.rag_words == "Off target"  # 80 < 90 - 5
    assert latest.direction_words == "Worse than a year earlier"  # 80 against 85
    assert latest.commentary == COMMENTARY
    page = client.get("/public/indicators/H1/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "80.0" in html and "Off target" in html and COMMENTARY in html
    # Figures carry their unit, on the page and on the measures' cards alike.
    assert "80.0%" in html and "90.0%" in html
    assert "80.0%" in client.get("/public/").content.decode()


def test_reopening_a_period_withdraws_its_figures_from_the_portal(published, client, sam):
    assert _shown(client) == [
        ("2024-25-P06", "85.0"),
        ("2025-26-P05", "92.0"),
        ("2025-26-P06", "80.0"),
    ]
    reopen_period(period_key="2025-26-P06", actor=sam, reason="Figure under review")
    assert _shown(client) == [("2024-25-P06", "85.0"), ("2025-26-P05", "92.0")]
    page = client.get("/public/indicators/H1/").content.decode()
    assert "Off target" not in page and COMMENTARY not in page
    assert "2025-26-P06" not in client.get("/public/data/council-performance.csv").content.decode()


def test_reopening_one_return_withdraws_that_figure(published, client, sam):
    locked = KpiReturn.objects.get(indicator__code="H1", period="2025-26-P05")
    reopen_return(kpi_return=locked, actor=sam, reason="Miscounted")
    assert [period for period, _ in _shown(client)] == ["2024-25-P06", "2025-26-P06"]


def test_withdrawing_takes_the_indicator_off_every_public_page(published, client, sam):
    set_publication(indicator=published.h1, actor=sam, published=False, reason="Under review")
    assert client.get("/public/indicators/H1/").status_code == 404
    assert client.get("/public/data/indicators/H1.csv").status_code == 404
    assert client.get("/api/v1/public/indicators/H1/").status_code == 404
    assert "Lettings" not in client.get("/public/").content.decode()
    assert "How quickly council homes are let" not in client.get("/public/").content.decode()
    # Publishing it again brings its signed-off figures back, words kept.
    set_publication(indicator=published.h1, actor=sam, published=True)
    assert len(_shown(client)) == 3


def test_publishing_retires_the_cached_portal_at_once(published, client, sam):
    assert "Bills paid on time" not in client.get("/public/").content.decode()  # now cached
    set_publication(
        indicator=published.f1,
        actor=sam,
        published=True,
        words=PublicationWords("Bills paid on time", "Invoices paid within 30 days.", "money"),
    )
    page = client.get("/public/").content.decode()
    assert "Bills paid on time" in page and "77.7" in page  # F1's signed-off September


def test_a_sign_off_for_the_department_alone_publishes_and_its_reopening_withdraws(
    published, client, sam, harriet, alice, housing
):
    approve_new_return(published.h1, "2025-26-P04", "88.5", harriet, submitted_by=alice)
    assert "2025-26-P04" not in dict(_shown(client))  # approved, not yet signed off
    sign_off_period(period_key="2025-26-P04", actor=sam, department=housing)
    assert dict(_shown(client))["2025-26-P04"] == "88.5"
    reopen_period(period_key="2025-26-P04", actor=sam, reason="Recount", department=housing)
    assert "2025-26-P04" not in dict(_shown(client))


def test_another_departments_sign_off_publishes_nothing_and_the_first_covering_one_dates_it(
    published, client, sam, harriet, alice, housing, finance
):
    import time_machine

    from tests.publication.conftest import LONDON

    approve_new_return(published.h1, "2025-26-P04", "88.5", harriet, submitted_by=alice)
    for day, department in ((29, finance), (30, housing), (1, None)):
        month = 11 if day > 1 else 12
        with time_machine.travel(datetime(2025, month, day, 9, tzinfo=LONDON), tick=False):
            sign_off_period(period_key="2025-26-P04", actor=sam, department=department)
            if department == finance:
                assert "2025-26-P04" not in dict(_shown(client))  # it covers finance only
    body = client.get("/api/v1/public/indicators/H1/").json()
    shown = {f["period"]: (f["value"], f["signed_off_on"]) for f in body["figures"]}
    # Dated by housing's sign-off: neither finance's, earlier, nor the council's, later.
    assert shown["2025-26-P04"] == ("88.5", "2025-11-30")


def test_a_return_approved_after_its_periods_sign_off_stays_private_until_signed_off_again(
    published, client, sam, harriet
):
    """H2's June return was still submitted when the SMT signed June off: approved the
    next day it locks, but the SMT never saw it, so residents do not either, until the
    month is reopened and signed off again; the figure then says when that was."""
    from datetime import datetime

    import time_machine

    from departments.returns.services import approve_return
    from tests.publication.conftest import LONDON, SUBMITTED_VALUE

    set_publication(
        indicator=published.h2,
        actor=sam,
        published=True,
        words=PublicationWords("Repairs done on time", "Repairs finished on time.", "homes"),
    )
    waiting = KpiReturn.objects.get(indicator__code="H2", period="2025-26-P06")
    with time_machine.travel(datetime(2025, 11, 29, 9, tzinfo=LONDON), tick=False):
        assert approve_return(kpi_return=waiting, actor=harriet).state == "locked"
        assert _shown(client, "H2") == []
        assert published.h2.pk not in {r.indicator_id for r in public_returns()}
    with time_machine.travel(datetime(2025, 11, 30, 10, tzinfo=LONDON), tick=False):
        reopen_period(period_key="2025-26-P06", actor=sam, reason="Sign off June whole")
        sign_off_period(period_key="2025-26-P06", actor=sam)
        body = client.get("/api/v1/public/indicators/H2/").json()
    assert [(f["period"], f["value"], f["signed_off_on"]) for f in body["figures"]] == [
        ("2025-26-P06", SUBMITTED_VALUE, "2025-11-30")
    ]


def test_the_trend_shows_a_month_without_a_published_figure_as_a_gap_in_residents_words(
    published, client
):
    """H1 has figures for September 2024, August and September 2025: the months between
    are rows saying so (the line is not joined across them), rated in the cards' words."""
    page = client.get("/public/indicators/H1/").content.decode()
    table = page[page.index("<table") : page.index("</table>")]
    assert table.count("<tr") == 1 + 13  # heading, then September 2024 to September 2025
    assert table.count("No published figure") == 10
    assert "<th" in table and "Rating" in table and "RAG" not in table
    assert "Off target" in table and "Red" not in table
    assert "No counted return" not in page
