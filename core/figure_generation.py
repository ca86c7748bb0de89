"""One generation token for every cached figure of the council (issue 15, point 4).

Every cached figure's key carries the token (``reporting/figures/cache.py`` builds the keys), so
a new token makes every figure cached before it unreachable at once: nothing is deleted,
old entries simply expire. Writes that change a figure's inputs call ``figures_changed``;
most do so without knowing it, through the receivers ``reporting`` connects to every
input model, and the few that write in bulk (importers, the demo seeding) call it
themselves.

The token lives in Django's cache (Redis when configured), shared by every web process
and worker. It is a random string, not a counter: a counter that Redis evicts, or that a
restart loses, starts again from 0 and would bring figures cached under its earlier
values back to life; a random token is never reused. For the same reason two writers
changing it at the same moment cannot undo each other: whichever value wins is new.
"""

from __future__ import annotations

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

_KEY = "figures-generation"


def figures_generation() -> str:
    """The current token (a 32-character hex string); a new one if none is stored."""
    token = cache.get(_KEY)
    if token is None:
        fresh = uuid4().hex
        # ``add`` stores only if no other process stored one first; then theirs is it.
        token = fresh if cache.add(_KEY, fresh, timeout=None) else cache.get(_KEY, fresh)
    return token


def _new_generation() -> None:
    cache.set(_KEY, uuid4().hex, timeout=None)


def figures_changed() -> None:
    """Make every figure cached so far unreachable: now, and again once the writing
    transaction commits.

    The second change is what makes the cache never stale. A reader in another process
    reads the token, then computes from the database; while the writer's transaction is
    open, that reader sees the rows as they were before it. Changed only at once, the token
    would be new before the commit, and that reader would store the old figures under the
    new token for every later reader. Changed again after the commit, it leaves such
    figures under a token nobody asks for; a reader that reads the token after the commit
    also reads the committed rows. The change at once serves reads inside the writer's
    own transaction (and tests, which run in one that never commits). Outside a
    transaction ``on_commit`` runs at once: two changes, which costs nothing.
    """
    _new_generation()
    transaction.on_commit(_new_generation)
