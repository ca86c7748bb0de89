"""Writing the demo council's rows in bulk: PostgreSQL's COPY, the ORM elsewhere.

The rows are what the generators yield, unchanged; only how they reach the database
differs. On PostgreSQL (the large council: a million referrals, 93,000 returns) rows are
sent with binary COPY (psycopg 3's ``cursor.copy()``), a few microseconds a row where
``bulk_create`` spends most of a hundred preparing each value, and a table seeded from
empty gets its secondary indexes and foreign keys once its rows are in
(``indexes_and_foreign_keys_after``) instead of keeping them up to date row by row.
Elsewhere (SQLite, the embedded default) rows given as tuples (the referrals) go in with
the driver's ``executemany``, and instances through ``bulk_create`` and simple-history's
``bulk_create_with_history``. A test seeds the demo council
both ways on PostgreSQL and compares every row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.copying import copy_rows, insert_rows, next_ids

# simple-history's own columns of a history row, after the tracked fields.
_HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user_id")


def copies() -> bool:
    """Whether rows are written with COPY (PostgreSQL) rather than through the ORM."""
    return connection.vendor == "postgresql"


def write_instances(model: type[Model], objs: Sequence[Model], *, history: bool) -> None:
    """Store unsaved instances, each with a history row when ``history``, as
    ``bulk_create_with_history`` does: ids in the order given (set on the instances),
    ``auto_now`` and ``auto_now_add`` fields stamped now, history rows of type "+" with
    no user and no reason, dated now. Call it in a transaction."""
    if not objs:
        return
    if not copies():
        if history:
            bulk_create_with_history(objs, model, batch_size=len(objs))
        else:
            model.objects.bulk_create(objs, batch_size=len(objs))
        return
    now = timezone.now()
    fields = model._meta.concrete_fields
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False)} | {
        f.attname for f in fields if getattr(f, "auto_now_add", False)
    }
    for obj, pk in zip(objs, next_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for name in stamped:
            setattr(obj, name, now)
    columns = [f.attname for f in fields]
    rows = [tuple(getattr(obj, name) for name in columns) for obj in objs]
    with connection.cursor() as cursor:
        copy_rows(cursor, model, columns, rows)
        if history:
            history_model = model.history.model
            tracked = [f.attname for f in history_model.tracked_fields]
            if tracked != columns:
                raise ValueError(f"{model.__name__}'s history does not track every column")
            extra = (now, None, "+", None)
            copy_rows(
                cursor, history_model, [*columns, *_HISTORY_COLUMNS], (r + extra for r in rows)
            )


def write_rows(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Store rows given as tuples of ``columns``' values (ids left to the table, no
    history) and return how many. They stream, never held all at once: with COPY, or
    elsewhere with multi-row INSERTs a batch at a time (``core.copying.insert_rows``)."""
    with connection.cursor() as cursor:
        if copies():
            return copy_rows(cursor, model, columns, rows)
        return insert_rows(cursor, model, columns, rows)


@contextlib.contextmanager
def indexes_and_foreign_keys_after(*models: type[Model]) -> Iterator[None]:
    """On PostgreSQL, for tables with no rows yet: drop their secondary indexes and
    foreign keys, and add them again, exactly as they were, when the block ends.

    Building an index over a million rows once is several times faster than updating it a
    million times, and adding a foreign key checks every row in one join, where a key kept
    while rows arrive checks each row on its own (three checks a referral, deferred to the
    commit). The primary key and unique constraints stay, as do check constraints: every
    row is checked against them as it arrives. The tables are then analysed. Inside the
    seeding's transaction, so a failure leaves the tables as they were; elsewhere, or for
    a table with rows already, it does nothing.
    """
    if not copies():
        yield
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        empty = []
        for model in models:
            table = quote(model._meta.db_table)
            cursor.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")  # noqa: S608
            if cursor.fetchone()[0]:
                empty.append(model._meta.db_table)
        cursor.execute(_SECONDARY, [empty, empty])
        dropped = cursor.fetchall()
        # Keys' checks deferred to the commit (rows this transaction wrote before, as when
        # a test seeds) forbid changing the tables they involve: run them now.
        connection.check_constraints()
        for kind, table, name, _ in dropped:
            if kind == "index":
                cursor.execute(f"DROP INDEX {name}")
            else:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    connection.check_constraints()
    with connection.cursor() as cursor:
        # The indexes' sorts in memory rather than on disk, for this transaction only.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for kind, table, name, definition in dropped:
            if kind == "index":
                cursor.execute(definition)
            else:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        # Statistics for the planner, as after any bulk load: without them a million
        # referrals look like none, and a department's list is read by the wrong index
        # until autovacuum (off on some servers) gets round to it.
        for table in empty:
            cursor.execute(f"ANALYZE {quote(table)}")


def statistics_for_the_planner() -> None:
    """PostgreSQL: ANALYZE every table, as after any bulk load (about a second for the
    large council). ``indexes_and_foreign_keys_after`` analyzes the tables it loads; the
    read models built from them (the indicator ratings, the referral summaries) and the
    smaller tables are only analyzed by autovacuum, which is off on some servers (this
    project's machines among them) and otherwise gets round to it minutes later. Until
    then the planner guesses: the statutory indicators' ratings were read by scanning all
    98,810 rows rather than through their index. Elsewhere nothing to do."""
    if copies():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# (kind, table, name, definition) of the indexes that back no constraint, then the foreign
# keys, of the tables named; names and tables quoted where they need it.
_SECONDARY = """
    SELECT 'index', i.indrelid::regclass::text, i.indexrelid::regclass::text,
           pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[])
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    UNION ALL
    SELECT 'key', c.conrelid::regclass::text, quote_ident(c.conname),
           pg_get_constraintdef(c.oid)
    FROM pg_constraint c
    WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f'
    ORDER BY 1, 2, 3
"""
