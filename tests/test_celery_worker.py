"""A task run by a real Celery worker process against the real Redis broker."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from departments.tasks import HEARTBEAT_CACHE_KEY, record_worker_heartbeat
from tests.workers import celery_worker

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)"),
]


@pytest.fixture
def worker_queue():
    with celery_worker() as queue:
        yield queue


def test_worker_runs_the_heartbeat_task_through_redis(worker_queue, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    cache.delete(HEARTBEAT_CACHE_KEY)

    result = record_worker_heartbeat.apply_async(queue=worker_queue)
    recorded = result.get(timeout=60)

    assert result.successful()
    assert cache.get(HEARTBEAT_CACHE_KEY) == recorded
