"""Progress of long work (an import), kept in the cache where a status page polls it."""

from __future__ import annotations

from django.core.cache import cache

from core.importer import (
    ProgressCallback,
)

PROGRESS_TIMEOUT_SECONDS = 24 * 60 * 60


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def cache_progress(job_id: int) -> ProgressCallback:
    """A progress callback that writes to the cache, where the status page reads it.

    Why the cache and not the ImportJob row: the import runs in one transaction, so a
    row update made inside it stays invisible to the status page until the end (and is
    undone on rejection). Writing through a second database connection would work on
    PostgreSQL but block on SQLite, whose single writer is the import itself. The cache
    (Redis in production, shared by web and worker) sits outside the transaction.
    """

    def record(processed: int, total: int | None, stage: str | None = None) -> None:
        state = {"processed": processed, "total": total}
        if stage is not None:  # a two-pass import: "checking", then "writing"
            state["stage"] = stage
        cache.set(progress_key(job_id), state, timeout=PROGRESS_TIMEOUT_SECONDS)

    return record


def read_progress(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


def forget_progress(job_id: int) -> None:
    cache.delete(progress_key(job_id))
