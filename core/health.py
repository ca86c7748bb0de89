"""The state of the services the product depends on, for /healthz.

Each says whether it answers, never where it is: /healthz is public, so no host name,
port or driver message (which names both) leaves the server; the log has the detail.
"""

from __future__ import annotations

import logging
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

# The cache key under which a Celery worker records its last heartbeat
# (departments.tasks.record_worker_heartbeat); /healthz reads it.
HEARTBEAT_CACHE_KEY = "worker-heartbeat"
_PROBE_KEY = "healthz-probe"


def database_state() -> dict:
    """{"ok": True, "vendor": ...}, or "ok": False with "detail": "unreachable"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down"; the log says which
        logger.warning("/healthz: the database does not answer", exc_info=True)
        return {"ok": False, "vendor": connection.vendor, "detail": "unreachable"}
    return {"ok": True, "vendor": connection.vendor}


def cache_state() -> dict:
    """Whether the cache keeps what it is given: a value written and read back. The cache
    fails open (a miss, a write ignored), so only a round trip tells it is away."""
    probe = uuid4().hex
    cache.set(_PROBE_KEY, probe, timeout=30)
    if cache.get(_PROBE_KEY) != probe:
        return {"ok": False, "detail": "unreachable: figures are computed afresh, not cached"}
    return {"ok": True}


def broker_state() -> dict:
    """The Celery broker: Redis when configured, else tasks run eagerly in process."""
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "eager", "detail": "no broker: tasks run in process"}
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except Exception:  # noqa: BLE001 - any failure means "down"; the log says which
        logger.warning("/healthz: the broker does not answer", exc_info=True)
        return {
            "ok": False,
            "mode": "redis",
            "detail": "unreachable: work requested now waits and is sent when it is back",
        }
    return {"ok": True, "mode": "redis", "last_worker_heartbeat": cache.get(HEARTBEAT_CACHE_KEY)}
