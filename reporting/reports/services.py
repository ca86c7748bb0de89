"""Writes of reporting's own records: report runs (request, build, retry, notify).

A run is stored first, then built by a Celery task dispatched once the run is committed
(the task named ``BUILD_REPORT_TASK``), so the worker always finds it. Building reads the
figures with the requester's scope and keeps the file with its size and SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import claims
from core.claims import WorkStates
from core.dispatch import send_task_after_commit
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


NO_REPORT_ROLE = "Your account has no role that may download reports."


def check_may_request(actor, report) -> None:
    """Raise PermissionDenied, saying why, unless ``actor`` may ask for ``report`` (an
    exporter or pack class): a role that downloads reports, and something of the report
    within their scope. The one check of the reports' form, API and service."""
    if not roles.may_download_reports(actor):
        raise PermissionDenied(NO_REPORT_ROLE)
    if not report.may_run(actor):
        raise PermissionDenied(f"The report “{report.title}” holds nothing within your scope.")


def request_report(
    *,
    actor,
    kind: str,
    file_formats: list[str],
    parameters: dict,
    trigger: str = ReportTrigger.REQUEST,
    notify: bool = False,
) -> list[ReportRun]:
    """Store one run per format, requested together, and queue each after commit; or,
    when the actor asked for the same report, formats and parameters and those runs are
    still waiting or being built, those runs (``_same_request_waiting``).

    Raises PermissionDenied (no role, or nothing of this report in the actor's scope) or
    ValidationError naming the field (unknown report or format, bad parameters).
    """
    try:
        report = report_class(kind)
    except ValueError as error:
        if not roles.may_download_reports(actor):
            raise PermissionDenied(NO_REPORT_ROLE) from None
        raise ValidationError({"kind": [str(error)]}) from None
    check_may_request(actor, report)
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
        if trigger == ReportTrigger.REQUEST:
            waiting = _same_request_waiting(actor, kind, chosen, cleaned.to_json())
            if waiting:
                return waiting
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


def _same_request_waiting(actor, kind: str, formats: list[str], parameters: dict) -> list:
    """The runs, one per format in ``formats``' order, of the same report with the same
    parameters that ``actor`` asked for and that are still waiting or being built; [] if
    any format has none. Asking again while they are built (a double click, a page sent
    twice, a script in a loop) follows them rather than building the same files again.
    The actor's account row is locked first (PostgreSQL), so two such requests at once
    are answered one after the other and the second finds the first's runs."""
    list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
    in_flight = ReportRun.objects.filter(
        requested_by=actor,
        kind=kind,
        trigger=ReportTrigger.REQUEST,
        state__in=[ReportState.QUEUED, ReportState.RUNNING],
        file_format__in=formats,
    ).order_by("-pk")
    latest: dict[str, ReportRun] = {}
    for run in in_flight:
        if run.parameters == parameters:
            latest.setdefault(run.file_format, run)
    if set(latest) != set(formats):
        return []
    return [latest[file_format] for file_format in formats]


# The task that builds a run, by the name its decorator takes (reporting.tasks).
BUILD_REPORT_TASK = "reporting.tasks.build_report_run"
# How a run's states are spelt, for the claims and the sweeper (core.claims).
RUN_STATES = WorkStates(
    field="state",
    waiting=ReportState.QUEUED,
    running=ReportState.RUNNING,
    failed=ReportState.FAILED,
    reason="error",
)
STOPPED_PAST_LIMIT = (
    "The report was still being built after the {limit} limit, or its worker stopped, so "
    "it was stopped and nothing was kept. Retry it; if it stops again, ask for a shorter "
    "period or tell an administrator the run number ({run_id})."
)
TOO_MANY_ATTEMPTS = (
    "The report was started {attempts} times and its worker stopped each time, so it was "
    "not tried again and nothing was kept. Retry it later; if it stops again, tell an "
    "administrator the run number ({run_id})."
)


def _dispatch_after_commit(run: ReportRun) -> None:
    """Queue the run's build once it is committed. A broker that cannot be reached leaves
    the run queued for the sweeper (``sweep_runs``), and the request answers as usual."""
    send_task_after_commit(BUILD_REPORT_TASK, run.pk)


def retry_run(*, run: ReportRun, actor) -> ReportRun:
    """Queue a failed run again; only its requester (or an administrator) may."""
    if run.requested_by_id != actor.pk and not roles.scope_for(actor).is_admin:
        raise PermissionDenied("Only the person who asked for this report can retry it.")
    if run.state != ReportState.FAILED:
        raise ValidationError({"state": ["Only a failed report can be retried."]})
    with transaction.atomic():
        run.state, run.progress, run.error = ReportState.QUEUED, 0, ""
        run.started_at = run.finished_at = None
        # A new start: the attempts count again from none, and no earlier message of
        # this run may claim it (core.claims).
        run.attempts, run.task_id, run.queued_at = 0, "", timezone.now()
        run.save(
            update_fields=[
                "state",
                "progress",
                "error",
                "started_at",
                "finished_at",
                "attempts",
                "task_id",
                "queued_at",
            ]
        )
        _dispatch_after_commit(run)
    return run


