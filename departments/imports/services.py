"""Import jobs that run any kind of rows: start one, run it, say how it went.

The tabular mechanics live in ``core.importer``; each kind of rows (returns, referrals,
SLA results) has its row handler beside its services. ``IMPORT_KINDS`` is a plain dict
of the kinds of rows an import job can hold.

JSON rows (from the API) are stored as a JSON file on the ImportJob, like an uploaded
file, so the task reads every kind of job the same way and the job row stays small.
"""

from __future__ import annotations

import json
import logging
import uuid
from contextlib import ExitStack, closing
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core import claims
from core.cells import ImportRejected, RowError
from core.claims import WorkStates
from core.dispatch import send_task_after_commit
from core.importer import (
    ImportSummary,
    ProgressCallback,
    count_rows,
    iter_json_rows,
    iter_rows,
    run_import,
)
from core.progress import cache_progress, forget_progress
from core.uploads import check_upload
from departments import roles
from departments.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

# Every kind of import and the row handler that reads it, declared here where it is read.
# Handlers are named by dotted path because this app imports no other (DESIGN.md section
# 2): partnerships' SLA results are a kind of import like returns and referrals.
IMPORT_KINDS: dict[str, str] = {
    "returns": "departments.returns.imports.ReturnRowHandler",
    "referrals": "departments.referrals.imports.ReferralRowHandler",
    "sla_results": "partnerships.sla_results.imports.SlaResultRowHandler",
    "comparator_groups": "departments.benchmarks.imports.ComparatorGroupRowHandler",
    "benchmark_metrics": "departments.benchmarks.imports.BenchmarkMetricRowHandler",
    "benchmark_values": "departments.benchmarks.imports.BenchmarkValueRowHandler",
}
# The task that runs a job, found by its explicit name in the Celery registry: the tasks
# module imports this one, so this one does not import it back; its decorator takes this
# name, so the name is written once.
RUN_IMPORT_TASK = "departments.tasks.run_import_job"


def handler_class_for(kind: str) -> type:
    """The row handler class of a kind of import. ValueError for an unknown kind."""
    try:
        return import_string(IMPORT_KINDS[kind])
    except KeyError:
        raise ValueError(
            f"{kind!r} is not a kind of import: expected one of " + ", ".join(IMPORT_KINDS)
        ) from None


def import_kinds() -> dict[str, type]:
    """Every kind of import with its row handler class, in the order above."""
    return {kind: handler_class_for(kind) for kind in IMPORT_KINDS}


# --- jobs ----------------------------------------------------------------------------------


def start_import(
    *, kind: str, actor, uploaded_file=None, rows: list[dict] | None = None
) -> ImportJob:
    """Check the file (or JSON rows), keep it on a new ImportJob and queue the import.

    Raises PermissionDenied (the user may not import this kind) or ImportRejected (too
    big, wrong type, malformed rows): nothing is kept then. The task is dispatched only
    once the job is committed, so the worker always finds it.
    """
    handler_class = handler_class_for(kind)
    if not handler_class.may_import(actor):
        raise PermissionDenied(handler_class.refusal)
    if (uploaded_file is None) == (rows is None):
        raise ValueError("start_import takes either an uploaded file or JSON rows")
    if uploaded_file is not None:
        file_format = check_upload(uploaded_file)
        content, name, total = uploaded_file, uploaded_file.name or "upload", None
    else:
        content, total = _json_rows_file(rows)
        file_format, name = "json", f"JSON rows ({total:,})"
    with transaction.atomic():
        job = ImportJob(
            kind=kind,
            created_by=actor,
            original_name=name[-255:],
            file_format=file_format,
            total_rows=total,
        )
        # A random stored name: the person's file name is kept for display only.
        job.file.save(f"{uuid.uuid4().hex}.{file_format}", content, save=False)
        job.save()
        # A broker that cannot be reached leaves the job waiting for the sweeper.
        send_task_after_commit(RUN_IMPORT_TASK, job.pk)
    return job


# --- claims and the sweeper (core.claims) ---------------------------------------------------

JOB_STATES = WorkStates(
    field="status",
    waiting=ImportStatus.PENDING,
    running=ImportStatus.RUNNING,
    failed=ImportStatus.FAILED,
    reason="message",
)
STOPPED_PAST_LIMIT = (
    "The import was still running after the {limit} limit, or its worker stopped, so it "
    "was stopped and nothing was imported. Try again; if it stops again, split the file "
    "into smaller ones or tell an administrator the import number ({job_id})."
)
TOO_MANY_ATTEMPTS = (
    "The import was started {attempts} times and its worker stopped each time, so it was "
    "not tried again and nothing was imported. Split the file into smaller ones, or tell "
    "an administrator the import number ({job_id})."
)


def claim_job(job_id: int, *, task_id: str) -> ImportJob | None:
    """The job, marked running for the task ``task_id``, or None when that task may not
    run it (another has it, it is finished or gone; see core.claims). A job started more
    than ``TASK_MAX_ATTEMPTS`` times is marked failed instead, and None returned."""
    if not claims.claim(ImportJob.objects, job_id, states=JOB_STATES, task_id=task_id):
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if claims.attempts_exhausted(job):
        finish_job(
            job,
            ImportStatus.FAILED,
            message=TOO_MANY_ATTEMPTS.format(attempts=job.attempts - 1, job_id=job.pk),
        )
        return None
    return job


