"""The coordination page's charts, cached beside its figures: each reader gets the chart of
the department in focus or of the council, never another's from the cache."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.charts.dashboards import coordination_chart
from reporting.figures.coordination import cached_coordination_figures
from tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

URL = "/coordination/"


def _title(response) -> str:
    assert response.status_code == 200
    return response.context["chart"].title


def test_each_focus_has_its_own_chart_and_each_is_drawn_once(client, sam, harriet, housing):
    client.force_login(sam)
    with patch(
        "reporting.pages.coordination.coordination_chart", wraps=coordination_chart
    ) as drawn:
        assert _title(client.get(URL)) == "Council coordination index over the last 24 months"
        assert "matrix" in client.get(URL).context
        focused = client.get(f"{URL}?department={housing.pk}")
        assert _title(focused) == "Housing coordination index over the last 24 months"
        assert "matrix" in focused.context  # the SMT reads the council-wide matrix too
        # The council's chart again, from the cache: not the department's drawn last.
        assert _title(client.get(URL)).startswith("Council ")
        assert drawn.call_count == 2

        # A head of service reads their own department, council-wide figures left out.
        client.force_login(harriet)
        own = client.get(URL)
        assert _title(own) == "Housing coordination index over the last 24 months"
        assert "matrix" not in own.context
        assert drawn.call_count == 3


def test_a_write_while_the_figures_are_read_never_leaves_a_stale_chart(
    client, sam, housing, finance
):
    """As the overview's: a referral that commits while a reader's figures are read does
    not leave that reader's chart beside later readers' newer figures."""
    ReferralFactory(
        from_department=finance,
        to_department=housing,
        raised_on=date(2025, 9, 1),
        agreed_days=5,
        resolved_on=date(2025, 9, 3),
        acknowledged_on=date(2025, 9, 3),
    )
    client.force_login(sam)
    url = f"{URL}?period=2025-26-P06&department={housing.pk}"

    def figures_then_a_write_commits(*args, **kwargs):
        result = cached_coordination_figures(*args, **kwargs)
        ReferralFactory(  # resolved late: Housing's index falls
            from_department=finance,
            to_department=housing,
            raised_on=date(2025, 9, 2),
            agreed_days=1,
            resolved_on=date(2025, 9, 20),
            acknowledged_on=date(2025, 9, 20),
        )
        return result

    with time_machine.travel(datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))):
        with patch(
            "reporting.pages.coordination.cached_coordination_figures",
            figures_then_a_write_commits,
        ):
            client.get(url)
        later = client.get(url)
    current = later.context["current"]
    assert (current.on_time, current.late) == (1, 1)
    # The chart's last point is the index the page shows.
    assert later.context["chart"].rows[-1][1] == f"{current.index}"


def test_the_months_median_days_are_read_for_that_month_alone(client, sam, housing, finance):
    """The page and its API show each department's median days to resolve for the month
    only; the trend shows the index. So the days behind the medians are read for the month,
    not for all 24 (most of the rows the page would read)."""
    for raised, resolved in (
        (date(2025, 9, 1), date(2025, 9, 3)),  # 2 days
        (date(2025, 9, 8), date(2025, 9, 12)),  # 4 days
        (date(2025, 8, 4), date(2025, 8, 14)),  # 10 days, in August
    ):
        ReferralFactory(
            from_department=finance,
            to_department=housing,
            raised_on=raised,
            agreed_days=5,
            resolved_on=resolved,
            acknowledged_on=resolved,
        )
    client.force_login(sam)
    with time_machine.travel(datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"{URL}?period=2025-26-P06")
        # Read before the next request, which empties the connection's log of queries.
        department_days = [
            q["sql"]
            for q in captured.captured_queries
            if 'FROM "departments_referraldaysmonth"' in q["sql"] and "GROUP BY" not in q["sql"]
        ]
        api = client.get("/api/v1/metrics/coordination/?period=2025-26-P06").json()
        august = client.get(f"{URL}?period=2025-26-P05")
    rows = {department.name: c for department, c, _ in page.context["rows"]}
    assert rows["Housing"].median_days == Decimal("3.0")
    assert {d["department"]: d["median_days"] for d in api["departments"]}[housing.pk] == "3.0"
    assert {d.name: c for d, c, _ in august.context["rows"]}["Housing"].median_days == 10
    assert len(department_days) == 1
    assert "2025-26-P06" in department_days[0] and "2025-26-P05" not in department_days[0]
