"""Reporting's own records: early warnings raised by the daily evaluation.

Reporting reads the other apps' data and writes only records of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.numbers import TEXT_LIMIT
from departments.periods import Period, date_in_words
from departments.roles import has_a_role, may_see_every_report_run, scope_for


class WarningRule(models.TextChoices):
    FALLING_TOGETHER = "falling_together", "Coordination and contract health both falling"
    SERVICE_RED = "service_red", "A service a department depends on red two months running"
    STATUTORY_RED = "statutory_red", "A statutory indicator red three periods running"
    MISSING_RETURNS = "missing_returns", "Returns missing past their deadline"
    NOTICE_OVERDUE = "notice_overdue", "A contract performance notice overdue"


# An open warning: neither acknowledged by the SMT nor resolved by the data.
OPEN_WARNING = Q(acknowledged_at__isnull=True, resolved_by_data_on__isnull=True)


class EarlyWarningQuerySet(models.QuerySet):
    def visible_to(self, user) -> EarlyWarningQuerySet:
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        return self.filter(
            Q(department__in=scope.department_ids) | Q(partnership__in=scope.partnership_ids)
        )

    def open(self) -> EarlyWarningQuerySet:
        """Neither acknowledged by the SMT nor resolved by the data."""
        return self.filter(OPEN_WARNING)

    def in_state(self, state: str) -> EarlyWarningQuerySet:
        """The warnings of one state, as the page and the API filter them: "open",
        "acknowledged" (by the SMT), "resolved" (by the data) or "all". ValueError for
        any other."""
        states = {
            "open": OPEN_WARNING,
            "acknowledged": Q(acknowledged_at__isnull=False),
            "resolved": Q(resolved_by_data_on__isnull=False),
            "all": Q(),
        }
        if state not in states:
            raise ValueError(f"{state!r} is not a state of early warnings")
        return self.filter(states[state])


class EarlyWarning(models.Model):
    """One warning per rule, subject and starting period, with the evidence behind it.

    Each evaluation looks again at the warnings not yet resolved by the data: it brings
    their evidence up to date, and a warning whose condition no longer holds is marked
    ``resolved_by_data_on`` (the London date of that evaluation); one that holds again
    is reopened (``reporting.warnings.evaluation``).
    """

    rule = models.CharField(max_length=20, choices=WarningRule.choices)
    subject_key = models.CharField(
        max_length=80, help_text="Stable identifier of the subject, e.g. 'department:4/service:2'."
    )
    subject_label = models.CharField(max_length=255)
    starting_period = models.CharField(max_length=11)
    latest_period = models.CharField(max_length=11)
    department = models.ForeignKey(
        "departments.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    indicator = models.ForeignKey(
        "departments.PerformanceIndicator",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    service = models.ForeignKey(
        "partnerships.Service", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    evidence = models.JSONField(default=dict)
    raised_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True, max_length=TEXT_LIMIT)
    resolved_by_data_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day an evaluation found the condition no longer holds (London date).",
    )

    objects = EarlyWarningQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key", "starting_period"],
                name="early_warning_one_per_rule_subject_start",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(acknowledgement_note=""),
                name="early_warning_acknowledged_with_note",
            ),
        ]
        indexes = [models.Index(fields=["latest_period", "rule"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.subject_label} from {self.starting_period}"

    @property
    def periods_in_words(self) -> str:
        """The periods it covers as people read them: "October 2026", or "August 2026 to
        October 2026" for a run."""
        first = Period.parse(self.starting_period).in_words
        if self.latest_period == self.starting_period:
            return first
        return f"{first} to {Period.parse(self.latest_period).in_words}"

    @property
    def state_label(self) -> str:
        """The state in words: "Resolved by the data on 20 November 2026", "Acknowledged"
        or "Open"."""
        if self.resolved_by_data_on is not None:
            return f"Resolved by the data on {date_in_words(self.resolved_by_data_on)}"
        return "Acknowledged" if self.acknowledged_at is not None else "Open"


class ReportState(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class ReportTrigger(models.TextChoices):
    REQUEST = "request", "Requested"
    SIGN_OFF = "sign_off", "Period sign-off"
    SCHEDULE = "schedule", "Schedule"


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportRunQuerySet:
        """The runs ``user`` requested, or everyone's (roles.may_see_every_report_run);
        none for an account with no role."""
        if may_see_every_report_run(user):
            return self.all()
        if not has_a_role(user):
            return self.none()
        return self.filter(requested_by=user)


def report_upload_path(run: ReportRun, filename: str) -> str:
    return f"reports/{run.kind}/{filename}"


class ReportRun(models.Model):
    """One requested report file: stored first, then built by a Celery task.

    The file is built with the requester's scope, so two people asking for the same
    report may get different files. ``batch`` ties the files requested together (a
    monthly pack's PDF and workbook) so one page follows them all.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_runs"
    )
    kind = models.CharField(max_length=30, help_text="The report's identifier, e.g. 'returns'.")
    file_format = models.CharField(max_length=4)
    parameters = models.JSONField(default=dict, blank=True)
    batch = models.UUIDField(db_index=True)
    trigger = models.CharField(
        max_length=10, choices=ReportTrigger.choices, default=ReportTrigger.REQUEST
    )
    notify = models.BooleanField(
        default=False, help_text="Email the recipients a link when the file is ready."
    )
    state = models.CharField(max_length=8, choices=ReportState.choices, default=ReportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    file = models.FileField(upload_to=report_upload_path, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task that claimed the run (core.claims): only its message may start it
    # again, so a copy of the message never builds the file twice at once.
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(
        default=timezone.now, help_text="When the run last started waiting for a worker."
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="report_run_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(sha256=""), name="report_run_done_has_checksum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.file_format}) #{self.pk}: {self.get_state_display()}"

    @property
    def finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)

    @property
    def covers(self) -> str:
        """What the run covers, in words, from its stored parameters."""
        from departments.periods import Period

        parts = []
        for key in ("period", "year"):
            if key in self.parameters:
                parts.append(Period.parse(self.parameters[key]).label)
        if "since" in self.parameters or "until" in self.parameters:
            since = self.parameters.get("since", "the start")
            parts.append(f"{since} to {self.parameters.get('until', 'today')}")
        if "department" in self.parameters:
            parts.append("one department")
        if "partnership" in self.parameters:
            parts.append("one partnership")
        return ", ".join(parts) or "Everything in scope"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