def finish_job(job: ImportJob, status: str, **fields) -> None:
    """Record the job's outcome (``status`` and any of its fields) and drop its progress."""
    job.status, job.finished_at = status, timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()
    forget_progress(job.pk)


def may_retry(job: ImportJob) -> bool:
    """Whether the job may be started again with the file it holds: it failed as a whole
    (a time limit, a worker or database gone) rather than for rows to fix, which the same
    file would fail again."""
    return job.status == ImportStatus.FAILED and not job.errors


def retry_import(*, job: ImportJob, actor) -> ImportJob:
    """Queue a failed job again with the file it holds; only its starter (or an
    administrator) may. Raises PermissionDenied, or ValidationError when the job may not
    be retried (``may_retry``)."""
    if job.created_by_id != actor.pk and not roles.scope_for(actor).is_admin:
        raise PermissionDenied("Only the person who started this import can start it again.")
    if not may_retry(job):
        raise ValidationError(
            {
                "status": [
                    "Only an import that stopped as a whole can be started again; a file "
                    "with problems in its rows must be fixed and uploaded again."
                ]
            }
        )
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.PENDING,
            message="",
            processed_rows=0,
            attempts=0,
            task_id="",
            queued_at=timezone.now(),
            started_at=None,
            finished_at=None,
        )
        send_task_after_commit(RUN_IMPORT_TASK, job.pk)
    job.refresh_from_db()
    return job


def time_limit_message(job: ImportJob) -> str:
    """What a job stopped at its time limit says: failed, start it again."""
    return STOPPED_PAST_LIMIT.format(limit=claims.time_limit_in_words(), job_id=job.pk)


def sweep_jobs(now=None) -> dict[str, int]:
    """Send again the jobs waiting too long for a worker, and fail the jobs still
    "running" past their time limit (their transaction was rolled back with their worker:
    nothing was imported). Celery beat runs it every minute (through
    departments.tasks.sweep_import_jobs). Returns the counts {"sent", "failed"}."""
    now = now or timezone.now()
    sent, failed = claims.sweep(
        ImportJob.objects,
        states=JOB_STATES,
        task_name=RUN_IMPORT_TASK,
        stopped=time_limit_message,
        now=now,
    )
    if sent or failed:
        logger.warning("Import jobs swept: %s sent again, %s failed past their limit", sent, failed)
    return {"sent": sent, "failed": failed}


def _json_rows_file(rows: object) -> tuple[ContentFile, int]:
    if not isinstance(rows, list):
        raise ImportRejected("Send the rows as a list of objects.")
    if not rows:
        raise ImportRejected("There are no rows to import.")
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise ImportRejected(
            f"There are {len(rows):,} rows; one import takes at most "
            f"{settings.IMPORT_MAX_ROWS:,}. Send them in smaller batches."
        )
    not_objects = [n for n, row in enumerate(rows, start=1) if not isinstance(row, dict)]
    if not_objects:
        raise ImportRejected(
            "Every row must be an object of column names and values.",
            [
                RowError(n, "", "This row is not an object of column names and values")
                for n in not_objects[:1000]
            ],
        )
    data = json.dumps(rows, default=str).encode()
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportRejected("The rows are larger than the upload size limit; send fewer rows.")
    return ContentFile(data), len(rows)


def count_job_rows(job: ImportJob) -> int | None:
    """The number of rows of the job's file, for the progress bar (an estimate for CSV)."""
    if job.total_rows is not None or job.file_format == "json":
        return job.total_rows
    sheet_names = getattr(handler_class_for(job.kind), "sheet_names", ())
    with job.file.open("rb") as stored:
        return count_rows(stored, job.file_format, sheet_names=sheet_names)


def run_job(job: ImportJob, *, progress: ProgressCallback | None = None) -> ImportSummary:
    """Import the job's rows, all or nothing, as the user who started it.

    Raises ImportRejected with every problem when any row is bad. Progress goes to the
    cache (see cache_progress) unless another callback is given.
    """
    handler = handler_class_for(job.kind)(job.created_by)
    with job.file.open("rb") as stored, ExitStack() as readers:

        def read():
            """The rows from the start of the file (the importer may read them twice)."""
            stored.seek(0)
            if job.file_format == "json":
                rows = iter_json_rows(json.load(stored, parse_float=Decimal))
            else:
                sheets = getattr(handler, "sheet_names", ())
                rows = iter_rows(stored, job.file_format, sheet_names=sheets)
            return readers.enter_context(closing(rows))  # released before the file closes

        return run_import(
            read(),
            handler,
            max_rows=settings.IMPORT_MAX_ROWS,
            progress=progress or cache_progress(job.pk),
            total=job.total_rows,
            read_again=read,
        )


def summary_message(summary: ImportSummary) -> str:
    """What the page says after a successful import: "6 rows read: 4 created, 1 updated."."""
    rows = "1 row" if summary.rows == 1 else f"{summary.rows:,} rows"
    message = f"{rows} read: {summary.created:,} created, {summary.updated:,} updated"
    if summary.unchanged:
        message += f", {summary.unchanged:,} unchanged (already stored as they are)"
    message += "."
    if summary.skipped:
        were = "was" if summary.skipped == 1 else "were"
        message += f" {summary.skipped:,} without figures or text {were} skipped."
    return message


# --- the template --------------------------------------------------------------------------
