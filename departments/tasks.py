"""Celery tasks of the departments app. Tasks are thin: load, call, record."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "worker-heartbeat"


@shared_task
def record_worker_heartbeat() -> str:
    """Record that a worker ran a task now; /healthz reports the last time it did.

    Celery beat schedules it every minute, so a stale heartbeat means no worker (or no
    beat) is running.
    """
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=60 * 60 * 24)
    return now
