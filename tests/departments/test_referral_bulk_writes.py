"""The referrals import writes in bulk what single writes write one at a time.

- an imported or re-imported referral's history row is the row a single write keeps: the
  referral's fields as stored, the importer as history user, the reason and type;
- PostgreSQL's COPY and the ORM (SQLite's way) store the same rows, history included;
- the queries of an import are a constant number per batch (and per chunk of rows read
  ahead), and the monthly summaries are written once for the whole file;
- the summaries after an import across batches, with creations and changes, are what a
  rebuild from the referrals writes.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from core import importer
from core.importer import iter_json_rows, run_import
from departments.models import Referral, ReferralDaysMonth, ReferralOpenMonth, ReferralPairMonth
from departments.referrals import imports as referral_imports
from departments.referrals.bulk import COLUMNS, HISTORY_COLUMNS, write_referrals
from departments.referrals.imports import ReferralRowHandler
from departments.referrals.services import channel_choices, check_referral, raise_referral
from departments.referrals.summaries import rebuild_referral_summaries
from tests.factories import DepartmentFactory, ServiceFactory

pytestmark = pytest.mark.django_db

HistoricalReferral = Referral.history.model
# Set by the database or the clock, so different in any two writes.
VOLATILE = {"id", "created_at", "history_id", "history_date"}


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def revenues(council):
    return DepartmentFactory(
        council=council, name="Revenues and Benefits", code="revenues-benefits"
    )


@pytest.fixture
def service(partnership):
    return ServiceFactory(partnership=partnership, code="case-management")


def rows(count: int, *, channel: str = "email", prefix: str = "CMS") -> list[dict[str, str]]:
    return [
        {
            "from_department": "housing",
            "to_department": "revenues-benefits",
            "category": "Housing benefit change of circumstances",
            "raised_on": f"2026-{9 + n % 2:02d}-{1 + n % 28:02d}",
            "acknowledged_on": f"2026-{9 + n % 2:02d}-{1 + n % 28:02d}" if n % 3 else "",
            "resolved_on": f"2026-11-{1 + n % 20:02d}" if n % 4 else "",
            "agreed_days": str(5 + n % 20),
            "channel": channel if n % 5 else "case-management",
            "reference": f"{prefix}-{n:06d}",
        }
        for n in range(count)
    ]


def import_rows(actor, data):
    return run_import(
        iter_json_rows(data),
        ReferralRowHandler(actor),
        max_rows=10_000,
        read_again=lambda: iter_json_rows(data),
    )


def stored(model, *, order: str = "reference") -> list[dict]:
    """Every row of the model, without what the database or the clock sets."""
    return [
        {name: value for name, value in row.items() if name not in VOLATILE}
        for row in model.objects.order_by(order, "pk").values()
    ]


# --- the indexes written with every referral -------------------------------------------------


def test_each_department_and_service_key_leads_an_index_without_one_of_its_own():
    """Every index is one more write per referral stored: a foreign key has no index of
    its own where a wider one starts with it (lookups, and PROTECT's checks before a
    department or service is deleted, use that one)."""
    leading = {index.fields[0].lstrip("-") for index in Referral._meta.indexes}
    for name in ("from_department", "to_department", "service"):
        assert not Referral._meta.get_field(name).db_index
        assert name in leading
    assert not Referral._meta.get_field("raised_by").db_index
    assert len(Referral._meta.indexes) == 8


# --- the history of an imported referral -------------------------------------------------------


def test_the_columns_written_are_the_models_columns():
    """COPY names every column: none may be left to a default nobody meant."""
    assert set(COLUMNS) == {field.attname for field in Referral._meta.concrete_fields}
    assert set(HISTORY_COLUMNS) == {
        field.attname for field in HistoricalReferral._meta.concrete_fields
    } - {"history_id"}


def test_an_imported_referral_keeps_the_history_row_of_a_single_write(
    ada, housing, revenues, service
):
    raised = raise_referral(
        actor=ada,
        from_department=housing,
        to_department=revenues,
        category="Housing benefit change of circumstances",
        raised_on=date(2026, 9, 2),
        agreed_days=6,
        channel="email",
    )
    import_rows(ada, rows(1))
    imported = Referral.objects.get(reference="CMS-000000")

    for referral, reason in ((raised, "Raised"), (imported, "Imported")):
        record = referral.history.get()
        assert (record.history_type, record.history_user, record.history_change_reason) == (
            "+",
            ada,
            reason,
        )
        # The row is the referral as stored, field for field, as a single save keeps it.
        for field in Referral._meta.concrete_fields:
            assert getattr(record, field.attname) == getattr(referral, field.attname), field
        assert referral.raised_by == ada
    assert imported.history.get().history_date == imported.created_at


def test_a_reimported_change_keeps_the_history_row_of_a_single_change(
    ada, housing, revenues, service
):
    import_rows(ada, rows(3))
    changed = rows(3)
    changed[1].update(agreed_days="30", resolved_on="2026-11-20")
    summary = import_rows(ada, changed)
    assert (summary.updated, summary.unchanged) == (1, 2)

    referral = Referral.objects.get(reference="CMS-000001")
    assert (referral.agreed_days, referral.resolved_on) == (30, date(2026, 11, 20))
    assert (referral.due_on, referral.resolution_days) == (date(2026, 11, 1), 49)
    latest = referral.history.latest("history_id")
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        ada,
        "Updated by import",
    )
    for field in Referral._meta.concrete_fields:
        assert getattr(latest, field.attname) == getattr(referral, field.attname), field
    assert referral.history.count() == 2
    assert Referral.history.count() == 4  # three imported, one changed


@pytest.mark.django_db(transaction=True)
def test_a_batch_is_written_only_inside_a_transaction(ada, housing, revenues):
    fields = check_referral(
        from_department=housing,
        to_department=revenues,
        category="Invoice query",
        raised_on=date(2026, 10, 1),
        agreed_days=5,
        channel="email",
        channels=channel_choices(),
    )
    with pytest.raises(TransactionManagementError):
        write_referrals(
            created=[fields],
            changed=[],
            actor=ada,
            created_reason="Imported",
            changed_reason="Updated by import",
        )
    assert not Referral.objects.exists()


# --- COPY and the ORM store the same rows ------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite has the ORM only"
)
def test_copy_and_the_orm_store_the_same_referrals_and_history(
    monkeypatch, ada, housing, revenues, service
):
    """The same files imported once written with COPY and once through the ORM (each in a
    transaction rolled back afterwards): new referrals, then changes to most of them; the
    same referrals, history rows and summaries."""
    results = {}
    for copy in (True, False):
        monkeypatch.setattr(
            referral_imports, "write_referrals", functools.partial(write_referrals, copy=copy)
        )
        with transaction.atomic():
            import_rows(ada, rows(30))
            import_rows(ada, rows(30, channel="phone"))  # every row but each fifth changes
            results[copy] = (
                stored(Referral),
                stored(HistoricalReferral, order="history_id"),
                _summaries(),
            )
            transaction.set_rollback(True)
    assert results[True] == results[False]
    referrals, history, _ = results[True]
    assert len(referrals) == 30
    assert [(h["history_type"], h["history_change_reason"]) for h in history] == [
        ("+", "Imported")
    ] * 30 + [("~", "Updated by import")] * 24


def _summaries() -> tuple:
    return tuple(
        sorted(model.objects.values_list(*[f.attname for f in model._meta.fields][1:]))
        for model in (ReferralPairMonth, ReferralOpenMonth, ReferralDaysMonth)
    )


# --- queries ----------------------------------------------------------------------------------


def queries_of(actor, data) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        import_rows(actor, data)
    return [query["sql"] for query in captured]


def test_an_import_costs_the_same_queries_for_each_batch(
    monkeypatch, ada, housing, revenues, service
):
    """Two passes; rows read ahead 10 at a time, written 20 at a time: each chunk of rows
    costs one read of the stored referrals a pass, each batch the same statements (COPY:
    the temporary table made if missing, the rows copied into it, the referrals and their
    history written from it, the table emptied; the ORM: referrals, history), whatever
    the number of rows, and the monthly summaries are written once at the end."""
    monkeypatch.setattr(importer, "LOOK_AHEAD_ROWS", 10)
    monkeypatch.setattr(referral_imports, "BATCH_SIZE", 20)
    per_batch = 4 if connection.vendor == "postgresql" else 2
    import_rows(ada, rows(1, prefix="FIRST"))  # ada's roles are read once, then kept
    counts = {}
    for count in (40, 80, 160):
        queries = queries_of(ada, rows(count, prefix=f"N{count}"))
        counts[count] = len(queries)
        summary_writes = [q for q in queries if "INSERT INTO" in q and "month" in q]
        assert len(summary_writes) == 3  # pairs, days, open: once for the file
    # 40 more rows: 4 more chunks read twice, 2 more batches written.
    assert counts[80] - counts[40] == 4 * 2 + 2 * per_batch
    assert counts[160] - counts[80] == 2 * (counts[80] - counts[40])


def test_the_stored_referrals_of_a_chunk_are_read_through_the_reference_index(
    ada, housing, revenues, service
):
    """The look-ahead says "reference not empty" as the unique index does, so PostgreSQL
    uses the index for a list of any length (beyond 100 values it cannot prove the index's
    condition from the list, and read every referral). On PostgreSQL the list is one
    array (``= ANY``), elsewhere an IN list."""
    named = "= ANY(" if connection.vendor == "postgresql" else "IN ("
    queries = queries_of(ada, rows(150))
    reads = [q for q in queries if q.startswith("SELECT") and named in q]
    assert len(reads) == 2  # the one chunk of 150 rows, read in each pass
    assert all("NOT (" in q and "\"reference\" = ''" in q for q in reads)
    if connection.vendor == "postgresql":
        references = {f"CMS-{n:06d}" for n in range(150)}
        sql, params = (
            referral_imports._referrals_named(references)
            .exclude(reference="")
            .order_by()
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        assert "referral_reference_unique" in plan


# --- the summaries across batches -------------------------------------------------------------


def test_summaries_after_an_import_across_batches_equal_a_rebuild(
    monkeypatch, ada, housing, revenues, service
):
    """Batches of 7, counted into the summaries once at the end: changes that move
    referrals to another month, another due date and another channel, and new ones."""
    monkeypatch.setattr(referral_imports, "BATCH_SIZE", 7)
    import_rows(ada, rows(50))
    changed = rows(50, channel="paper")  # every row but each fifth changes channel
    for row in changed[::3]:
        row.update(raised_on="2026-08-30", agreed_days="3")
    changed += rows(20, prefix="NEW")
    summary = import_rows(ada, changed)
    # 40 by channel, and 4 of each fifth row (0, 15, 30, 45) by their dates.
    assert (summary.created, summary.updated, summary.unchanged) == (20, 44, 6)
    assert Referral.objects.filter(period="2026-27-P05").count() == 17
    kept = _summaries()
    rebuild_referral_summaries()
    assert _summaries() == kept
