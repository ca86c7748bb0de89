"""List endpoints make the same number of SQL queries whatever the page size: nothing is
fetched per row. Checked with 5 and with 100 rows a page over a dozen rows of each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from departments.models import BenchmarkMetric, ComparatorGroup
from departments.roles import Role
from tests import api_council
from tests.factories import (
    CouncilFactory,
    DepartmentFactory,
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    PartnershipFactory,
    ReferralFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)
from tests.shared_rows import shared_rows

pytestmark = pytest.mark.django_db

ROWS = 12
LISTS = (
    "returns",
    "referrals",
    "sla-results",
    "indicators",
    "departments",
    "milestones",
    "escalations",
    "risks",
    "comparator-groups",
    "benchmark-metrics",
)
MONTHS = [f"2025-26-P{n:02d}" for n in range(1, 13)]


@pytest.fixture(scope="module")
def many_rows(django_db_setup, django_db_blocker):
    """A dozen rows of each listed kind, and ada (admin), alice (Housing's officer) and pat
    (the partner's manager), built once for the module's thirty tests, which only read
    them (tests/shared_rows.py). Returns the three users by name."""
    with shared_rows(django_db_blocker, "many_rows"):
        with django_db_blocker.unblock():
            council = CouncilFactory()
            housing = DepartmentFactory(council=council, name="Housing", code="housing")
            DepartmentFactory(council=council, name="Finance", code="finance")
            partnership = PartnershipFactory(
                council=council, name="ICT Strategic Service Partnership"
            )
            users = {
                "ada": api_council.persona("ada", Role.ADMIN),
                "alice": api_council.persona("alice", Role.OFFICER, department=housing),
                "pat": api_council.persona("pat", Role.PARTNER, partnership=partnership),
            }
            departments = [DepartmentFactory(council=council) for _ in range(ROWS)]
            service = ServiceFactory(partnership=partnership)
            service.departments.add(housing)
            for n in range(ROWS):
                indicator = IndicatorFactory(department=departments[n])
                TargetFactory(indicator=indicator, financial_year=2025)
                KpiReturnFactory(indicator=indicator, period=MONTHS[n])
                ReferralFactory(
                    from_department=housing,
                    to_department=departments[n],
                    raised_on=date(2025, 9, 1) + timedelta(days=n),
                    service=service if n % 2 else None,
                    channel="service" if n % 2 else "email",
                )
                SlaResultFactory(sla=SlaFactory(service=service), period=MONTHS[n])
                MilestoneFactory(
                    partnership=partnership, due_date=date(2025, 4, 1) + timedelta(days=n)
                )
                EscalationFactory(partnership=partnership)
                RiskFactory(partnership=partnership)
                group = ComparatorGroup.objects.create(
                    council=council, name=f"Group {n}", kind="other", model_year=2020 + n
                )
                for member in range(3):
                    group.members.create(
                        area_code=f"E0900000{member}", area_name=f"Council {member}"
                    )
                BenchmarkMetric.objects.create(
                    council=council, code=f"M{n}", title=f"Metric {n}", polarity="higher"
                )
        yield users


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries), response.json()


@pytest.mark.parametrize("resource", LISTS)
@pytest.mark.parametrize("persona", ["ada", "alice", "pat"])
def test_a_list_makes_the_same_queries_for_5_rows_as_for_100(many_rows, resource, persona):
    client = APIClient()
    client.force_authenticate(many_rows[persona])
    # The first request reads the user's memberships once (kept on the user object).
    client.get(f"/api/v1/{resource}/?page_size=1")
    small_count, small = _queries(client, f"/api/v1/{resource}/?page_size=5")
    large_count, large = _queries(client, f"/api/v1/{resource}/?page_size=100")
    assert small_count == large_count
    if persona == "ada":
        # The administrator sees every row: the large page really is larger.
        assert len(small["results"]) == 5 and len(large["results"]) >= ROWS
