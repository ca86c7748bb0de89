"""Writes of reporting's own records: report runs (request, build, retry, notify).

A run is stored first, then built by a Celery task dispatched once the run is committed
(the task named ``BUILD_REPORT_TASK``), so the worker always finds it. Building reads the
figures with the requester's scope and keeps the file with its size and SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import date

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from departments import periods, roles
from departments.models import Membership, PeriodSignOff
from departments.roles import Role
from reporting.models import ReportRun, ReportState, ReportTrigger
from reporting.reports.exports.parameters import read_parameters
from reporting.reports.kinds import FORMAT_LABELS, build_file, report_class

logger = logging.getLogger(__name__)

BUILD_FAILED = (
    "The report could not be built ({reason}). Nothing was kept. Try again; if it fails "
    "again, tell an administrator the run number ({run_id})."
)


def request_report(
    *,
    actor,
    kind: str,
    file_formats: list[str],
    parameters: dict,
    trigger: str = ReportTrigger.REQUEST,
    notify: bool = False,
) -> list[ReportRun]:
    """Store one run per format, requested together, and queue each after commit.

    Raises PermissionDenied (no role, or nothing of this report in the actor's scope) or
    ValidationError naming the field (unknown report or format, bad parameters).
    """
    if not roles.may_download_reports(actor):
        raise PermissionDenied("Your account has no role that may download reports.")
    try:
        report = report_class(kind)
    except ValueError as error:
        raise ValidationError({"kind": [str(error)]}) from None
    if not report.may_run(actor):
        raise PermissionDenied(f"The {report.title.lower()} holds nothing within your scope.")
    problems: dict[str, list[str]] = {}
    try:
        cleaned = read_parameters(parameters, user=actor, needs=report.needs)
    except ValidationError as invalid:
        problems.update(invalid.message_dict)
    chosen = list(dict.fromkeys(file_formats))
    if not chosen or any(f not in report.formats for f in chosen):
        offered = ", ".join(FORMAT_LABELS[f] for f in report.formats)
        problems["file_format"] = [f"Choose at least one format: {offered}"]
    if problems:  # every problem at once, for the page's error summary
        raise ValidationError(problems)
    batch = uuid.uuid4()
    with transaction.atomic():
        runs = [
            ReportRun.objects.create(
                requested_by=actor,
                kind=kind,
                file_format=file_format,
                parameters=cleaned.to_json(),
                batch=batch,
                trigger=trigger,
                notify=notify,
            )
            for file_format in chosen
        ]
        for run in runs:
            _dispatch_after_commit(run)
    return runs


BUILD_REPORT_TASK = "reporting.tasks.build_report_run"


def _dispatch_after_commit(run: ReportRun) -> None:
    """Queue the run's build once it is committed. The task is found by its name in the
    Celery registry: the tasks call this module, so it does not import them."""
    transaction.on_commit(lambda: _queue_build(run.pk))


def _queue_build(run_id: int) -> None:
    # Importing every app's tasks module registers them (a web process has not yet).
    current_app.loader.import_default_modules()
    current_app.tasks[BUILD_REPORT_TASK].delay(run_id)


def retry_run(*, run: ReportRun, actor) -> ReportRun:
    """Queue a failed run again; only its requester (or an administrator) may."""
    if run.requested_by_id != actor.pk and not roles.scope_for(actor).is_admin:
        raise PermissionDenied("Only the person who asked for this report can retry it.")
    if run.state != ReportState.FAILED:
        raise ValidationError({"state": ["Only a failed report can be retried."]})
    with transaction.atomic():
        run.state, run.progress, run.error = ReportState.QUEUED, 0, ""
        run.started_at = run.finished_at = None
        run.save(update_fields=["state", "progress", "error", "started_at", "finished_at"])
        _dispatch_after_commit(run)
    return run


def set_progress(run: ReportRun, percent: int) -> None:
    """Progress for the status page. The build holds no transaction open, so the page
    sees it at once."""
    run.progress = max(0, min(percent, 99))
    ReportRun.objects.filter(pk=run.pk).update(progress=run.progress)


def build_run(run: ReportRun) -> ReportRun:
    """Build the run's file with its requester's scope; idempotent: a done run is left
    as it is, so a redelivered task is harmless."""
    if run.state == ReportState.DONE:
        return run
    run.state, run.started_at, run.error = ReportState.RUNNING, timezone.now(), ""
    run.attempts += 1
    run.progress = 5
    run.save(update_fields=["state", "started_at", "error", "attempts", "progress"])
    report_type = report_class(run.kind)
    parameters = read_parameters(run.parameters, user=run.requested_by, needs=report_type.needs)
    report = report_type(user=run.requested_by, parameters=parameters)
    filename, content_type, content = build_file(
        report, run.file_format, progress=lambda percent: set_progress(run, percent)
    )
    if run.file:
        run.file.delete(save=False)  # a retried run keeps only its latest file
    run.file.save(f"{run.pk}-{filename}", ContentFile(content), save=False)
    run.filename, run.content_type = filename, content_type
    run.size, run.sha256 = len(content), hashlib.sha256(content).hexdigest()
    run.state, run.progress, run.finished_at = ReportState.DONE, 100, timezone.now()
    run.save()
    return run


def record_failure(run: ReportRun, reason: str) -> None:
    run.state, run.finished_at = ReportState.FAILED, timezone.now()
    run.error = BUILD_FAILED.format(reason=reason[:300], run_id=run.pk)
    run.save(update_fields=["state", "finished_at", "error"])


# --- schedules ---------------------------------------------------------------------------


def queue_pack_for_sign_off(sign_off: PeriodSignOff) -> list[ReportRun]:
    """SMT signed a month off for the whole council: build its monthly pack (PDF and
    workbook) as the person who signed it off, and email a link to the recipients.
    Idempotent: a sign-off whose pack is already queued queues nothing."""
    if sign_off.department_id is not None or sign_off.reopened_at is not None:
        return []
    if periods.Period.parse(sign_off.period).kind != periods.PeriodKind.MONTH:
        return []  # the pack is monthly; a quarter or year signed off has none
    already = ReportRun.objects.filter(
        kind="monthly_pack",
        trigger=ReportTrigger.SIGN_OFF,
        parameters__period=sign_off.period,
        created_at__gte=sign_off.signed_off_at,
    )
    if already.exists():
        return []
    return request_report(
        actor=sign_off.signed_off_by,
        kind="monthly_pack",
        file_formats=["pdf", "xlsx"],
        parameters={"period": sign_off.period},
        trigger=ReportTrigger.SIGN_OFF,
        notify=True,
    )


def annual_report_due(today: date | None = None) -> list[ReportRun]:
    """After year end: build the Best Value annual report of the year just ended once its
    March is signed off for the council or its returns deadline has passed, and only
    once. Built as the SMT member who signed March off (else the first SMT member)."""
    today = today or timezone.localdate()
    year = periods.financial_year_of(today) - 1
    march = periods.Period.month(year, 12)
    year_key = periods.Period.financial_year(year).key
    if ReportRun.objects.filter(
        kind="annual_report", trigger=ReportTrigger.SCHEDULE, parameters__year=year_key
    ).exists():
        return []
    sign_off = (
        PeriodSignOff.objects.active()
        .filter(period=march.key, department__isnull=True)
        .select_related("signed_off_by")
        .first()
    )
    if sign_off is None and today <= march.deadline():
        return []
    actor = sign_off.signed_off_by if sign_off else _first_smt_member()
    if actor is None:
        logger.warning("No SMT member to build the %s annual report as", year_key)
        return []
    return request_report(
        actor=actor,
        kind="annual_report",
        file_formats=["pdf", "xlsx"],
        parameters={"year": year_key},
        trigger=ReportTrigger.SCHEDULE,
        notify=True,
    )


def _first_smt_member():
    membership = (
        Membership.objects.filter(role=Role.SMT, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    return membership.user if membership else None


def recipients() -> list[str]:
    """SMT members and auditors with an email address: who hears of a scheduled report."""
    rows = Membership.objects.filter(
        Q(role=Role.SMT) | Q(role=Role.AUDITOR), user__is_active=True
    ).exclude(user__email="")
    return sorted(set(rows.values_list("user__email", flat=True)))


def notify_when_batch_done(run: ReportRun) -> int:
    """Once every file of a scheduled batch is ready, email the recipients a link to it
    (never the file). Claimed with one conditional update, so it is sent once."""
    if not run.notify:
        return 0
    batch = ReportRun.objects.filter(batch=run.batch)
    if batch.exclude(state=ReportState.DONE).exists():
        return 0
    claimed = batch.filter(notified_at__isnull=True).update(notified_at=timezone.now())
    if not claimed:
        return 0
    report = report_class(run.kind)
    first = batch.order_by("pk").first()  # its page shows every file of the batch
    link = settings.SITE_URL.rstrip("/") + reverse("reporting:report-run", args=[first.pk])
    addresses = recipients()
    if addresses:
        send_mail(
            subject=f"{report.title} ready: {_covers(run)}",
            message=(
                f"The {report.title.lower()} for {_covers(run)} is ready.\n\n"
                f"Download it (sign in first): {link}\n\n"
                "Each file's SHA-256 checksum is shown there, so you can check your copy."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=addresses,
        )
    return len(addresses)


def _covers(run: ReportRun) -> str:
    key = run.parameters.get("period") or run.parameters.get("year") or ""
    try:
        return periods.Period.parse(key).label
    except ValueError:
        return key or "everything in scope"
