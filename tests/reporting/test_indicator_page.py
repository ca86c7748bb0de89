"""The indicator page and the dashboards' metrics API: scope, figures from the metric
functions, the trend chart's caption, commentary over time, fixed queries."""

import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import PerformanceIndicator
from departments.periods import Period
from reporting.metrics.returns import indicator_rows
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

pytestmark = [
    pytest.mark.django_db,
]
NOW = datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
OCTOBER = Period.parse("2025-26-P07")

# LPI-HOU-03, monthly, mean, higher is better. Targets: 88.0 in 2024-25 and 88.9 in
# 2025-26, amber tolerance 2, so red is below 86.0 and 86.9. July 2024 is only a draft.
REPAIRS = {
    "2024-25-P01": "89.0",
    "2024-25-P02": "90.0",
    "2024-25-P03": "85.0",  # red
    "2024-25-P04": None,  # draft
    "2024-25-P05": "87.0",
    "2024-25-P06": "86.5",
    "2024-25-P07": "84.0",  # red: October last year
    "2024-25-P08": "85.5",  # red, the first of the last 12 periods
    "2024-25-P09": "88.0",
    "2024-25-P10": "89.5",
    "2024-25-P11": "90.5",
    "2024-25-P12": "91.0",
    "2025-26-P01": "89.0",
    "2025-26-P02": "86.0",  # red
    "2025-26-P03": "87.5",
    "2025-26-P04": "89.9",
    "2025-26-P05": "84.6",  # red
    "2025-26-P06": "88.9",
    "2025-26-P07": "83.1",  # red
}
COMMENTARY = {
    "2024-25-P04": ("Draft note never submitted.", ""),
    "2025-26-P05": ("Storm damage backlog.", "Weekend working through September."),
    "2025-26-P06": ("Recovered after weekend working.", ""),
    "2025-26-P07": (
        "Contractor vacancies in the north area.",
        "Two agency surveyors from November.",
    ),
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def repairs(housing):
    indicator = IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Repairs completed within target time",
        definition="Percentage of responsive repairs completed within the target time.",
        year_to_date="mean",
    )
    for year, annual in ((2024, "88.0"), (2025, "88.9")):
        TargetFactory(
            indicator=indicator,
            financial_year=year,
            annual_value=Decimal(annual),
            tolerance=Decimal("2"),
        )
    for key, value in REPAIRS.items():
        commentary, action = COMMENTARY.get(key, ("", ""))
        KpiReturnFactory(
            indicator=indicator,
            period=key,
            value=Decimal(value or "88.0"),
            state="draft" if value is None else "approved",
            commentary=commentary,
            improvement_action=action,
        )
    return indicator


def _page(client, indicator, period="2025-26-P07"):
    return client.get(f"/indicators/{indicator.pk}/?period={period}")


# --- the page ----------------------------------------------------------------------------


def test_the_owning_officer_sees_the_figures_of_indicator_rows(client, alice, repairs):
    client.force_login(alice)
    response = _page(client, repairs)
    assert response.status_code == 200
    row = response.context["row"]
    expected = indicator_rows(
        indicators=PerformanceIndicator.objects.filter(pk=repairs.pk), month=OCTOBER
    )[0]
    assert row == expected
    # 83.1 against 88.9 (tolerance 2) is red; the mean of April to October 2025 is
    # 609.0 ÷ 7 = 87.0, amber; October 2024 was 84.0, so the period is worse; last year's
    # mean to October leaves out the July draft: 521.5 ÷ 6 = 86.9, so the year improved.
    assert (row.value, row.period_target, row.rag.value) == (
        Decimal("83.1"),
        Decimal("88.9"),
        "red",
    )
    ytd = row.year_to_date
    assert (ytd.value, ytd.target, ytd.rag.value, ytd.incomplete) == (
        Decimal("87.0"),
        Decimal("88.9"),
        "amber",
        False,
    )
    assert (row.previous_value, row.previous_year_to_date) == (Decimal("84.0"), Decimal("86.9"))
    assert (row.direction.value, row.year_to_date_direction.value) == ("worse", "improved")
    html = response.content.decode()
    assert "Percentage of responsive repairs completed within the target time." in html
    assert "Higher is better" in html and "Mean of periods" in html and "Monthly" in html


