"""Concurrency: a save based on an older version is refused, never merged; two requests
racing to create the same record end with one winner and a conflict for the other."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


class StaleWrite(Exception):
    """Someone saved the record after the version this change was based on.

    Subclasses say what changed; the API answers 409 with ``current_version`` and
    ``changes`` (a list of plain dicts).
    """

    current_version: int = 0

    def change_list(self) -> list[dict]:
        return []


class Conflict(ValidationError):
    """The request no longer fits the record's state because someone else changed it
    first (a period already signed off, or no longer signed off). A ValidationError, so
    a page shows it on its field like any refusal; the API answers 409 instead of 400."""


def insert_first(
    instance: M,
    *,
    winner: Callable[[], M | None],
    conflict: Callable[[M], Exception],
) -> M:
    """Insert ``instance``, a new row under a unique key that a concurrent request may
    be creating at the same moment.

    The insert runs in a savepoint, so losing the race leaves the caller's transaction
    usable. When the insert breaks a constraint and ``winner()`` (a fresh read of the
    unique key) now finds the row that the other request committed, the loser raises
    ``conflict(that row)``: the same answer it would have had a moment later. Any other
    IntegrityError (no row under the key) is raised as it is, for it is a bug.

    On PostgreSQL the losing insert waits for the winner's transaction and fails only
    once it has committed, so the read that follows (a new snapshot under READ
    COMMITTED) sees the winner.
    """
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError:
        existing = winner()
        if existing is None:
            raise
        raise conflict(existing) from None
    return instance
