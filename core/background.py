"""A small in-process runner for row tasks when there is no broker (the embedded default).

With no ``REDIS_URL`` Celery runs tasks eagerly, in the request that sends them: "Build the
report" held the page for about ten seconds with no feedback. With ``BACKGROUND_TASKS`` on
(``make run`` turns it on) ``core.dispatch.send_task`` hands the row task here instead: it
runs on a thread of this process after the request's transaction has committed, and the
request answers at once with the row waiting, so the page's progress bar polls it as it
does with a Celery worker. The row is still the record of the work (``core.claims``), so
the task claims it, records its progress and its outcome exactly as on a worker.

One thread: the embedded default's SQLite takes one writer at a time, and a queue of
builds and imports one after another is what a single Celery worker does too. Work still
queued when the process stops is lost with it: its row stays waiting, as with a broker
that lost its messages, and with no Celery beat on the embedded default nothing sends it
again, so the person asks again. Off by default, so tests that rely on eager, synchronous
runs keep them.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures

from celery import current_app
from django.db import connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def submit(task_name: str, row_id: int) -> Future:
    """Run the task named ``task_name`` for ``row_id`` on the background thread, after the
    work queued before it. Returns at once; the task's errors are logged, never raised
    here (the task records its outcome on its row)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="row-task")
        future = _executor.submit(_run, task_name, row_id)
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def _run(task_name: str, row_id: int) -> None:
    try:
        # Run as the eager path would, in this thread: Celery's own bookkeeping (a task id,
        # retries), the same task code as on a worker.
        current_app.tasks[task_name].apply(args=(row_id,))
    except Exception:
        logger.exception("Background %s(%s) failed", task_name, row_id)
    finally:
        # This thread's database connections: closed, as a request's are when it ends.
        connections.close_all()


def wait(timeout: float | None = None) -> bool:
    """Block until the work submitted so far has finished (for tests and for a clean
    shutdown); True when it all finished within ``timeout`` seconds."""
    with _lock:
        pending = set(_pending)
    _, not_done = wait_for_futures(pending, timeout=timeout)
    return not not_done
