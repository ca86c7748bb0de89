"""Celery tasks of the departments app. Tasks are thin: load, call, record.

Each task has an explicit name, so that moving a module never breaks a task already
queued or an entry of the beat schedule (config/settings.py)."""

from datetime import date

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.cells import ImportRejected
from core.dispatch import RowTask
from core.health import HEARTBEAT_CACHE_KEY
from departments import periods, reminders
from departments.imports import services as imports
from departments.models import ImportJob, ImportStatus


@shared_task(name="departments.tasks.record_worker_heartbeat")
def record_worker_heartbeat() -> str:
    """Record that a worker ran a task now; /healthz reports the last time it did.

    Celery beat schedules it every minute, so a stale heartbeat means no worker (or no
    beat) is running.
    """
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=60 * 60 * 24)
    return now


IMPORT_CRASH_MESSAGE = (
    "The import stopped because of an unexpected error, and nothing was imported. "
    "Try again; if it happens again, tell an administrator the import number ({job_id})."
)


# Worth another try: the database went away (a restart, a failover, a dropped
# connection). The import's transaction was rolled back, so nothing was half-stored.
DATABASE_AWAY = (OperationalError, InterfaceError)


@shared_task(
    name=imports.RUN_IMPORT_TASK,
    base=RowTask,
    bind=True,
    autoretry_for=DATABASE_AWAY,
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=60,
    soft_time_limit=settings.TASK_SOFT_TIME_LIMIT,
    time_limit=settings.TASK_TIME_LIMIT,
)
def run_import_job(self, job_id: int) -> str:
    """Run one import job, all or nothing, and record the outcome on the job. Returns the
    job's status ("missing" for a job that is gone).

    Idempotent: the task claims the job first (``imports.claim_job``), so a copy of the
    message, or one for a finished job, does nothing; the message put back after its
    worker died runs it again, which is safe because its transaction was rolled back. A
    database that went away is retried three times, backing off (5 s, 10 s, 20 s, up to a
    minute); past the soft time limit the job is failed and may be started again.
    """
    job = imports.claim_job(job_id, task_id=self.request.id or "")
    if job is None:  # another delivery has it, or it is finished: its status as it is
        status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return status or "missing"
    try:
        # Counted before the import's transaction opens, so the status page sees it.
        job.total_rows = imports.count_job_rows(job)
        job.save(update_fields=["total_rows"])
        summary = imports.run_job(job)
    except SoftTimeLimitExceeded:
        imports.finish_job(job, ImportStatus.FAILED, message=imports.time_limit_message(job))
    except ImportRejected as rejected:
        imports.finish_job(
            job,
            ImportStatus.FAILED,
            errors=[error.as_dict() for error in rejected.errors],
            message=rejected.message,
        )
    except ValidationError as refused:
        # A write refused as a whole, after every row passed (the referrals' monthly
        # summaries out of step): its own words, not "an unexpected error".
        imports.finish_job(job, ImportStatus.FAILED, message=" ".join(refused.messages))
    except DATABASE_AWAY:
        if self.request.retries >= self.max_retries:
            _record_crash(job)
        raise  # autoretry_for runs it again; the job keeps its claim meanwhile
    except Exception:
        _record_crash(job)
        raise
    else:
        imports.finish_job(
            job,
            ImportStatus.SUCCEEDED,
            processed_rows=summary.rows,
            created_count=summary.created,
            updated_count=summary.updated,
            unchanged_count=summary.unchanged,
            message=imports.summary_message(summary),
        )
    return job.status


def _record_crash(job) -> None:
    imports.finish_job(job, ImportStatus.FAILED, message=IMPORT_CRASH_MESSAGE.format(job_id=job.pk))


@shared_task(name="departments.tasks.sweep_import_jobs")
def sweep_import_jobs() -> dict[str, int]:
    """Celery beat, every minute: send again the imports waiting too long (the broker was
    away, or lost their messages), and fail those running past their time limit (see
    imports.sweep_jobs)."""
    return imports.sweep_jobs()


@shared_task(
    name="departments.tasks.send_return_reminders",
    bind=True,
    max_retries=3,
    default_retry_delay=15 * 60,
)
def send_return_reminders(self, on_date: str | None = None) -> dict[str, int]:
    """Send the day's return reminder emails; Celery beat runs it on weekday mornings.

    ``on_date`` is an ISO date, default today in Europe/London, fixed on the first
    attempt so a retry sends that day's reminders. Bank holidays send nothing: nobody
    reads them. Idempotent: emails already logged for the day are not sent again, so a
    retry only sends what failed.
    """
    on_date = on_date or timezone.localdate().isoformat()
    if not periods.is_working_day(date.fromisoformat(on_date)):
        return {"emails_sent": 0, "skipped_not_working_day": 1}
    summary = reminders.send_return_reminders_for(on_date)
    if summary["failed"]:
        raise self.retry(args=[on_date])
    return summary