def claim_run(run_id: int, *, task_id: str) -> ReportRun | None:
    """The run, marked running for the task ``task_id``, or None when that task may not
    build it (another has it, it is finished or gone; see core.claims). A run started
    more than ``TASK_MAX_ATTEMPTS`` times is marked failed instead, and None returned."""
    if not claims.claim(ReportRun.objects, run_id, states=RUN_STATES, task_id=task_id):
        return None
    run = ReportRun.objects.select_related("requested_by").get(pk=run_id)
    if claims.attempts_exhausted(run):
        _fail(run, TOO_MANY_ATTEMPTS.format(attempts=run.attempts - 1, run_id=run.pk))
        return None
    return run


def sweep_runs(now=None) -> dict[str, int]:
    """Send again the runs waiting too long for a worker, fail, with a retry, the runs
    still "running" past their time limit, and queue the monthly packs whose sign-off's
    message was lost (``queue_lost_packs``). Celery beat runs it every minute (through
    reporting.tasks.sweep_report_runs). Returns the counts {"sent", "failed", "packs"}."""
    now = now or timezone.now()
    sent, failed = claims.sweep(
        ReportRun.objects,
        states=RUN_STATES,
        task_name=BUILD_REPORT_TASK,
        stopped=lambda run: STOPPED_PAST_LIMIT.format(
            limit=claims.time_limit_in_words(), run_id=run.pk
        ),
        now=now,
    )
    packs = len(queue_lost_packs(now))
    if sent or failed or packs:
        logger.warning(
            "Report runs swept: %s sent again, %s failed past their limit, %s queued for "
            "sign-offs whose monthly pack was never queued",
            sent,
            failed,
            packs,
        )
    return {"sent": sent, "failed": failed, "packs": packs}


# How far back the sweeper looks for a council-wide sign-off whose pack was never queued.
LOST_PACKS_WITHIN = timedelta(days=2)


def queue_lost_packs(now) -> list[ReportRun]:
    """Queue the monthly pack of each council-wide sign-off of the last two days that has
    none: the message asking for it is sent after the sign-off commits, and was lost if
    the broker was away then (the sign-off stands). Left alone until it has waited
    REDISPATCH_AFTER_MINUTES, so the message on its way is not raced; idempotent
    (``queue_pack_for_sign_off``)."""
    waited = now - timedelta(minutes=settings.REDISPATCH_AFTER_MINUTES)
    sign_offs = PeriodSignOff.objects.active().filter(
        department__isnull=True, signed_off_at__range=(now - LOST_PACKS_WITHIN, waited)
    )
    runs: list[ReportRun] = []
    for sign_off in sign_offs.select_related("signed_off_by"):
        runs.extend(queue_pack_for_sign_off(sign_off))
    return runs


def set_progress(run: ReportRun, percent: int) -> None:
    """Progress for the status page. The build holds no transaction open, so the page
    sees it at once."""
    run.progress = max(0, min(percent, 99))
    ReportRun.objects.filter(pk=run.pk).update(progress=run.progress)


def build_run(run: ReportRun) -> ReportRun:
    """Build the file of a run claimed for this task (``claim_run``) with its requester's
    scope; a done run is left as it is."""
    if run.state == ReportState.DONE:
        return run
    run.error, run.progress = "", 5
    run.save(update_fields=["error", "progress"])
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
    """Mark the run failed, with the reason (an exception's words) in BUILD_FAILED."""
    _fail(run, BUILD_FAILED.format(reason=reason[:300], run_id=run.pk))


def record_time_limit(run: ReportRun) -> None:
    """The build passed its soft time limit and stopped: failed, with a retry."""
    _fail(run, STOPPED_PAST_LIMIT.format(limit=claims.time_limit_in_words(), run_id=run.pk))


def wait_for_retry(run: ReportRun, reason: str) -> None:
    """A transient failure (the database or the storage away): the run waits for the
    task's own retry, saying why, and keeps its claim (core.claims)."""
    run.error = f"Waiting to try again: {reason[:300]}"
    ReportRun.objects.filter(pk=run.pk).update(error=run.error)


def _fail(run: ReportRun, message: str) -> None:
    run.state, run.finished_at, run.error = ReportState.FAILED, timezone.now(), message
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
                f"The report “{report.title}” for {_covers(run)} is ready.\n\n"
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
