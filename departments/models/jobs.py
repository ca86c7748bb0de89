"""Background work the users start or the schedule runs: imports and reminder digests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from departments.roles import scope_for


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Rejected"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """People see the imports they started; administrators see all."""
        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not scope.roles:
            return self.none()
        return self.filter(created_by=user)


def import_upload_path(job: ImportJob, filename: str) -> str:
    return f"imports/{job.kind}/{filename}"


class ImportJob(models.Model):
    """One uploaded file and its all-or-nothing import, with progress for the page."""

    kind = models.CharField(max_length=20, help_text="What the rows are: returns, referrals…")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to=import_upload_path, blank=True)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(
        default=0, help_text="Rows identical to what was already stored: nothing written."
    )
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # Claimed by one Celery task at a time (core.claims): its id, the number of starts,
    # and when it last began waiting and running, which the sweeper reads.
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(
        default=timezone.now, help_text="When the import last started waiting for a worker."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} import {self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def percent_done(self) -> int:
        if self.finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))


class ReminderLog(models.Model):
    """One reminder digest sent to one person on one day, so a rerun sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20)
    sent_on = models.DateField()
    return_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "sent_on"], name="reminder_once_per_person_kind_day"
            ),
            models.CheckConstraint(condition=~Q(kind=""), name="reminder_kind_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user} on {self.sent_on}"
