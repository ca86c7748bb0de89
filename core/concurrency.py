"""Optimistic concurrency: a save based on an older version is refused, never merged."""

from __future__ import annotations


class StaleWrite(Exception):
    """Someone saved the record after the version this change was based on.

    Subclasses say what changed; the API answers 409 with ``current_version`` and
    ``changes`` (a list of plain dicts).
    """

    current_version: int = 0

    def change_list(self) -> list[dict]:
        return []
