"""The read models' rebuild commands leave PostgreSQL's planner the statistics of the
rows they wrote (ANALYZE), rather than tables that look empty until autovacuum, off on
some servers, reaches them. SQLite's planner needs none at these sizes: nothing there."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from departments.models import IndicatorRating, ReferralOpenMonth, ReferralPairMonth, ReturnState
from tests.factories import IndicatorFactory, KpiReturnFactory, ReferralFactory, TargetFactory


def _planner_rows(model) -> float | None:
    """PostgreSQL's estimate of the table's rows (-1 before any ANALYZE); None on SQLite
    unless it was analyzed (``sqlite_stat1``)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        return None if cursor.fetchone() is None else 0.0


@pytest.mark.parametrize(
    ("command", "model"),
    [
        ("rebuild_indicator_ratings", IndicatorRating),
        ("rebuild_referral_summaries", ReferralPairMonth),
        ("rebuild_referral_summaries", ReferralOpenMonth),
    ],
)
def test_a_rebuild_leaves_the_planner_the_rows_it_wrote(command, model, housing, finance):
    indicator = IndicatorFactory(department=housing)
    TargetFactory(indicator=indicator)
    for period in ("2025-26-P04", "2025-26-P05", "2025-26-P06"):
        KpiReturnFactory(indicator=indicator, period=period, state=ReturnState.APPROVED)
    ReferralFactory(from_department=housing, to_department=finance)
    ReferralFactory(from_department=finance, to_department=housing)
    call_command(command, stdout=io.StringIO())
    rows = model.objects.count()
    assert rows >= 2
    if connection.vendor == "postgresql":
        assert _planner_rows(model) == rows
    else:
        assert _planner_rows(model) is None
