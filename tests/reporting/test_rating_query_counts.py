"""The pages and endpoints built on return ratings make the same number of queries however
many indicators, departments and months of returns the council has: they read the read
model of ratings (``IndicatorRating``) and the month's returns, never a query per indicator,
department or period (issue 17)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Department
from departments.periods import periods_of_year
from tests.factories import DepartmentFactory, IndicatorFactory, KpiReturnFactory, TargetFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
MONTH = "2025-26-P06"
URLS = (
    "/overview/?period={month}",
    "/api/v1/metrics/overview/?period={month}",
    "/combined/?period={month}",
    "/api/v1/metrics/combined/?period={month}",
    "/departments/{department}/?period={month}",
    "/api/v1/metrics/departments/{department}/?period={month}",
)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW):
        yield


def _grow(council, departments: int, indicators: int) -> None:
    """Departments, each with indicators of every frequency, their targets and a year and
    a half of approved returns, until the council has ``departments``."""
    frequencies = ["monthly", "quarterly", "annual"]
    for d in range(Department.objects.count(), departments):
        department = DepartmentFactory(council=council, name=f"Service {d:02d}", code=f"s{d:02d}")
        for n in range(indicators):
            indicator = IndicatorFactory(
                department=department,
                code=f"Q-{d:02d}-{n:02d}",
                frequency=frequencies[n % 3],
                statutory=n % 2 == 0,
                year_to_date="sum" if n % 4 == 0 else "mean",
            )
            for year in (2024, 2025):
                TargetFactory(indicator=indicator, financial_year=year, annual_value=Decimal(80))
            kind = indicator.period_kind
            for period in (p for p in _periods(kind) if p.end < NOW.date()):
                KpiReturnFactory(
                    indicator=indicator,
                    period=period.key,
                    value=Decimal(70 + (n * 7 + period.index_in_year * 3) % 30),
                    state="approved",
                    commentary="Explained",
                    improvement_action="Acted on",
                )


def _periods(kind):
    return [p for year in (2024, 2025) for p in periods_of_year(year, kind)]


def test_rating_pages_make_the_same_queries_for_a_small_and_a_larger_council(
    client, sam, council, housing
):
    client.force_login(sam)
    counts = []
    for departments, indicators in ((2, 2), (5, 6)):
        _grow(council, departments, indicators)
        department = Department.objects.order_by("pk").last()
        size = []
        for url in URLS:
            cache.clear()  # a first request: the page and its API share a cached entry
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url.format(month=MONTH, department=department.pk))
            assert response.status_code == 200, url
            size.append(len(captured))
        counts.append(size)
    assert counts[0] == counts[1], dict(zip(URLS, zip(*counts, strict=True), strict=True))
