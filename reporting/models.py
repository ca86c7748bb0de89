"""Reporting's own records: early warnings raised by the daily evaluation.

Reporting reads the other apps' data and writes only records of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from departments.roles import scope_for


class WarningRule(models.TextChoices):
    FALLING_TOGETHER = "falling_together", "Coordination and contract health both falling"
    SERVICE_RED = "service_red", "A service a department depends on red two months running"
    STATUTORY_RED = "statutory_red", "A statutory indicator red three periods running"
    MISSING_RETURNS = "missing_returns", "Returns missing past their deadline"


class EarlyWarningQuerySet(models.QuerySet):
    def visible_to(self, user) -> EarlyWarningQuerySet:
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        return self.filter(
            Q(department__in=scope.department_ids) | Q(partnership__in=scope.partnership_ids)
        )

    def open(self) -> EarlyWarningQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class EarlyWarning(models.Model):
    """One warning per rule, subject and starting period, with the evidence behind it."""

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
    acknowledgement_note = models.TextField(blank=True)

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
