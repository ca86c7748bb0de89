"""Celery tasks of the departments app. Tasks are thin: load, call, record.

Each task has an explicit name, so that moving a module never breaks a task already
queued or an entry of the beat schedule (config/settings.py)."""

from datetime import date

from celery import shared_task
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.cells import ImportRejected
from core.health import HEARTBEAT_CACHE_KEY
from core.progress import forget_progress
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


@shared_task(name="departments.tasks.run_import_job")
def run_import_job(job_id: int) -> str:
    """Run one import job, all or nothing, and record the outcome on the job.

    Idempotent: a finished job is not run again, so a redelivered task is harmless. A
    job left "running" by a worker that died is run again, which is safe because its
    transaction was rolled back. Returns the job's final status.
    """
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.finished:
        return job.status if job else "missing"
    try:
        # Saved before the import's transaction opens, so the status page sees it running.
        job.status = ImportStatus.RUNNING
        job.total_rows = imports.count_job_rows(job)
        job.save(update_fields=["status", "total_rows"])
        summary = imports.run_job(job)
    except ImportRejected as rejected:
        _finish_import(
            job,
            ImportStatus.FAILED,
            errors=[error.as_dict() for error in rejected.errors],
            message=rejected.message,
        )
    except ValidationError as refused:
        # A write refused as a whole, after every row passed (the referrals' monthly
        # summaries out of step): its own words, not "an unexpected error".
        _finish_import(job, ImportStatus.FAILED, message=" ".join(refused.messages))
    except Exception:
        _finish_import(job, ImportStatus.FAILED, message=IMPORT_CRASH_MESSAGE.format(job_id=job.pk))
        raise
    else:
        _finish_import(
            job,
            ImportStatus.SUCCEEDED,
            processed_rows=summary.rows,
            created_count=summary.created,
            updated_count=summary.updated,
            unchanged_count=summary.unchanged,
            message=imports.summary_message(summary),
        )
    return job.status


def _finish_import(job, status: str, **fields) -> None:
    job.status, job.finished_at = status, timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    forget_progress(job.pk)


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
