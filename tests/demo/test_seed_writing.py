"""The demo council is written with COPY on PostgreSQL and with INSERTs elsewhere
(``demo.writing``: plain rows by ``executemany``, instances through the ORM): both store
the same rows, and the indexes and foreign keys a seeding
drops while it loads come back exactly as the migrations made them."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from demo import writing
from demo.generator import COUNTED_MODELS, seed_council
from demo.scale import DEMO
from departments.models import (
    Council,
    Department,
    KpiReturn,
    PerformanceIndicator,
    Referral,
    ReferralDaysMonth,
    ReferralOpenMonth,
    ReferralPairMonth,
)
from partnerships.models import Partner, Partnership, Service, Sla, SlaResult

TODAY = date(2026, 11, 28)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY is PostgreSQL's; elsewhere the seeding has the INSERTs' way only",
    ),
]

# How a row names what it refers to, so that two seedings compare whatever ids the
# database gave (deletes in a test's transaction do not restart the ids).
NATURAL_KEYS = {
    get_user_model(): "username",
    Council: "name",
    Department: "code",
    PerformanceIndicator: "code",
    Partner: "name",
    Partnership: "name",
    Service: "code",
    Sla: "code",
}
# Set by the database or the clock (an early warning's subject key and evidence name
# their rows by id).
VOLATILE = {
    "id",
    "history_id",
    "created_at",
    "updated_at",
    "history_date",
    "raised_at",
    "subject_key",
    "evidence",
}
SUMMARIES = [ReferralPairMonth, ReferralOpenMonth, ReferralDaysMonth]


def _rows(model) -> list[tuple]:
    names = [
        f"{field.name}__{NATURAL_KEYS[field.related_model]}" if field.is_relation else field.attname
        for field in model._meta.concrete_fields
        if field.attname not in VOLATILE
    ]
    rows = model.objects.order_by("pk").values_list(*names)
    # The summaries' rows are in no particular order (the database groups them).
    return sorted(rows, key=repr) if model in SUMMARIES else list(rows)


def _every_row() -> dict[str, list[tuple]]:
    models = [*COUNTED_MODELS, *SUMMARIES]
    models += [model.history.model for model in COUNTED_MODELS if hasattr(model, "history")]
    return {model._meta.label: _rows(model) for model in models}


def _indexes_and_keys() -> list[tuple]:
    tables = [model._meta.db_table for model in (Referral, KpiReturn, SlaResult)]
    tables += [model.history.model._meta.db_table for model in (KpiReturn, SlaResult)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables, tables],
        )
        return cursor.fetchall()


def _tables_with_rows_the_planner_knows_nothing_of() -> list[str]:
    """The project's tables holding rows that were never analyzed (PostgreSQL keeps
    ``reltuples`` at -1 until then; ANALYZE sets it in the same transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples < 0 "
            "AND relnamespace = 'public'::regnamespace ORDER BY relname"
        )
        never = [name for (name,) in cursor.fetchall()]
        holding = []
        for name in never:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(name)})")  # noqa: S608
            if cursor.fetchone()[0]:
                holding.append(name)
    return holding


def test_copy_and_the_inserts_seed_the_same_rows(db, monkeypatch):
    before = _indexes_and_keys()
    seed_council(scale=DEMO, seed=2025, today=TODAY, reset=True)
    copied = _every_row()
    assert _indexes_and_keys() == before
    assert _tables_with_rows_the_planner_knows_nothing_of() == []
    assert len(copied["departments.Referral"]) == DEMO.referrals
    assert len(copied["departments.HistoricalKpiReturn"]) == len(copied["departments.KpiReturn"])

    monkeypatch.setattr(writing, "copies", lambda: False)
    seed_council(scale=DEMO, seed=2025, today=TODAY, reset=True)
    assert _every_row() == copied
