"""Background work recorded as a row (an import job, a report run) and claimed by a task.

The row is the record of the work: it is stored first, in the request's transaction, and
a Celery message only says "run row N". A message may be lost (the broker restarted
without its data, or was away when the request committed), sent twice (the sweeper sends
again what waited too long) or delivered again (a worker process killed mid-task puts
its message back: ``task_reject_on_worker_lost``). So a task claims its row with one
conditional UPDATE before it works, and two deliveries never both run:

- a waiting row is claimed by the first delivery that comes;
- a running row is claimed again only by the message that started it (the same Celery
  task id: a message put back after its worker died, or a retry after a database error),
  never by another copy;
- a finished row is never claimed again.

Every claim counts an attempt; the task refuses one past ``TASK_MAX_ATTEMPTS`` (a file
that kills its worker each time must not be tried for ever). Rows are described by the
names of their fields, so this module knows no model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from core.dispatch import send_task
from core.words import plural


@dataclass(frozen=True)
class WorkStates:
    """How one model spells its states: the field and its waiting, running and failed
    values, and the text field that says why it failed. The model also has ``task_id``,
    ``attempts``, ``queued_at``, ``started_at`` and ``finished_at``."""

    field: str
    waiting: str
    running: str
    failed: str
    reason: str


def claim(rows: QuerySet, pk: int, *, states: WorkStates, task_id: str) -> bool:
    """Mark row ``pk`` running for the task ``task_id``, counting an attempt; True when
    this task may run it (see the module's docstring), False when another has it or it
    is finished."""
    waiting = Q(**{states.field: states.waiting})
    started_by_this_task = Q(**{states.field: states.running}, task_id=task_id)
    claimed = rows.filter(waiting | started_by_this_task, pk=pk).update(
        **{states.field: states.running},
        task_id=task_id,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
    )
    return claimed == 1


def attempts_exhausted(row: Model) -> bool:
    """Whether the row has been started more times than ``TASK_MAX_ATTEMPTS`` allows."""
    return row.attempts > settings.TASK_MAX_ATTEMPTS


def waiting_too_long(rows: QuerySet, *, states: WorkStates, now: datetime) -> QuerySet:
    """Rows waiting for a worker for longer than ``REDISPATCH_AFTER_MINUTES``: their
    message was lost, or never sent because the broker was away."""
    since = now - timedelta(minutes=settings.REDISPATCH_AFTER_MINUTES)
    return rows.filter(**{states.field: states.waiting}, queued_at__lt=since)


def running_past_time_limit(rows: QuerySet, *, states: WorkStates, now: datetime) -> QuerySet:
    """Rows still running a minute after the hard time limit: their worker was killed, or
    lost, without recording anything (a task past its soft limit records it itself)."""
    since = now - timedelta(seconds=settings.TASK_TIME_LIMIT + 60)
    return rows.filter(**{states.field: states.running}, started_at__lt=since)


def sweep(
    rows: QuerySet,
    *,
    states: WorkStates,
    task_name: str,
    stopped: Callable[[Model], str],
    now: datetime,
) -> tuple[int, int]:
    """The sweeper's round over one model's rows (Celery beat runs it every minute):

    - a row still running past its time limit is failed, saying ``stopped(row)``, if it
      is still the same start (one that finished meanwhile is kept);
    - a row waiting too long is sent again to ``task_name``, and its waiting clock starts
      again; while the broker is still away it stays as it is, for the next round.

    Returns (rows sent again, rows failed).
    """
    failed = 0
    for row in running_past_time_limit(rows, states=states, now=now):
        failed += rows.filter(
            pk=row.pk, **{states.field: states.running}, started_at=row.started_at
        ).update(**{states.field: states.failed, states.reason: stopped(row)}, finished_at=now)
    sent = 0
    for pk in waiting_too_long(rows, states=states, now=now).values_list("pk", flat=True):
        if send_task(task_name, pk):
            rows.filter(pk=pk, **{states.field: states.waiting}).update(queued_at=now)
            sent += 1
    return sent, failed


def time_limit_in_words() -> str:
    """The soft time limit as people read it: "30 minutes"."""
    minutes = settings.TASK_SOFT_TIME_LIMIT // 60
    if minutes >= 1:
        return plural(minutes, "minute")
    return f"{settings.TASK_SOFT_TIME_LIMIT} seconds"
