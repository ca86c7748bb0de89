"""PostgreSQL's COPY for rows written in bulk: the referrals import and the demo seeding.

Domain-free: it is given a model (for its table and its columns' types) and rows of plain
Python values, and knows nothing of what they mean. PostgreSQL only (psycopg 3's
``cursor.copy()``); callers keep the ORM's path for SQLite.
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


def next_ids(model: type[Model], count: int) -> list[int]:
    """``count`` ids, in order, from the sequence the table's own default draws on: COPY
    returns no ids, and rows written after (history rows) must name them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())
