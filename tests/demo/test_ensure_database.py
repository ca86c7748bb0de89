"""``manage.py ensure_database`` (run by ``make bench`` and ``make loadtest``) creates the
database DATABASE_URL names on a fresh machine, and leaves an existing one alone."""

from __future__ import annotations

import uuid
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="it creates PostgreSQL databases only"
    ),
]


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def test_a_missing_database_is_created_and_an_existing_one_kept(monkeypatch):
    name = f"h_ensure_{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(connection.settings_dict, "NAME", name)
    said = StringIO()
    try:
        call_command("ensure_database", stdout=said)
        call_command("ensure_database", stdout=said)
        monkeypatch.undo()
        created = _exists(name)
    finally:
        monkeypatch.undo()
        params = connection.get_connection_params() | {"dbname": "postgres", "autocommit": True}
        params.pop("cursor_factory", None)
        with psycopg.connect(**params) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    assert created
    assert said.getvalue().splitlines() == [
        f"Created the database {name}.",
        f"The database {name} is there.",
    ]
