"""Demanding that one named database constraint, and no other, refuses a row."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction


def unique_columns_message(name: str) -> str | None:
    """SQLite's message for the unique constraint ``name``, or None if no model has one.

    SQLite does not name a violated unique index, only its columns, in the index's order:
    ``UNIQUE constraint failed: departments_department.council_id, departments_department.code``.
    """
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name and isinstance(constraint, models.UniqueConstraint):
                table = model._meta.db_table
                columns = [model._meta.get_field(field).column for field in constraint.fields]
                return "UNIQUE constraint failed: " + ", ".join(
                    f"{table}.{column}" for column in columns
                )
    return None


def refused(create: Callable[[], object], *constraints: str) -> None:
    """Run ``create`` in a savepoint and demand that one of ``constraints`` refuses it.

    PostgreSQL names the constraint, and SQLite a CHECK constraint; for a unique
    constraint SQLite names only the columns, so those must be exactly the constraint's
    own: a row refused by another unique constraint fails the test.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    message = str(caught.value)
    if any(name in message for name in constraints):
        return
    columns = {unique_columns_message(name) for name in constraints} - {None}
    assert message in columns, (
        f"refused by something other than {', '.join(constraints)}: {message}"
    )
