"""The council overview: who sees it, its figures from the metric functions, fixed queries."""

import re
from datetime import date, datetime
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.charts.dashboards import rag_by_department_chart
from reporting.figures.overview import cached_overview_figures
from tests.factories import (
    IndicatorFactory,
    KpiReturnFactory,
    PartnershipFactory,
    ServiceFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
URL = "/overview/?period=2025-26-P06"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW):
        yield


def _indicator(department, code: str, value: str | None, statutory: bool = False):
    indicator = IndicatorFactory(department=department, code=code, statutory=statutory)
    TargetFactory(
        indicator=indicator, financial_year=2025, annual_value=Decimal("90"), tolerance=Decimal("5")
    )
    TargetFactory(
        indicator=indicator, financial_year=2024, annual_value=Decimal("90"), tolerance=Decimal("5")
    )
    if value is not None:
        KpiReturnFactory(
            indicator=indicator, period="2025-26-P06", value=Decimal(value), state="approved"
        )
        KpiReturnFactory(
            indicator=indicator, period="2024-25-P06", value=Decimal("88"), state="locked"
        )
    return indicator


@pytest.mark.parametrize(
    ("persona", "status"),
    [("sam", 200), ("audrey", 200), ("ada", 200), ("alice", 403), ("pat", 403)],
)
def test_the_overview_is_for_the_council_wide_roles(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status


def test_rag_counts_statutory_travel_and_missing(client, sam, housing, finance):
    _indicator(housing, "H1", "95", statutory=True)  # green, improved on 88
    _indicator(housing, "H2", "86")  # amber
    _indicator(finance, "F1", "70", statutory=True)  # red, worse than 88
    _indicator(finance, "F2", None)  # no return: past the 21 Oct deadline, missing
    client.force_login(sam)
    response = client.get(URL)
    counts = response.context["counts"]
    assert (counts[housing.pk]["green"], counts[housing.pk]["amber"]) == (1, 1)
    assert (counts[finance.pk]["red"], counts[finance.pk]["missing"]) == (1, 1)
    assert {d.value: n for d, n in response.context["travel"]} == {
        "improved": 1,
        "unchanged": 0,
        "worse": 1,
        "no_comparison": 0,
    }
    assert [r.indicator.code for r in response.context["missing_rows"]] == ["F2"]
    html = response.content.decode()
    assert "Across the council: green 1, amber 1, red 1, missing 1" in html


def test_the_overview_makes_the_same_number_of_queries_at_two_sizes(client, sam, housing):
    client.force_login(sam)
    counts = []
    for start, end in ((0, 3), (3, 15)):
        for n in range(start, end):
            _indicator(housing, f"H{n:02d}", "91")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_sla_results_are_read_once_whatever_the_number_of_partnerships(
    client, sam, council, partnership
):
    """Council partner health reads every partnership's SLA results in one query of their
    monthly summary (it was one per partnership), never the results themselves."""
    for name in ("Waste partnership", "Leisure partnership"):
        ServiceFactory(partnership=PartnershipFactory(council=council, name=name))
    client.force_login(sam)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "partnerships_slaservicemonth"' in q for q in sql) == 1
    assert not any('FROM "partnerships_slaresult"' in q for q in sql)


def test_a_signed_off_month_is_served_from_the_cache_until_it_changes(client, sam, housing):
    from departments.returns.sign_off import reopen_period, sign_off_period

    indicator = _indicator(housing, "H1", "95")
    sign_off_period(period_key="2025-26-P06", actor=sam)
    client.force_login(sam)
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).context["counts"][housing.pk]["green"] == 1
    with CaptureQueriesContext(connection) as second:
        response = client.get(URL)
    assert response.context["from_cache"] is True
    assert len(second) < len(first) - 5  # the figures came from the cache

    # Reopening the period changes it: the next page is computed afresh and shows it.
    reopen_period(period_key="2025-26-P06", actor=sam, reason="Housing figure restated")
    kpi_return = indicator.returns.get(period="2025-26-P06")
    kpi_return.value = Decimal("70")
    kpi_return.save()
    sign_off_period(period_key="2025-26-P06", actor=sam)
    response = client.get(URL)
    assert response.context["counts"][housing.pk]["red"] == 1


