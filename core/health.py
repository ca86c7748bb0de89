"""The state of the services the product depends on, for /healthz."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection

# The cache key under which a Celery worker records its last heartbeat
# (departments.tasks.record_worker_heartbeat); /healthz reads it.
HEARTBEAT_CACHE_KEY = "worker-heartbeat"


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down", and we say which
        return {"ok": False, "vendor": connection.vendor, "error": str(error)[:200]}
    return {"ok": True, "vendor": connection.vendor}


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
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "mode": "redis", "error": str(error)[:200]}
    try:
        heartbeat = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache is the same Redis; the ping above decides
        heartbeat = None
    return {"ok": True, "mode": "redis", "last_worker_heartbeat": heartbeat}
