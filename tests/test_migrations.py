"""The migrations build the schema the models describe.

The test databases are created straight from the models (tests/conftest.py), so this is
where every migration runs: from an empty database to the latest of every app, as a new
deployment's first ``migrate`` does, and the tables it leaves are compared with the test
database's, column by column and constraint by constraint. (``makemigrations --check``
in ``make lint`` says the migrations describe the models; this says that applying them
on this database engine gives the same tables.)
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from tests.scratch_database import ALIAS

# Django's own bookkeeping of applied migrations: only a migrated database has it.
BOOKKEEPING = {"django_migrations"}
# Django's own, not the project's: the auth app's migrations create its many-to-many
# tables with an id of the project's DEFAULT_AUTO_FIELD (bigint on PostgreSQL), its
# models with the app's AutoField (integer). Only the id's width differs, so only the
# width is left out of the comparison, for these three ids alone.
ID_WIDTH_DIFFERS = {"auth_group_permissions", "auth_user_groups", "auth_user_user_permissions"}


def _schema(alias: str) -> dict[str, dict[str, object]]:
    """Every table of the database ``alias``: its columns (name → type, size, precision,
    nullability, default, collation) and its constraints and indexes (each described by
    what it does, not by its name: a name Django made up may differ, as when a table is
    rebuilt, without any difference in what the database enforces)."""
    connection = connections[alias]
    introspection = connection.introspection
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(set(introspection.table_names(cursor)) - BOOKKEEPING):
            columns = {
                column.name: (
                    *(
                        ("an integer",)
                        if table in ID_WIDTH_DIFFERS and column.name == "id"
                        else (column.type_code, column.internal_size)
                    ),
                    column.precision,
                    column.scale,
                    column.null_ok,
                    column.default,
                    getattr(column, "collation", None),
                )
                for column in introspection.get_table_description(cursor, table)
            }
            constraints = sorted(
                repr(sorted((key, _plain(value)) for key, value in constraint.items()))
                for constraint in introspection.get_constraints(cursor, table).values()
            )
            tables[table] = {"columns": columns, "constraints": constraints}
    return tables


def _plain(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


@pytest.mark.slow
def test_every_migration_from_an_empty_database_gives_the_models_tables(migrations_database):
    latest = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()

    migrations_database.migrate(latest)

    migrated, from_models = _schema(ALIAS), _schema("default")
    assert set(migrated) == set(from_models)
    for table in from_models:
        assert migrated[table] == from_models[table], table
