"""Rows built once and read by several tests: the demo council takes seconds to seed.

A module-scoped fixture opens a transaction with ``shared_rows``, writes its rows and
yields. Each test that asks for the fixture runs inside it in pytest-django's own
savepoint (the ``db`` fixture nests one), so whatever a test writes is rolled back after
it and the next test sees the shared rows exactly as built. The outer transaction is
rolled back when the module's tests are done, so no other module sees them.

A test in the same module that does not ask for the fixture would still see the rows
while they are open; ``tests/conftest.py`` fails such a test rather than let it pass on
rows it did not expect.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction

# Names of the shared-row fixtures open now (one module's, or a few nested).
OPEN: list[str] = []


@contextlib.contextmanager
def shared_rows(django_db_blocker, name: str) -> Iterator[None]:
    """Hold a transaction open for the fixture ``name``; rolled back when it ends.

    Database access is allowed only while entering and leaving, and by the caller for
    writing the rows; between tests the database stays blocked as pytest-django wants.
    """
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
    OPEN.append(name)
    try:
        yield
    finally:
        OPEN.remove(name)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