def test_a_month_not_signed_off_is_cached_too_until_the_next_write(client, sam, alice, housing):
    """An open month's figures move with every write, and every write retires them: so
    it is read from the cache between writes, and afresh after one."""
    _indicator(housing, "H1", "95")
    client.force_login(sam)
    first = client.get(URL)
    assert first.context["from_cache"] is False
    assert first.context["counts"][housing.pk]["green"] == 1
    with CaptureQueriesContext(connection) as again:
        second = client.get(URL)
    assert second.context["from_cache"] is True
    assert second.context["counts"][housing.pk]["green"] == 1
    assert len(again) <= 8

    _indicator(housing, "H2", "70")  # a new indicator and its red return: a write
    after = client.get(URL)
    assert after.context["from_cache"] is False
    assert (
        after.context["counts"][housing.pk]["green"],
        after.context["counts"][housing.pk]["red"],
    ) == (1, 1)


def test_the_charts_are_drawn_once_per_generation_of_the_figures(client, sam, housing):
    """The charts come from the cache with the figures, and are drawn again after a
    write: never a chart of figures the page no longer shows."""
    _indicator(housing, "H1", "95")
    client.force_login(sam)
    with patch(
        "reporting.pages.overview.rag_by_department_chart", wraps=rag_by_department_chart
    ) as drawn:
        first = client.get(URL)
        second = client.get(URL)
        assert drawn.call_count == 1
        assert second.context["rag_chart"] == first.context["rag_chart"]
        assert first.context["rag_chart"].caption.startswith(
            "Across the council: green 1, amber 0, red 0,"
        )

        _indicator(housing, "H2", "70")  # a write: the figures and the charts are redrawn
        after = client.get(URL)
        assert drawn.call_count == 2
    assert after.context["rag_chart"].caption.startswith(
        "Across the council: green 1, amber 0, red 1,"
    )


def test_the_overview_api_gives_the_pages_figures(client, sam, alice, housing, finance):
    _indicator(housing, "H1", "95", statutory=True)
    _indicator(finance, "F1", "70", statutory=True)
    client.force_login(sam)
    body = client.get("/api/v1/metrics/overview/?period=2025-26-P06").json()
    page = client.get(URL).context
    by_department = {row["department"]: row for row in body["rag_by_department"]}
    assert by_department[housing.pk]["green"] == page["counts"][housing.pk]["green"] == 1
    assert by_department[finance.pk]["red"] == page["counts"][finance.pk]["red"] == 1
    assert body["statutory_direction"] == {
        "improved": 1,
        "unchanged": 0,
        "worse": 1,
        "no_comparison": 0,
    }
    assert len(body["partner_health"]) == len(body["coordination_index"]) == 24
    client.force_login(alice)
    assert client.get("/api/v1/metrics/overview/").status_code == 403
    client.force_login(sam)
    assert client.get("/api/v1/metrics/overview/?period=2025-26").status_code == 400


@pytest.mark.slow
def test_on_the_demo_the_dashboards_equal_the_metric_functions(client, db):
    from django.contrib.auth import get_user_model

    from departments.models import Department, PerformanceIndicator
    from departments.periods import Period
    from reporting.metrics.returns import indicator_rows, rag_counts
    from tests.demo_council import demo_council

    # The demo as the other demo tests read it: September 2025 is in its second year.
    # Seeded on its day (the demo dates its steps by the clock, never after it), not under
    # this module's clock a year earlier: the copy other tests share is the same either way.
    with time_machine.travel(datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))):
        demo_council(seed=2025, today=date(2026, 11, 28))
    month = Period.parse("2025-26-P06")
    expected = rag_counts(indicators=PerformanceIndicator.objects.all(), month=month)
    client.force_login(get_user_model().objects.get(username="smt"))
    page = client.get(URL).context
    for department_id, tally in expected.items():
        assert {k: v for k, v in page["counts"][department_id].items() if v} == {
            k: v for k, v in tally.items() if v
        }
    housing = Department.objects.get(code="housing")
    dashboard = client.get(f"/departments/{housing.pk}/?period=2025-26-P06").context
    rows = indicator_rows(
        indicators=PerformanceIndicator.objects.filter(department=housing), month=month
    )
    assert [(r.indicator.code, r.value, r.rag, r.year_to_date) for r in dashboard["rows"]] == [
        (r.indicator.code, r.value, r.rag, r.year_to_date) for r in rows
    ]


