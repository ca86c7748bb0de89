"""Writing a batch of checked referrals at once, each with its history row, as an import
does: what ``raise_referral`` and a change of a referral write one at a time, for
thousands of rows in a handful of statements.

The referrals come checked (``services.check_referral``, the rules of every single
write); this module only writes them. Two ways, with the same rows as the result:

- PostgreSQL: ``COPY`` (psycopg 3's ``cursor.copy()``) of the batch into a temporary
  table, then one statement that writes the referrals from it and their history rows from
  what it wrote (``INSERT … RETURNING`` feeding the history's ``INSERT``): the ids come
  from the table's own default, and the history rows are made by the database from the
  rows as stored, so neither ids nor history rows travel from Python. Changed referrals
  are written the same way, with one ``UPDATE … FROM`` (no CASE per row, as
  ``bulk_update`` builds) whose ``RETURNING`` feeds the history.
- any other database (SQLite, the embedded default): the ORM's bulk inserts, through
  simple-history's ``bulk_create_with_history``, and for changed referrals an
  ``INSERT … ON CONFLICT (id) DO UPDATE`` (every row exists, so each is updated) with
  ``bulk_history_create``, as ``bulk_update_with_history`` writes them.

Either way a history row carries who wrote the referral (``actor``, as ``history_user``)
and why (``Imported``, ``Updated by import``), the history type ``+`` or ``~``, and the
referral's fields as written. Counting the referrals into the monthly summaries
(``summaries.record_referral_changes``) stays with the caller, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.copying import copy_rows
from departments.models import Referral
from departments.referrals.services import CheckedReferral

BATCH_SIZE = 2000  # rows per INSERT on the ORM path (SQLite binds at most 32,766 values)

# A referral's columns in the order rows are written: its id, the checked fields, then
# what the writer adds (who raised it, when it was stored).
COLUMNS = ("id", *CheckedReferral._fields, "raised_by_id", "created_at")
# A history row: the referral's columns as written, then simple-history's own.
HISTORY_COLUMNS = (
    *COLUMNS,
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)
# What a change can write: every column but the id and what is set once, at creation.
CHANGED_COLUMNS = CheckedReferral._fields

HistoricalReferral = Referral.history.model


def write_referrals(
    *,
    created: Sequence[CheckedReferral],
    changed: Sequence[Referral],
    actor,
    created_reason: str,
    changed_reason: str,
    copy: bool | None = None,
) -> None:
    """Store new referrals and changes of stored ones, each with its history row.

    ``created``: checked new referrals, raised by ``actor``. ``changed``: stored
    referrals (with their ids) holding their new fields, each at most once. History rows
    name ``actor`` and the reason given. ``copy``: write with PostgreSQL's COPY (the
    default on PostgreSQL) or through the ORM (the default elsewhere; tests compare the
    two on PostgreSQL). Call it inside the transaction of the import
    (TransactionManagementError otherwise): a database error (another writer took the
    same reference meanwhile) propagates and the transaction undoes the batch.
    """
    if not created and not changed:
        return
    if not connection.in_atomic_block:
        raise TransactionManagementError("Referrals are written in the import's transaction.")
    if copy is None:
        copy = connection.vendor == "postgresql"
    now = timezone.now()  # when stored, and the history rows' date, for the whole batch
    if copy:
        _copy_created(created, actor, created_reason, now)
        _copy_changed(changed, actor, changed_reason, now)
    else:
        _orm_created(created, actor, created_reason)
        _orm_changed(changed, actor, changed_reason)


# --- PostgreSQL: COPY ----------------------------------------------------------------------

# Temporary tables made like the referrals' (no index, no constraint, not logged), dropped
# at the end of the transaction; emptied after each batch.
_NEW_TABLE = "referral_import_new"
_CHANGES_TABLE = "referral_import_changes"


def _copy_created(created: Sequence[CheckedReferral], actor, reason: str, now: datetime) -> None:
    if not created:
        return
    actor_id = actor.pk
    # The temporary table's id holds the row's place in the batch: the stored referrals
    # take their ids from the table's sequence in that order, as the file lists them.
    rows = ((place, *fields, actor_id, now) for place, fields in enumerate(created))
    _copy_then(
        rows,
        _NEW_TABLE,
        # Our own quoted table and column names only; values are bound.
        f"INSERT INTO {{table}} ({_names(COLUMNS[1:])}) "  # noqa: S608
        f"SELECT {_names(COLUMNS[1:])} FROM batch ORDER BY id",
        [now, reason, "+", actor_id],
    )


def _copy_changed(changed: Sequence[Referral], actor, reason: str, now: datetime) -> None:
    if not changed:
        return
    rows = (tuple(getattr(referral, name) for name in COLUMNS) for referral in changed)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = changes.{quote(c)}" for c in CHANGED_COLUMNS)
    _copy_then(
        rows,
        _CHANGES_TABLE,
        f"UPDATE {{table}} SET {assignments} FROM batch AS changes "  # noqa: S608
        "WHERE {table}.id = changes.id",
        [now, reason, "~", actor.pk],
    )


def _copy_then(rows: Iterable[tuple], temporary: str, write: str, history: list) -> None:
    """COPY ``rows`` (in ``COLUMNS``' order) into the ``temporary`` table, then in one
    statement run ``write`` (an INSERT or UPDATE of the referrals' ``{table}`` from the
    rows, named ``batch``) and add a history row for each referral it wrote, as written,
    with ``history``'s date, reason, type and user; the temporary table is emptied."""
    table = connection.ops.quote_name(Referral._meta.db_table)
    history_table = connection.ops.quote_name(HistoricalReferral._meta.db_table)
    write = write.format(table=table)
    # Only our own quoted table and column names are spliced in; values are bound.
    sql = (
        f"WITH batch AS (SELECT * FROM {temporary}), "  # noqa: S608
        f"written AS ({write} RETURNING {table}.*) "
        f"INSERT INTO {history_table} ({_names(HISTORY_COLUMNS)}) "
        f"SELECT {_names(COLUMNS)}, %s, %s, %s, %s FROM written"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temporary} (LIKE {table}) ON COMMIT DROP"
        )
        copy_rows(cursor, Referral, COLUMNS, rows, table=temporary)
        cursor.execute(sql, history)
        # Emptied, not deleted from: deleted rows would stay in the table until the
        # transaction ends, and every later batch would read past them.
        cursor.execute(f"TRUNCATE {temporary}")


def _names(columns: Sequence[str]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(column) for column in columns)


# --- any database: the ORM -----------------------------------------------------------------


def _orm_created(created: Sequence[CheckedReferral], actor, reason: str) -> None:
    if not created:
        return
    referrals = [Referral(**fields._asdict(), raised_by=actor) for fields in created]
    bulk_create_with_history(
        referrals,
        Referral,
        batch_size=BATCH_SIZE,
        default_user=actor,
        default_change_reason=reason,
    )


def _orm_changed(changed: Sequence[Referral], actor, reason: str) -> None:
    if not changed:
        return
    stored_at = [referral.created_at for referral in changed]
    # Not bulk_update: its CASE of one WHEN per row and field costs about a millisecond a
    # row to build. Every row exists, so each one conflicts on its id and is updated.
    Referral.objects.bulk_create(
        changed,
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=list(CHANGED_COLUMNS),
    )
    # An insert stamps "created at" on the objects (the rows keep theirs); the history
    # rows are made from the objects.
    for referral, created_at in zip(changed, stored_at, strict=True):
        referral.created_at = created_at
    Referral.history.bulk_history_create(
        changed,
        batch_size=BATCH_SIZE,
        update=True,
        default_user=actor,
        default_change_reason=reason,
    )
