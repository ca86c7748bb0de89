"""A generation number per period, so cached dashboards of a period are dropped the
moment anything in it changes.

Writers call ``touch_period`` (a reopened return, an SLA result, a referral, a sign-off);
readers put ``period_generation`` into their cache keys. The counters live in Django's
cache (Redis when configured), shared by every web process and worker. Nothing is
deleted: a new generation simply makes older keys unreachable until they expire.
"""

from __future__ import annotations

from django.core.cache import cache

_KEY = "period-generation:{}"


def period_generation(period_key: str) -> int:
    return cache.get_or_set(_KEY.format(period_key), 0, timeout=None)


def touch_period(*period_keys: str) -> None:
    """Mark the periods as changed: their cached dashboards are no longer used."""
    for key in {k for k in period_keys if k}:
        try:
            cache.incr(_KEY.format(key))
        except ValueError:  # no counter yet: nothing cached under it either
            cache.set(_KEY.format(key), 1, timeout=None)


def generations_key(period_keys: list[str]) -> str:
    """One string naming the current generation of every period given (one round trip),
    for a cached figure that spans them, such as a 24-month trend."""
    found = cache.get_many([_KEY.format(k) for k in period_keys])
    return ".".join(str(found.get(_KEY.format(k), 0)) for k in period_keys)
