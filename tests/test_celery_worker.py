"""A task run by a real Celery worker process against the real Redis broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from departments.tasks import HEARTBEAT_CACHE_KEY, record_worker_heartbeat

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)"),
]


@pytest.fixture
def worker_queue():
    """Start a worker on a queue of its own, so no other worker takes the test's task."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_worker_runs_the_heartbeat_task_through_redis(worker_queue, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    cache.delete(HEARTBEAT_CACHE_KEY)

    result = record_worker_heartbeat.apply_async(queue=worker_queue)
    recorded = result.get(timeout=60)

    assert result.successful()
    assert cache.get(HEARTBEAT_CACHE_KEY) == recorded
