"""For the demo, every page, email list, export, API answer and early warning agrees on the
state of every return of the latest closed month (issue 15, "Done when"; point 2).

The demo is seeded as on Saturday 28 November 2026 (latest closed month October 2026,
2026-27-P07, due Friday 20 November; latest closed quarter Q2 2026/27, due 21 October).
The expected state of each return is the one rule's, read straight from the rows; each
surface is then asked for the same returns in its own way.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from departments.models import Department, KpiReturn, PerformanceIndicator
from departments.periods import Period
from departments.rating import Timeliness, return_timeliness
from departments.reminders import owed_returns, reminder_window
from departments.returns.selectors import returns_due
from reporting.metrics.health import trailing_months
from reporting.metrics.overview import overview_figures
from reporting.metrics.returns import indicator_period_for, indicator_rows, return_standings
from reporting.models import EarlyWarning, WarningRule
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.returns import ReturnsExporter
from reporting.warnings.evaluation import evaluate
from tests.demo_council import demo_council

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
MONTH = Period.parse("2026-27-P07")

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(db):
    demo_council(seed=2025, today=TODAY)
    with time_machine.travel(NOW, tick=False):
        yield


def expected_states() -> dict[tuple[str, str], str]:
    """(indicator code, period key) → the one rule's state, from the rows themselves."""
    indicators = PerformanceIndicator.objects.active().filter(department__is_active=True)
    found = {(r.indicator_id, r.period): r for r in KpiReturn.objects.all()}
    states = {}
    for indicator in indicators:
        period = indicator_period_for(indicator, MONTH)
        if period is None:
            continue
        states[(indicator.code, period.key)] = return_timeliness(
            indicator=indicator,
            kpi_return=found.get((indicator.pk, period.key)),
            period=period,
            today=TODAY,
        ).state.value
    return states


def test_every_surface_says_the_same_state_for_every_return_of_the_month(demo, client):
    expected = expected_states()
    # The demo has missing returns and returns on time in the month (its late ones are in
    # earlier months).
    assert {"missing", "on_time"} <= set(Counter(expected.values()))
    missing = {key for key, state in expected.items() if state == Timeliness.MISSING}
    late = {key for key, state in expected.items() if state == Timeliness.LATE}
    client.force_login(get_user_model().objects.get(username="smt"))

    # My returns, for the month and for the quarter it does not close.
    said = {}
    for key in (MONTH.key, "2026-27-Q2"):
        response = client.get("/returns/", {"period": key})
        said |= {
            (row.indicator.code, row.period.key): row.timeliness.value
            for rows in response.context["groups"].values()
            for row in rows
        }
    assert said == expected

    # Every department's dashboard page and its API.
    page, api = {}, {}
    for department in Department.objects.filter(is_active=True):
        rows = client.get(f"/departments/{department.pk}/", {"period": MONTH.key}).context["rows"]
        page |= {
            (r.indicator.code, r.period.key): r.timeliness.state.value for r in rows if r.period
        }
        body = client.get(
            f"/api/v1/metrics/departments/{department.pk}/", {"period": MONTH.key}
        ).json()
        api |= {
            (r["code"], r["period"]): r["timeliness"] for r in body["indicators"] if r["period"]
        }
    assert page == api == expected

    # The home page's selector, for every department at once (it also lists the annual
    # returns of 2025/26, the latest year ended, which the month's pages do not show).
    due = returns_due(department_ids=set(Department.objects.values_list("pk", flat=True)))
    home = {(r.indicator.code, r.period.key): r.timeliness.value for r in due}
    assert {key: state for key, state in home.items() if key in expected} == expected

    # The overview's data-quality lists and the returns export.
    figures = overview_figures(MONTH, trailing_months(MONTH))
    assert {(r.indicator.code, r.period.key) for r in figures.missing} == missing
    assert {(r.indicator.code, r.period.key) for r in figures.late} == late
    exporter = ReturnsExporter(
        user=get_user_model().objects.get(username="smt"), parameters=ReportParameters(month=MONTH)
    )
    headings = [column.heading for column in exporter.columns]
    exported = [dict(zip(headings, row, strict=True)) for row in exporter.rows()]
    assert {(row["Indicator"], row["Period"]): row["Against the deadline"] for row in exported} == {
        key: Timeliness(state).label for key, state in expected.items()
    }

    # The returns API (stored returns only).
    listed = {}
    for key in (MONTH.key, "2026-27-Q2"):
        body = client.get("/api/v1/returns/", {"period": key, "page_size": 500}).json()
        assert body["next"] is None
        listed |= {(r["indicator_code"], r["period"]): r["timeliness"] for r in body["results"]}
    assert listed == {key: state for key, state in expected.items() if key in listed}

    # The reminders list exactly the missing ones of the month (nothing is "due" now).
    window = reminder_window(TODAY)
    owed = owed_returns(
        department_ids=set(Department.objects.values_list("pk", flat=True)), window=window
    )
    assert {
        (item.indicator.code, item.period.key)
        for item in owed
        if (item.indicator.code, item.period.key) in expected
    } == missing

    # Early-warning rule 4 names exactly the missing ones.
    evaluate([MONTH], notify=False)
    named = {
        (indicator["code"], warning.starting_period)
        for warning in EarlyWarning.objects.filter(
            rule=WarningRule.MISSING_RETURNS, starting_period__in=[MONTH.key, "2026-27-Q2"]
        )
        for indicator in warning.evidence["indicators"]
    }
    assert named == missing


@pytest.mark.parametrize("month", ["2025-26-P01", "2025-26-P12", "2026-27-P03", "2026-27-P07"])
def test_the_standings_of_returns_are_the_dashboards_answer_for_every_indicator(demo, month):
    """The early warnings read "missing" through ``return_standings``, which reads only the
    period's returns; it must answer as the dashboards' ``indicator_rows`` do, return by
    return (months with quarterly and annual periods ended, and a year's last month)."""
    chosen = Period.parse(month)
    indicators = PerformanceIndicator.objects.all()
    rows = [
        (r.indicator.code, r.period.key, r.kpi_return and r.kpi_return.pk, r.timeliness)
        for r in indicator_rows(indicators=indicators, month=chosen, today=TODAY)
        if r.period is not None
    ]
    standings = [
        (s.indicator.code, s.period.key, s.kpi_return and s.kpi_return.pk, s.timeliness)
        for s in return_standings(indicators=indicators, month=chosen, today=TODAY)
    ]
    assert standings == rows
    assert len(rows) > 30  # the monthly indicators at least
    states = {r[3].state for r in rows}
    # Each month has returns on time; October's (due 20 November) include the demo's
    # missing ones, so the comparison covers both answers.
    assert Timeliness.ON_TIME in states
    if month == "2026-27-P07":
        assert Timeliness.MISSING in states
