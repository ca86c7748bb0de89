"""A task whose outcome lives on its row is sent without asking for a result (issue 22):
with Redis away, sending it fails as the broker failing (which core.dispatch keeps
waiting), not as Celery's result store failing, a RuntimeError that answered 500."""

import pytest
from celery import Celery

from core.dispatch import BROKER_UNREACHABLE, RowTask
from tests.workers import free_port


@pytest.fixture
def app_with_redis_away():
    """A Celery app whose broker and result store are a Redis that is not there."""
    away = f"redis://127.0.0.1:{free_port()}/0"
    app = Celery("away", broker=away, backend=away, set_as_current=False)
    app.conf.update(
        broker_connection_retry=False,
        broker_transport_options={"max_retries": 1, "socket_connect_timeout": 1},
        redis_socket_connect_timeout=1,
        result_backend_transport_options={"retry_policy": {"max_retries": 1}},
    )
    yield app
    app.close()


def test_a_row_task_sent_with_redis_away_fails_as_the_broker(app_with_redis_away):
    @app_with_redis_away.task(name="probe.row", base=RowTask, shared=False)
    def row(row_id):
        return row_id

    with pytest.raises(BROKER_UNREACHABLE):
        row.delay(1)


def test_an_ordinary_task_with_redis_away_fails_in_the_result_store(app_with_redis_away):
    """Why RowTask exists: the same send asking for a result never reaches the broker."""

    @app_with_redis_away.task(name="probe.plain", shared=False)
    def plain(row_id):
        return row_id

    with pytest.raises(RuntimeError, match="result store"):
        plain.delay(1)
