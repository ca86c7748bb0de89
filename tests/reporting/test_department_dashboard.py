"""The department dashboard: scope, figures from the metric functions, fixed queries."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW):
        yield


def _indicators(department, count: int) -> None:
    for n in range(count):
        indicator = IndicatorFactory(
            department=department,
            code=f"LPI-HOU-{n:02d}",
            title=f"Housing measure {n}",
            year_to_date="mean",
        )
        TargetFactory(
            indicator=indicator,
            financial_year=2025,
            annual_value=Decimal("90"),
            tolerance=Decimal("5"),
        )
        for month, value in ((5, "92.0"), (6, "80.0")):
            KpiReturnFactory(
                indicator=indicator,
                period=f"2025-26-P{month:02d}",
                value=Decimal(value),
                state="approved",
                commentary="Backlog after the system outage." if month == 6 else "",
                improvement_action="Agency staff for six weeks." if month == 6 else "",
            )


def test_the_officer_sees_their_departments_indicators_rated(client, alice, housing):
    _indicators(housing, 1)
    client.force_login(alice)
    response = client.get(f"/departments/{housing.pk}/?period=2025-26-P06")
    html = response.content.decode()
    assert response.status_code == 200
    row = response.context["rows"][0]
    # 80.0 against 90 with tolerance 5 is red; year to date mean(92, 80) = 86.0 is amber.
    assert (row.value, row.rag.value) == (Decimal("80.0"), "red")
    assert (row.year_to_date.value, row.year_to_date.rag.value) == (Decimal("86.0"), "amber")
    assert "Backlog after the system outage." in html
    assert 'class="sparkline"' in html


def test_another_departments_dashboard_is_not_found(client, alice, finance):
    client.force_login(alice)
    assert client.get(f"/departments/{finance.pk}/").status_code == 404


def test_the_dashboard_makes_the_same_number_of_queries_at_two_sizes(client, sam, housing):
    client.force_login(sam)
    counts = []
    _indicators(housing, 2)
    for size in (2, 10):
        _indicators_more(housing, size)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/departments/{housing.pk}/?period=2025-26-P06").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 20


def _indicators_more(department, total: int) -> None:
    existing = department.indicators.count()
    for n in range(existing, total):
        indicator = IndicatorFactory(department=department, code=f"LPI-HOU-X{n:02d}")
        TargetFactory(indicator=indicator, financial_year=2025)
        KpiReturnFactory(
            indicator=indicator, period="2025-26-P06", state="approved", value=Decimal("91.0")
        )


def test_the_partner_does_not_see_a_department_dashboard(client, pat, housing, partnership):
    from tests.factories import ServiceFactory

    ServiceFactory(partnership=partnership).departments.add(housing)
    client.force_login(pat)
    assert client.get(f"/departments/{housing.pk}/").status_code == 404