def test_the_trend_runs_over_every_period_with_the_rag_of_each(client, alice, repairs):
    client.force_login(alice)
    history = _page(client, repairs).context["history"]
    assert [p.period.key for p in history.trend] == list(REPAIRS)
    july_2024 = history.trend[3]
    assert (july_2024.value, july_2024.rag.value) == (None, "not_rated")
    assert [p.period.key for p in history.trend if p.rag.value == "red"] == [
        "2024-25-P03",
        "2024-25-P07",
        "2024-25-P08",
        "2025-26-P02",
        "2025-26-P05",
        "2025-26-P07",
    ]
    assert history.trend[0].target == Decimal("88.0")
    last = history.trend[-1]
    assert (last.value, last.target, last.rag) == (
        history.row.value,
        history.row.period_target,
        history.row.rag,
    )


def test_the_chart_states_its_finding_and_carries_its_data(client, sam, repairs):
    client.force_login(sam)
    response = _page(client, repairs)
    chart = response.context["chart"]
    assert chart.caption == (
        "LPI-HOU-03 was 83.1 (red) in Oct 2025 against a target of 88.9; "
        "4 of the last 12 periods were red."
    )
    assert chart.rows[3] == ["Jul 2024", "No counted return", "88.0", "Not rated"]
    assert chart.rows[-1] == ["Oct 2025", "83.1", "88.9", "Red"]
    html = response.content.decode()
    assert chart.caption in html
    assert 'id="indicator-trend-data"' in html and "plotly/plotly.min.js" in html
    target, values = json.loads(chart.figure_json)["data"]
    assert target["line"]["dash"] == "dash"
    assert values["marker"]["symbol"][-1] == "square"  # red is a square, not colour alone


def test_a_missing_latest_period_is_said_first_in_the_caption(client, sam, repairs):
    # November has figures once it has ended (on 28 November it is refused). Days later, a
    # session from before has ended (core/sessions.py): sign in then.
    with time_machine.travel(datetime(2025, 12, 2, 12, tzinfo=ZoneInfo("Europe/London"))):
        client.force_login(sam)
        chart = _page(client, repairs, period="2025-26-P08").context["chart"]
    # December 2024 to November 2025: November 2024's red has left the window.
    assert chart.caption == (
        "LPI-HOU-03 has no counted return for Nov 2025; it was last 83.1 (red) in Oct 2025 "
        "against a target of 88.9; 3 of the last 12 periods were red and 1 had no counted "
        "return."
    )


def test_commentary_over_time_is_every_counted_return_with_commentary_newest_first(
    client, alice, repairs
):
    client.force_login(alice)
    response = _page(client, repairs)
    history = response.context["history"]
    assert [(p.period.key, p.commentary, p.improvement_action) for p in history.commentary] == [
        (
            "2025-26-P07",
            "Contractor vacancies in the north area.",
            "Two agency surveyors from November.",
        ),
        ("2025-26-P06", "Recovered after weekend working.", ""),
        ("2025-26-P05", "Storm damage backlog.", "Weekend working through September."),
    ]
    html = response.content.decode()
    assert "Draft note never submitted." not in html
    # Every return links to its page, where the audit trail is.
    assert len(history.returns) == len(REPAIRS)
    for kpi_return in history.returns:
        assert f'href="/returns/{kpi_return.pk}/#history"' in html


def test_a_sum_indicator_with_a_missing_month_is_incomplete_against_a_pro_rated_target(
    client, alice, housing
):
    prevented = IndicatorFactory(
        department=housing,
        code="LPI-HOU-07",
        unit="count",
        year_to_date="sum",
        decimal_places=0,
    )
    TargetFactory(
        indicator=prevented, financial_year=2025, annual_value=Decimal("1200"), tolerance=60
    )
    for month, value in ((1, "110"), (2, "105"), (3, "98"), (6, "95")):
        KpiReturnFactory(
            indicator=prevented, period=f"2025-26-P{month:02d}", value=value, state="approved"
        )
    KpiReturnFactory(indicator=prevented, period="2025-26-P05", value="90", state="draft")
    client.force_login(alice)
    response = _page(client, prevented, period="2025-26-P06")
    row = response.context["row"]
    # The period target is 1200 ÷ 12 = 100: 95 is amber. Year to date 110 + 105 + 98 + 95
    # = 408 against 1200 × 6 ÷ 12 = 600 is red, and incomplete (May is a draft, July none).
    assert (row.value, row.period_target, row.rag.value) == (
        Decimal("95"),
        Decimal("100"),
        "amber",
    )
    ytd = row.year_to_date
    assert (ytd.value, ytd.target, ytd.rag.value, ytd.incomplete) == (
        Decimal("408"),
        Decimal("600"),
        "red",
        True,
    )
    html = response.content.decode()
    assert "incomplete" in html and "4 of 6 periods counted" in html
    assert "pro-rated to 6 of 12 periods" in html


