"""The demo council for tests that read it: seeded once per test run, then copied back.

Seeding the demo council (``demo.generator.seed_council``) takes about ten seconds: 21,000
referrals and 36 months of early warnings. Many tests only read it, so the first test of a
run to ask for a council (a seed number on a day) seeds it for real and this module keeps
a copy of every table's rows; a later test that asks for the same council, in this process
or in another pytest-xdist worker of the same run, gets the rows written back in about a
second, exactly as the seeding left them. The tests of the generator itself
(reproducibility, the command) still seed from scratch.

The copy is of whole tables (reference rows such as content types included), so it is
taken and written back only over a database holding no council: call ``demo_council``
before creating anything else.
"""

from __future__ import annotations

import copy
import fcntl
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction

from demo.generator import SeedReport, seed_council
from demo.scale import DEMO, Scale
from departments.figures_generation import figures_changed
from departments.models import Council

# Django's own bookkeeping: the same in every test database, and never seeded.
KEPT_TABLES = {"django_migrations"}


@dataclass(frozen=True)
class _Snapshot:
    report: SeedReport
    tables: dict[str, object]  # table name → its rows, in the backend's own copy format


_SNAPSHOTS: dict[tuple[str, int, date], _Snapshot] = {}
# Where the pytest-xdist workers of one run share their copies (set by tests/conftest.py
# to a folder of the run's own temporary directory); None in a single process.
SHARED_FOLDER: Path | None = None


def demo_council(*, seed: int = 2025, today: date, scale: Scale = DEMO) -> SeedReport:
    """The demo council of ``seed`` as seeded on ``today``: seeded for real the first time
    this run asks for it, written back from the copy after that.

    Returns the ``SeedReport`` of the real seeding. Raises ``AssertionError`` if a council
    or a user already exists: the copy would overwrite them (and a first seeding would
    keep them in the copy every later test gets).
    """
    assert not (Council.objects.exists() or get_user_model().objects.exists()), (
        "demo_council() must run before any council or user exists"
    )
    key = (scale.name, seed, today)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        with _shared_copy(key) as path:
            if path is not None and path.exists():
                snapshot = pickle.loads(path.read_bytes())
            else:
                report = seed_council(scale=scale, seed=seed, today=today)
                snapshot = _Snapshot(report=report, tables=_read_tables())
                if path is not None:  # whole or not at all, should this worker stop
                    part = path.with_suffix(".part")
                    part.write_bytes(pickle.dumps(snapshot))
                    part.replace(path)
                _SNAPSHOTS[key] = snapshot
                return copy.deepcopy(report)
        _SNAPSHOTS[key] = snapshot
    _write_tables(snapshot.tables)
    # As seed_council does after its raw inserts: no cached figure may outlive the rows.
    figures_changed()
    return copy.deepcopy(snapshot.report)


@contextmanager
def _shared_copy(key: tuple[str, int, date]) -> Iterator[Path | None]:
    """The file of this run's copy of ``key``, held under a lock: the worker that comes
    first seeds and writes it while the others wait, then they read it."""
    folder = SHARED_FOLDER
    if folder is None:
        yield None
        return
    folder.mkdir(exist_ok=True)
    name = "-".join(str(part) for part in key)
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder / f"{name}.pickle"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _table_names() -> list[str]:
    return sorted(set(connection.introspection.table_names()) - KEPT_TABLES)


def _read_tables() -> dict[str, object]:
    tables = {}
    with connection.cursor() as cursor:
        for table in _table_names():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                buffer = io.BytesIO()
                with cursor.cursor.copy(f"COPY {quoted} TO STDOUT (FORMAT BINARY)") as out:
                    for block in out:
                        buffer.write(block)
                tables[table] = buffer.getvalue()
            else:
                cursor.execute(f"SELECT * FROM {quoted}")
                columns = [column[0] for column in cursor.description]
                tables[table] = (columns, cursor.fetchall())
    return tables


def _write_tables(tables: dict[str, object]) -> None:
    # One transaction, so the foreign keys (deferred on both backends) are checked once
    # every table is whole again; inside a test's own transaction it is a savepoint.
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for table, rows in tables.items():
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quoted} FROM STDIN (FORMAT BINARY)") as into:
                    into.write(rows)
            else:
                columns, values = rows
                if values:
                    names = ", ".join(connection.ops.quote_name(c) for c in columns)
                    marks = ", ".join("%s" for _ in columns)
                    cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", values)
        # Rows came back with their own ids: the next id each table hands out must follow.
        models = apps.get_models(include_auto_created=True)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    # Content types may have come back with other ids than the ones cached in memory.
    ContentType.objects.clear_cache()
