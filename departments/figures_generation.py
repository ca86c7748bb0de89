"""One generation for every cached figure of the council (issue 15, point 4; issue 22).

Every cached figure's key carries the generation (``reporting/figures/cache.py`` builds the
keys), so a new generation makes every figure cached before it unreachable at once:
nothing is deleted, old entries simply expire. Writes that change a figure's inputs call
``figures_changed``; most do so without knowing it, through the receivers ``reporting``
connects to every input model, and the few that write in bulk (importers, the demo
seeding) call it themselves.

The generation has two halves, both random tokens, never counters: a counter that Redis
evicts, a restart loses or a backup restores starts again from an earlier value and
would bring figures cached under it back to life, while a random token is never reused
(and two writers changing it at the same moment cannot undo each other: whichever value
wins is new).

- The cache's token (Redis, shared by every web process and worker) changes at once and
  again once the writing transaction commits, as it always did (see ``figures_changed``).
- The database's token (``FiguresGeneration``, one row) changes once the writing
  transaction commits. Why the database too (issue 22): the cache fails open, so a write
  made while Redis is away succeeds but cannot change the cache's token; when Redis comes
  back with its data (it persists now, for the task queue) the figures cached before that
  write would be served again, stale, until the next write. The database's token is
  changed by the same committed work, so no figure cached before a committed write is
  reachable after it, whether or not Redis was there. It is changed only after the
  commit, in a statement of its own, because changing one shared row inside every
  writing transaction would hold its lock until that transaction ends: every write of
  the council would wait on every other, and two that lock rows in different orders
  would deadlock. The price is one indexed read of one row per cached figure read, and
  one short write after each commit.

A write that could reach neither (the database away right after its own commit, and Redis
away too) is logged as an error: its figures may be stale until the next write or the
end of the day (the key holds today's date).
"""

from __future__ import annotations

import logging
from uuid import uuid4

from django.core.cache import cache
from django.db import DatabaseError, transaction

from departments.models import FiguresGeneration

logger = logging.getLogger(__name__)

_CACHE_KEY = "figures-generation"
_ROW = 1


def figures_generation() -> str:
    """The current generation: the database's token and the cache's, joined by "-" (65
    characters). A cache that cannot be reached gives a token of its own each time, so
    nothing is found under it (a miss), and nothing can be stored there anyway."""
    stored = FiguresGeneration.objects.filter(pk=_ROW).values_list("token", flat=True).first()
    return f"{stored or 'none'}-{_cached_token()}"


def _cached_token() -> str:
    token = cache.get(_CACHE_KEY)
    if token is None:
        fresh = uuid4().hex
        # ``add`` stores only if no other process stored one first; then theirs is it.
        token = (
            fresh if cache.add(_CACHE_KEY, fresh, timeout=None) else cache.get(_CACHE_KEY, fresh)
        )
    return token


def _new_cached_token() -> None:
    cache.set(_CACHE_KEY, uuid4().hex, timeout=None)  # a no-op, logged, when Redis is away


def _new_tokens_after_commit() -> None:
    _new_cached_token()
    token = uuid4().hex
    try:
        if not FiguresGeneration.objects.filter(pk=_ROW).update(token=token):
            # No row yet (a new database, or one a test emptied): the first change makes it.
            FiguresGeneration.objects.get_or_create(pk=_ROW, defaults={"token": token})
    except DatabaseError as error:
        # Also met once on a new database: a data migration that writes figures runs
        # before the migration that makes this table.
        logger.warning(
            "The figures generation could not be changed in the database after a write "
            "(%s: %s); if the cache missed it too, cached figures may be stale until the "
            "next write",
            type(error).__name__,
            str(error)[:200],
        )


def figures_changed() -> None:
    """Make every figure cached so far unreachable: now (the cache's token), and again
    once the writing transaction commits (both tokens).

    The change after the commit is what makes the cache never stale. A reader in another
    process reads the generation, then computes from the database; while the writer's
    transaction is open, that reader sees the rows as they were before it. Changed only at
    once, the generation would be new before the commit, and that reader would store the
    old figures under the new generation for every later reader. Changed again after the
    commit, it leaves such figures under a generation nobody asks for; a reader that reads
    the generation after the commit also reads the committed rows. The change at once
    serves reads inside the writer's own transaction (and tests, which run in one that
    never commits). Outside a transaction ``on_commit`` runs at once.

    Each change registers its own callback, as before: a transaction that saves many rows
    one by one (a sign-off locking a month's returns) then writes the one row as many
    times after its commit, each a short statement; the writes in bulk (imports, the
    referrals' summaries) call this once.
    """
    _new_cached_token()
    transaction.on_commit(_new_tokens_after_commit)