def test_others_are_not_found_and_council_wide_roles_see_it(client, repairs, bob, pat, sam, audrey):
    for outsider in (bob, pat):
        client.force_login(outsider)
        assert _page(client, repairs).status_code == 404
    for insider in (sam, audrey):
        client.force_login(insider)
        assert _page(client, repairs).status_code == 200


def test_a_bad_period_is_not_found(client, alice, repairs):
    client.force_login(alice)
    assert _page(client, repairs, period="2025-26-Q2").status_code == 404
    assert _page(client, repairs, period="October").status_code == 404


def test_an_inactive_indicator_shows_its_history_without_a_row(client, alice, repairs):
    repairs.is_active = False
    repairs.save()
    client.force_login(alice)
    response = _page(client, repairs)
    assert response.status_code == 200
    assert response.context["row"] is None
    assert len(response.context["history"].trend) == len(REPAIRS)
    assert "no longer active" in response.content.decode()


def test_a_quarterly_indicator_before_its_first_quarter_ends_has_no_period(client, alice, housing):
    surveys = IndicatorFactory(department=housing, code="LPI-HOU-Q", frequency="quarterly")
    KpiReturnFactory(indicator=surveys, period="2024-25-Q4", value="91.0", state="locked")
    KpiReturnFactory(indicator=surveys, period="2025-26-Q1", value="93.0", state="approved")
    client.force_login(alice)
    response = _page(client, surveys, period="2025-26-P02")
    # In May no quarter of 2025-26 has ended: no row period, and the trend stops at Q4
    # 2024/25 (the Q1 return is not yet shown), with no target for that year.
    assert response.context["row"].period is None
    assert [p.period.key for p in response.context["history"].trend] == ["2024-25-Q4"]
    assert response.context["chart"].caption == (
        "LPI-HOU-Q was 91.0 (not rated) in Q4 2024/25 with no target set."
    )
    assert "No quarterly period has ended yet in 2025/26" in response.content.decode()


def _with_periods(department, code: str, count: int) -> PerformanceIndicator:
    indicator = IndicatorFactory(department=department, code=code)
    for year in (2023, 2024, 2025):
        TargetFactory(indicator=indicator, financial_year=year)
    period = OCTOBER
    for n in range(count):
        KpiReturnFactory(
            indicator=indicator,
            period=period.key,
            value=Decimal("84.0") if n % 3 else Decimal("92.0"),
            state="approved",
            commentary="Below target." if n % 3 else "",
            improvement_action="Recovery plan." if n % 3 else "",
        )
        period = period.previous()
    return indicator


def test_the_page_and_its_api_make_the_same_number_of_queries_at_two_sizes(client, sam, housing):
    small = _with_periods(housing, "LPI-HOU-S", 6)
    large = _with_periods(housing, "LPI-HOU-L", 24)
    client.force_login(sam)
    for url in ("/indicators/{}/?period=2025-26-P07", "/api/v1/metrics/indicators/{}/"):
        counts = []
        for indicator, periods in ((small, 6), (large, 24)):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url.format(indicator.pk))
            assert response.status_code == 200
            counts.append(len(captured))
            if "api" in url:
                assert len(response.json()["trend"]) == periods
            else:
                assert len(response.context["history"].trend) == periods
        assert counts[0] == counts[1] <= 12, (url, counts)


# --- the API -----------------------------------------------------------------------------


