"""Celery tasks of the reporting app. Tasks are thin: load, call, record.

Each task has an explicit name, so that moving a module never breaks a task already
queued, the beat schedule or the monthly pack that a sign-off dispatches by name."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError

from core.dispatch import RowTask
from departments.models import PeriodSignOff
from departments.returns.sign_off import MONTHLY_PACK_TASK
from reporting.models import ReportRun
from reporting.reports import services
from reporting.warnings.evaluation import evaluate_latest

# Worth another try: the database or the file storage was briefly unavailable.
TRANSIENT_ERRORS = (DatabaseError, OSError)


@shared_task(
    name=services.BUILD_REPORT_TASK,
    base=RowTask,
    bind=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=600,
    soft_time_limit=settings.TASK_SOFT_TIME_LIMIT,
    time_limit=settings.TASK_TIME_LIMIT,
)
def build_report_run(self, run_id: int) -> str:
    """Build one report run's file. Returns the run's state ("missing" for one gone).

    Idempotent: the task claims the run first (``services.claim_run``), so a copy of the
    message, or one for a finished run, does nothing; the message put back after its
    worker died builds it again. A transient failure is retried three times, backing
    off, and the run says why while it waits; past the soft time limit the run is failed
    with a retry.
    """
    run = services.claim_run(run_id, task_id=self.request.id or "")
    if run is None:  # another delivery has it, or it is finished: its state as it is
        state = ReportRun.objects.filter(pk=run_id).values_list("state", flat=True).first()
        return state or "missing"
    try:
        services.build_run(run)
    except SoftTimeLimitExceeded:
        services.record_time_limit(run)
        return run.state
    except TRANSIENT_ERRORS as error:
        reason = f"{type(error).__name__}: {error}"
        if self.request.retries >= self.max_retries:
            services.record_failure(run, reason)
        else:
            services.wait_for_retry(run, reason)
        raise  # autoretry_for queues it again
    except Exception as error:  # a fault in the report itself: retrying will not help
        services.record_failure(run, f"{type(error).__name__}: {error}")
        return run.state
    services.notify_when_batch_done(run)
    return run.state


@shared_task(name="reporting.tasks.sweep_report_runs")
def sweep_report_runs() -> dict[str, int]:
    """Celery beat, every minute: send again the runs queued too long (the broker was
    away, or lost their messages), and fail, with a retry, those running past their time
    limit (see services.sweep_runs)."""
    return services.sweep_runs()


@shared_task(name=MONTHLY_PACK_TASK, base=RowTask)
def queue_monthly_pack(sign_off_id: int) -> int:
    """Queue the monthly pack of a council-wide sign-off (departments.returns.services dispatches
    this by name after the sign-off commits). Returns the number of runs queued."""
    sign_off = PeriodSignOff.objects.select_related("signed_off_by").filter(pk=sign_off_id).first()
    return len(services.queue_pack_for_sign_off(sign_off)) if sign_off else 0


@shared_task(name="reporting.tasks.build_annual_report_when_due")
def build_annual_report_when_due(on_date: str | None = None) -> int:
    """Celery beat, daily: build the annual report of the year just ended when it is due
    (see services.annual_report_due). Returns the number of runs queued."""
    return len(services.annual_report_due(date.fromisoformat(on_date) if on_date else None))


@shared_task(
    name="reporting.tasks.evaluate_early_warnings",
    bind=True,
    max_retries=3,
    default_retry_delay=10 * 60,
)
def evaluate_early_warnings(self) -> dict:
    """The daily evaluation of the early-warning rules for the latest closed month.

    Idempotent: a warning already recorded is not raised again, so a retry or a second
    run the same day emails nobody twice.
    """
    try:
        return evaluate_latest().as_dict()
    except Exception as error:  # a database blip: try again later in the day
        raise self.retry(exc=error) from error
