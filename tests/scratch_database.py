"""A second, empty database beside the test database, for tests of data migrations.

A migration test used to roll the test database back to the migration before the one it
tests and then forward to the end again: about 25 seconds each, because every step of
the way back (and forward) renders the project's model states again. Here the test
migrates a database of its own forward only, from nothing to the migration it needs, and
the test database is never touched: its schema stays whole for the tests after. A data
migration's test starts the database at the migration before its own in one go
(``start_at``) and applies its own for real (``migrate``); tests/test_migrations.py
applies every migration from nothing.

Every query of the test (historical models, the migration's own code, the live models
read afterwards) goes to that database through a router, as ``migrate --database``
would send them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import StateApps
from django.db.utils import load_backend
from django.test.utils import override_settings

ALIAS = "migrations"


class _Everything:
    """Sends every read and write to the scratch database."""

    def db_for_read(self, model, **hints):
        return ALIAS

    def db_for_write(self, model, **hints):
        return ALIAS


class ScratchDatabase:
    """The scratch database's migrations, applied forward as a deployment would."""

    def migrate(self, targets: list[tuple[str, str]]) -> StateApps:
        """Applies the migrations up to ``targets`` (app label, migration name) and
        returns the historical models as they stand there."""
        # A new executor each time: it reads which migrations are applied when made.
        executor = MigrationExecutor(connections[ALIAS])
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def start_at(self, targets: list[tuple[str, str]]) -> StateApps:
        """Creates, in the empty scratch database, the tables of the historical models as
        they stand at ``targets`` (app label, migration name) in one go, records those
        migrations and all before them as applied, and returns the historical models.

        For a data migration's test, which stores rows as they were before its migration
        and then applies that migration with ``migrate``: running the forty migrations
        before it one by one costs about ten seconds, most of it rendering the model
        states again at each step. The tables are those the migrations themselves would
        leave (no migration changes the database outside its models: no RunSQL), and
        tests/test_migrations.py runs every migration for real. Raises ``AssertionError``
        if the scratch database already holds a table.
        """
        connection = connections[ALIAS]
        assert not connection.introspection.table_names(), "start_at needs an empty database"
        loader = MigrationLoader(connection)
        state = loader.project_state(targets)
        with connection.schema_editor() as editor:
            for model in state.apps.get_models():
                if model._meta.managed and not model._meta.proxy:
                    editor.create_model(model)
        recorder = MigrationRecorder(connection)
        for app_label, name in {
            node for target in targets for node in loader.graph.forwards_plan(target)
        }:
            recorder.record_applied(app_label, name)
        return state.apps


@contextmanager
def scratch_database(folder: Path) -> Iterator[ScratchDatabase]:
    """An empty database of the test database's engine, with every query routed to it
    while the block runs.

    On SQLite the database is a file in ``folder``; on PostgreSQL a database named after
    the test database's, created here and dropped (forcibly) when the block ends.
    """
    settings = {**connection.settings_dict, "TEST": {}}
    if connection.vendor == "sqlite":
        settings["NAME"] = str(folder / "migrations.sqlite3")
    else:
        settings["NAME"] = f"{connection.settings_dict['NAME']}_{ALIAS}"
        _on_server(f"DROP DATABASE IF EXISTS {_quoted(settings['NAME'])} WITH (FORCE)")
        _on_server(f"CREATE DATABASE {_quoted(settings['NAME'])}")
    settings = connections.configure_settings({"default": {**settings}, ALIAS: settings})[ALIAS]
    # Made here rather than declared in the settings: Django's test case then lets the
    # test use it (as a connection made while testing), and never touches it.
    connections[ALIAS] = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, ALIAS)
    try:
        with override_settings(DATABASE_ROUTERS=[_Everything()]):
            yield ScratchDatabase()
    finally:
        connections[ALIAS].close()
        del connections[ALIAS]
        if connection.vendor != "sqlite":
            _on_server(f"DROP DATABASE IF EXISTS {_quoted(settings['NAME'])} WITH (FORCE)")


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _on_server(sql: str) -> None:
    # A connection of its own to the server's maintenance database, outside the test's
    # transaction (CREATE DATABASE may not run inside one), as Django's test set-up does.
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql)
