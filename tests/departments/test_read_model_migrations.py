"""The migrations that create the monthly read models fill them from the rows a database
already holds, and skip a new database's empty tables (no warning, nothing to read)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

BEFORE = [("departments", "0017_sign_in_times")]
AFTER = [("departments", "0018_indicator_ratings")]


def test_the_ratings_migration_rates_the_returns_already_stored(migrations_database):
    apps = migrations_database.start_at(BEFORE)
    council = apps.get_model("departments", "Council").objects.create(name="Test council")
    housing = apps.get_model("departments", "Department").objects.create(
        council=council, name="Housing", code="housing"
    )
    indicator = apps.get_model("departments", "PerformanceIndicator").objects.create(
        council=council,
        department=housing,
        code="HOU-01",
        title="Homes let",
        unit="count",
        polarity="higher",
        frequency="monthly",
        year_to_date="sum",
        dimension="effectiveness",
        decimal_places=0,
    )
    apps.get_model("departments", "Target").objects.create(
        indicator=indicator,
        financial_year=2026,
        annual_value=Decimal("120"),
        tolerance=Decimal("2"),
    )
    apps.get_model("departments", "KpiReturn").objects.create(
        indicator=indicator,
        department=housing,
        period="2026-27-P01",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 4, 30),
        financial_year=2026,
        value=Decimal("9"),
        state="approved",
        submitted_at=None,
    )

    migrations_database.migrate(AFTER)
    from departments.models import IndicatorRating

    stored = list(IndicatorRating.objects.filter(period="2026-27-P01").values_list("value", "rag"))

    # Period target 120 / 12 = 10, tolerance 2: 9 is amber.
    assert stored == [(Decimal("9"), "amber")]
