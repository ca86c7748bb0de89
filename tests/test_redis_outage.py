"""A real Redis stopped and started again under the app (issue 22, item 2).

The test starts a Redis of its own (``tests.workers.spare_redis``, no persistence), points
the cache and the Celery broker at it, then kills it. While it is away, the API (whose
throttles read the cache), the pages that save and the import's status pages answer as
usual, and an import asked for is kept, waiting for the worker. Started again without
its data, as a Redis without persistence restarts, the sweeper sends the waiting import
to it, and the figures cached before a write made while it was away are not served.
"""

from datetime import timedelta

import kombu.pools
import pytest
import redis
import time_machine
from celery import current_app
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from config.settings import redis_cache
from departments import periods
from departments.figures_generation import figures_generation
from departments.imports import services as imports
from departments.models import ImportJob, ImportStatus, KpiReturn
from reporting.figures.cache import cached_figures
from tests.factories import IndicatorFactory
from tests.workers import REDIS_SERVER, spare_redis

pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="needs redis-server installed (CI has it)"
)


@pytest.fixture
def redis_under_the_app(settings, media_in_tmp):
    """A spare Redis that the cache and Celery's broker use for this test."""
    with spare_redis() as server:
        settings.REDIS_URL = server.url
        settings.CACHES = {"default": redis_cache(server.url)}
        previous = current_app.conf.broker_url
        current_app.conf.broker_url = server.url
        current_app.conf.task_always_eager = False  # conftest's _eager_celery restores it
        _forget_broker_connections()
        try:
            yield server
        finally:
            current_app.conf.broker_url = previous
            _forget_broker_connections()


def _forget_broker_connections() -> None:
    """Celery keeps its pools of connections to the broker it first used: close them all
    (kombu's registry of pools too), so the next message opens one to the broker now set."""
    kombu.pools.reset()
    current_app._pool = None
    current_app.amqp._producer_pool = None


def queued_messages(server) -> int:
    return redis.Redis(port=server.port).llen("celery")


def test_with_redis_away_the_app_answers_and_work_waits_until_it_is_back(
    client, alice, housing, redis_under_the_app, django_capture_on_commit_callbacks
):
    server = redis_under_the_app
    repairs = IndicatorFactory(department=housing, code="HOU-01")
    month = periods.latest_closed(periods.PeriodKind.MONTH)
    client.force_login(alice)
    cache.set("probe", "here")
    assert cache.get("probe") == "here"  # the cache is this Redis
    built = []
    figures = cached_figures("overview", month=month, build=lambda: built.append(1) or "old")
    assert figures == ("old", False) and cached_figures("overview", month=month, build=list)[1]

    server.stop()

    # The API: its throttles read and write counts in the cache.
    for _ in range(3):
        assert client.get("/api/v1/returns/").status_code == 200
    # A return saved in the page: the write changes the figures generation.
    generation = figures_generation()
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            f"/returns/enter/{repairs.pk}/{month.key}/", {"value": "80", "action": "save"}
        )
    assert saved.status_code == 302 and KpiReturn.objects.count() == 1
    assert figures_generation().split("-")[0] != generation.split("-")[0]  # the database's
    # An import asked for: kept, waiting for the worker, its pages answering.
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/imports/",
            {
                "kind": "returns",
                "file": SimpleUploadedFile(
                    "r.csv", f"indicator_code,period,value\nHOU-01,{month.key},81\n".encode()
                ),
            },
        )
    job = ImportJob.objects.get()
    assert started.status_code == 302 and job.status == ImportStatus.PENDING
    assert "Waiting for the worker" in client.get(f"/imports/{job.pk}/").content.decode()
    assert client.get(f"/imports/{job.pk}/progress/").json()["text"] == "Waiting for the worker"
    # /healthz says what is down.
    health = client.get("/healthz").json()
    assert (health["status"], health["down"]) == ("degraded", ["cache", "broker"])
    assert str(server.port) not in str(health)

    server.start()  # empty: the Redis came back without its data

    assert queued_messages(server) == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert imports.sweep_jobs() == {"sent": 1, "failed": 0}
    assert queued_messages(server) == 1  # the import, for the worker to take
    # The figures cached before the write are not served again, whatever Redis kept.
    assert cached_figures("overview", month=month, build=lambda: "new") == ("new", False)
    assert client.get("/healthz").json()["down"] == []
