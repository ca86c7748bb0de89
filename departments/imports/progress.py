"""Where an import job is, in words and as a percentage: one answer for the status page,
its JSON and the API's import jobs."""

from __future__ import annotations

from core.progress import read_progress
from departments.models import ImportJob, ImportStatus


def job_progress(job: ImportJob) -> dict:
    """Where the job is, for the status page, its JSON and the API: the cache first, then
    the row. Sets the job's ``processed_rows`` and ``total_rows`` to what the cache says.

    A running import's counts are only in the cache (see imports.cache_progress: its
    transaction hides the job row's updates); once finished, the row holds the outcome.
    An import read in two passes (``core.importer.run_import``) fills the bar's first
    half while it checks every row and the second while it saves them.
    """
    stage = None
    if not job.finished and (cached := read_progress(job.pk)):
        job.processed_rows = cached["processed"]
        job.total_rows = cached["total"] if cached["total"] is not None else job.total_rows
        stage = cached.get("stage")
    processed, total = job.processed_rows, job.total_rows
    percent = job.percent_done
    if job.status == ImportStatus.PENDING:
        text = "Waiting for the worker"
    elif job.finished:
        text = f"{processed:,} rows checked"
    elif stage == "writing" and total:
        text = f"All {total:,} rows checked; {processed:,} of {total:,} saved"
        percent = min(99, 50 + 50 * processed // total)
    elif stage == "writing":
        text = f"All rows checked; {processed:,} saved"
    elif total:
        text = f"{processed:,} of {total:,} rows checked"
        if stage == "checking":
            percent = min(49, 50 * processed // total)
    else:
        text = f"{processed:,} rows checked"
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "processed": processed,
        "total": total,
        "percent": percent,
        "text": text,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "message": job.message,
        "errors": job.errors if job.status == ImportStatus.FAILED else [],
    }