def test_a_return_submitted_after_its_deadline_is_listed_late(client, sam, housing):
    indicator = _indicator(housing, "H1", "95")
    kpi_return = indicator.returns.get(period="2025-26-P06")
    # The P06 deadline is 21 October 2025; this one came in on the 23rd.
    kpi_return.submitted_at = datetime(2025, 10, 23, 10, tzinfo=ZoneInfo("Europe/London"))
    kpi_return.save()
    client.force_login(sam)
    response = client.get(URL)
    assert [r.indicator.code for r in response.context["late_rows"]] == ["H1"]
    assert "Submitted late" in response.content.decode()


def test_a_signed_off_months_coordination_page_comes_from_the_cache(client, sam, housing):
    from departments.returns.sign_off import sign_off_period

    _indicator(housing, "H1", "95")
    sign_off_period(period_key="2025-26-P06", actor=sam)
    client.force_login(sam)
    url = "/coordination/?period=2025-26-P06"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second) < len(first)


def test_the_coordination_page_focuses_only_on_a_department_it_shows(
    client, sam, alice, housing, finance
):
    """``?department=`` names one of the departments the page shows: an inactive one has no
    figures (it was a server error), and another department's is not an officer's."""
    url = "/coordination/?period=2025-26-P06&department={}"
    finance.is_active = False
    finance.save()
    client.force_login(sam)
    assert client.get(url.format(housing.pk)).status_code == 200
    assert client.get(url.format(finance.pk)).status_code == 404
    client.force_login(alice)
    assert client.get(url.format(housing.pk)).status_code == 200
    assert client.get(url.format(finance.pk)).status_code == 404


def test_an_officer_whose_only_department_is_inactive_is_told_so_not_a_server_error(
    client, alice, housing
):
    housing.is_active = False
    housing.save()
    client.force_login(alice)
    response = client.get("/coordination/?period=2025-26-P06")
    assert response.status_code == 403
    assert "None of your departments is active" in response.content.decode()


def test_the_overview_names_the_first_missing_returns_and_links_to_the_rest(
    client, sam, housing, monkeypatch
):
    """A council of a thousand indicators can have hundreds of returns missing: the
    overview lists the first ones and links to the returns page, filtered, for all."""
    monkeypatch.setattr("reporting.pages.overview.QUALITY_ROWS_LISTED", 2)
    for n in range(3):
        IndicatorFactory(department=housing, code=f"H{n}", title=f"Indicator {n}")
    # A quarterly indicator is read in its latest ended quarter: in August, Q1.
    IndicatorFactory(department=housing, code="HQ", title="Quarterly", frequency="quarterly")
    client.force_login(sam)
    august = "/overview/?period=2025-26-P05"
    with time_machine.travel(datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))):
        html = client.get(august).content.decode()
        assert "The first 2 of 4 missing returns." in html
        assert html.count("/returns/enter/") == 2
        links = re.findall(r'href="(/returns/\?period=[^"]+&amp;state=missing)"', html)
        assert links == [
            "/returns/?period=2025-26-Q1&amp;state=missing",
            "/returns/?period=2025-26-P05&amp;state=missing",
        ]
        # Between them, the linked pages list every missing return the overview counts.
        listed = sum(
            len(client.get(link.replace("&amp;", "&")).context["groups"].get(housing, []))
            for link in links
        )
    assert listed == 4


def test_a_write_while_the_figures_are_read_never_leaves_a_stale_chart(client, sam, housing):
    """A write that commits while a reader's figures are read: the charts drawn from them
    are stored under the generation before it, which nobody asks for again, so a later
    reader gets charts of the figures it is shown (a reviewer's finding: they were keyed
    after the figures were read, under the new generation)."""
    _indicator(housing, "H1", "95")
    client.force_login(sam)

    def figures_then_a_write_commits(month):
        result = cached_overview_figures(month)
        _indicator(housing, "H2", "70")  # another officer's red return commits meanwhile
        return result

    with patch("reporting.pages.overview.cached_overview_figures", figures_then_a_write_commits):
        client.get(URL)
    later = client.get(URL)
    assert later.context["counts"][housing.pk]["red"] == 1
    assert later.context["rag_chart"].caption.startswith(
        "Across the council: green 1, amber 0, red 1,"
    )