def _figure(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def test_the_indicator_api_gives_the_pages_figures(client, alice, repairs):
    client.force_login(alice)
    page = _page(client, repairs).context
    response = client.get(f"/api/v1/metrics/indicators/{repairs.pk}/?period=2025-26-P07")
    assert response.status_code == 200
    body = response.json()
    row = page["row"]
    assert body["indicator"]["code"] == "LPI-HOU-03"
    assert body["period"] == "2025-26-P07"
    assert {key: body["row"][key] for key in ("period", "value", "period_target", "rag")} == {
        "period": "2025-26-P07",
        "value": _figure(row.value),
        "period_target": _figure(row.period_target),
        "rag": row.rag.value,
    }
    assert body["row"]["year_to_date"] == {
        "value": "87.0",
        "target": "88.9",
        "rag": "amber",
        "incomplete": False,
        "periods_counted": 7,
        "periods_in_range": 7,
    }
    assert (body["row"]["direction"], body["row"]["year_to_date_direction"]) == (
        "worse",
        "improved",
    )
    assert body["row"]["commentary"] == "Contractor vacancies in the north area."
    assert [(p["period"], p["value"], p["target"], p["rag"]) for p in body["trend"]] == [
        (p.period.key, _figure(p.value), _figure(p.target), p.rag.value)
        for p in page["history"].trend
    ]
    assert body["trend"][3]["state"] == "draft" and body["trend"][3]["commentary"] == ""


def test_the_indicator_api_gives_a_ratio_year_to_date_from_summed_parts(client, sam, finance):
    paid = IndicatorFactory(
        department=finance,
        code="BV8",
        frequency="quarterly",
        year_to_date="ratio",
    )
    TargetFactory(indicator=paid, financial_year=2025, annual_value=Decimal("95"), tolerance=3)
    for quarter, numerator, denominator in ((1, 450, 500), (2, 980, 1000)):
        KpiReturnFactory(
            indicator=paid,
            period=f"2025-26-Q{quarter}",
            value=None,
            numerator=numerator,
            denominator=denominator,
            state="locked",
        )
    client.force_login(sam)
    body = client.get(f"/api/v1/metrics/indicators/{paid.pk}/?period=2025-26-P07").json()
    # October reads Q2. 1,430 ÷ 1,500 = 95.3% is green; the mean of 90.0 and 98.0 would
    # have been 94.0, amber.
    assert (body["row"]["period"], body["row"]["value"], body["row"]["rag"]) == (
        "2025-26-Q2",
        "98.0",
        "green",
    )
    assert (body["row"]["year_to_date"]["value"], body["row"]["year_to_date"]["rag"]) == (
        "95.3",
        "green",
    )
    assert [(p["period"], p["value"]) for p in body["trend"]] == [
        ("2025-26-Q1", "90.0"),
        ("2025-26-Q2", "98.0"),
    ]


def test_the_department_api_gives_the_department_dashboards_figures(
    client, alice, housing, repairs
):
    client.force_login(alice)
    page = client.get(f"/departments/{housing.pk}/?period=2025-26-P07").context
    response = client.get(f"/api/v1/metrics/departments/{housing.pk}/?period=2025-26-P07")
    assert response.status_code == 200
    body = response.json()
    assert (body["department"], body["name"], body["period"]) == (
        housing.pk,
        "Housing",
        "2025-26-P07",
    )
    assert [
        (
            r["code"],
            r["value"],
            r["period_target"],
            r["rag"],
            r["missing"],
            r["year_to_date"]["value"],
            r["year_to_date"]["rag"],
            r["year_to_date"]["incomplete"],
            r["direction"],
        )
        for r in body["indicators"]
    ] == [
        (
            row.indicator.code,
            _figure(row.value),
            _figure(row.period_target),
            row.rag.value,
            row.missing,
            _figure(row.year_to_date.value),
            row.year_to_date.rag.value,
            row.year_to_date.incomplete,
            row.direction.value,
        )
        for row in page["rows"]
    ]
    assert body["indicators"][0]["series"][-1] == {"period": "2025-26-P07", "value": "83.1"}
    coordination, dependency = page["coordination"], page["dependency"]
    assert (body["coordination"]["index"], body["coordination"]["rag"]) == (
        _figure(coordination.index),
        coordination.rag.value,
    )
    assert (body["dependency_health"]["score"], body["dependency_health"]["rag"]) == (
        _figure(dependency.score),
        dependency.rag.value,
    )
    assert body["dependency_health"]["services"] == []


def test_the_api_is_scoped_and_refuses_a_bad_period(client, alice, bob, pat, housing, repairs):
    indicator_url = f"/api/v1/metrics/indicators/{repairs.pk}/"
    department_url = f"/api/v1/metrics/departments/{housing.pk}/"
    for outsider in (bob, pat):
        client.force_login(outsider)
        assert client.get(indicator_url).status_code == 404
        assert client.get(department_url).status_code == 404
    client.force_login(alice)
    assert client.get("/api/v1/metrics/indicators/999999/").status_code == 404
    for url in (indicator_url, department_url):
        for period in ("2025-26-Q2", "2025-26-P13", "October"):
            response = client.get(f"{url}?period={period}")
            assert response.status_code == 400, (url, period)
            assert list(response.json()) == ["period"]
    client.logout()
    assert client.get(indicator_url).status_code == 401
