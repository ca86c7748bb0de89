"""Rows written in bulk: PostgreSQL's COPY, and one multi-row INSERT for other databases.

Used by the referrals import and the demo seeding. Domain-free: it is given a model (for
its table and its columns' types) and rows of plain Python values, and knows nothing of
what they mean. ``copy_rows`` is PostgreSQL's (psycopg 3's ``cursor.copy()``);
``insert_rows`` works on any database and is what SQLite, the embedded default, uses.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def copy_rows(
    cursor,
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    table: str | None = None,
) -> int:
    """COPY ``rows`` (tuples of Python values in ``columns``' order, column names as
    ``attname``) into ``model``'s table, or into ``table`` (a temporary table made like
    it), in binary: psycopg writes each value as its column's type, in C, a third of the
    time the text format takes. Returns how many rows were written.

    Logged as a query when queries are logged (tests count them), as ``execute`` is.
    """
    quote = connection.ops.quote_name
    fields = {field.attname: field for field in model._meta.concrete_fields}
    # "varchar(80)" and "numeric(20, 6)" are a varchar and a numeric to psycopg.
    types = [fields[name].db_type(connection).split("(")[0] for name in columns]
    target = quote(table or model._meta.db_table)
    sql = f"COPY {target} ({', '.join(quote(c) for c in columns)}) FROM STDIN (FORMAT BINARY)"
    log = getattr(cursor, "debug_sql", None) if connection.queries_logged else None
    written = 0
    with (
        connection.wrap_database_errors,
        log(sql) if log else contextlib.nullcontext(),
        cursor.cursor.copy(sql) as copy,
    ):
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def insert_rows(cursor, model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT ``rows`` (tuples of Python values in ``columns``' order, column names as
    ``attname``) into ``model``'s table with the driver's ``executemany``, and return how
    many rows were written.

    Each value is prepared for the database as the ORM prepares it (``get_db_prep_save``:
    aware datetimes, decimals, JSON) but only for the columns whose type needs it: building
    a model instance and compiling ``bulk_create``'s SQL cost several times the insert
    itself. As with COPY, no field default is applied: ``columns`` must name every column
    that has no default in the database. Rows are sent in batches of ``_INSERT_BATCH``.
    """
    quote = connection.ops.quote_name
    fields = {field.attname: field for field in model._meta.concrete_fields}
    prepare = [_preparer(fields[name]) for name in columns]
    placeholders = ", ".join(["%s"] * len(columns))
    # Names from the model's own metadata, quoted; the values are all parameters.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(fields[c].column) for c in columns)}) VALUES ({placeholders})"
    )
    written = 0
    batch: list[tuple] = []
    for row in rows:
        batch.append(tuple(p(v) if p else v for p, v in zip(prepare, row, strict=True)))
        if len(batch) == _INSERT_BATCH:
            cursor.executemany(sql, batch)
            written, batch = written + len(batch), []
    if batch:
        cursor.executemany(sql, batch)
    return written + len(batch)


_INSERT_BATCH = 5000
# Column types whose Python values the drivers take as they are: no preparing needed.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _preparer(field):
    """The function preparing ``field``'s values for the database, or None where the driver
    takes them as they are."""
    if field.get_internal_type() in _PLAIN:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def next_ids(model: type[Model], count: int) -> list[int]:
    """``count`` ids, in order, from the sequence the table's own default draws on: COPY
    returns no ids, and rows written after (history rows) must name them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def analyze(*models: type[Model]) -> None:
    """Statistics for the planner on ``models``' tables after rows were written in bulk
    (PostgreSQL's ANALYZE; SQLite's planner reads none until ANALYZE, which it does not
    need at these sizes, so nothing there). Without them a table just filled looks empty
    to PostgreSQL until autovacuum, off on some servers, gets round to it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
