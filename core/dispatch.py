"""Send a task for a row of work, once it is committed; a broker away loses nothing.

The row (an import job, a report run) is the record of the work (``core.claims``): when
the broker cannot take the message, the row stays waiting, the request answers as usual,
and the sweeper sends the message again once the broker is back.
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from celery import Task, current_app
from django.conf import settings
from django.db import transaction

from core import background

logger = logging.getLogger(__name__)

# What publishing a message raises when the broker cannot be reached.
BROKER_UNREACHABLE = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)


class RowTask(Task):
    """A task whose outcome is recorded on its row (an import job, a report run, a
    sign-off's pack), never read from Celery's result store: sent with ``ignore_result``.

    Why: a task sent with a result wanted makes the sender subscribe to the result store
    first, and with Redis away Celery's Redis backend answers that with a RuntimeError
    ("Retry limit exceeded while trying to reconnect to the Celery result store"), not a
    broker error, before the message is even tried: the request that asked for the work
    answered 500 although the row was committed (found by ``demo/outage_probe.py``)."""

    def apply_async(self, args=None, kwargs=None, **options):
        options.setdefault("ignore_result", True)
        return super().apply_async(args, kwargs, **options)


def send_task(task_name: str, row_id: int) -> bool:
    """Queue the task named ``task_name`` for ``row_id``; True if the broker took it.

    False, logged, when the broker is unreachable: the row stays waiting for the sweeper.
    The task is found by its name in Celery's registry, so the caller need not import
    the tasks module (which imports the caller). Running eagerly (no broker), the task
    runs here and its own errors propagate; unless ``BACKGROUND_TASKS`` is on, when it is
    handed to this process's background thread (``core.background``) and this returns at
    once, the row still waiting.
    """
    # Importing every app's tasks module registers them (a web process has not yet).
    current_app.loader.import_default_modules()
    if current_app.conf.task_always_eager and settings.BACKGROUND_TASKS:
        background.submit(task_name, row_id)
        return True
    try:
        current_app.tasks[task_name].delay(row_id)
    except BROKER_UNREACHABLE as error:
        if current_app.conf.task_always_eager:
            raise
        logger.warning(
            "%s(%s) not queued, the broker is unreachable (%s): the row waits for the sweeper",
            task_name,
            row_id,
            type(error).__name__,
        )
        return False
    return True


def send_task_after_commit(task_name: str, row_id: int) -> None:
    """``send_task`` once the current transaction commits (at once outside one), so the
    worker always finds the row."""
    transaction.on_commit(lambda: send_task(task_name, row_id))
