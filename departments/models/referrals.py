"""Cross-department referrals: the raw record of coordination."""

from __future__ import annotations

import functools
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.models.organisation import Department
from departments.querysets import (
    ReferralQuerySet,
)


class Channel(models.TextChoices):
    SERVICE = "service", "Partner service"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    PAPER = "paper", "Paper"


def derived_fields(
    raised_on: date, agreed_days: int, resolved_on: date | None
) -> tuple[str, date, int | None]:
    """What a referral derives from its dates: the key of its month (the period of the
    raised date, ``2025-26-P06``), its due date (raised + agreed calendar days) and the
    calendar days from raised to resolved (None while open). Dates are London dates."""
    return (
        _month_key(raised_on.year, raised_on.month),
        raised_on + timedelta(days=agreed_days),
        (resolved_on - raised_on).days if resolved_on else None,
    )


@functools.cache
def _month_key(year: int, calendar_month: int) -> str:
    # A month's key is the same for each of its days; cached, since an import or the demo
    # seed asks it for every referral and building the Period costs more than the rest
    # (at most 12 keys a year).
    return periods.period_for_date(date(year, calendar_month, 1)).key


class Referral(models.Model):
    """One piece of cross-department work. No resident's personal data: category and dates.

    It belongs to the monthly period of its raised date (stored as ``period``).
    """

    # No index of their own on the three foreign keys: each leads an index below (with
    # the period, and with the lists' order), which serves its lookups and PROTECT's
    # checks as well, and every index is one more write per referral stored (an import
    # of 100,000 spent most of its time in them). The history rows keep theirs.
    from_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals_sent", db_index=False
    )
    to_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals_received", db_index=False
    )
    category = models.CharField(max_length=80)
    raised_on = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    agreed_days = models.PositiveSmallIntegerField(
        help_text="Agreed response time in calendar days.", validators=[MinValueValidator(1)]
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    service = models.ForeignKey(
        "partnerships.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The partner service the referral travelled through, when channel is a service.",
        db_index=False,
    )
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="Identifier in the source system, for imports; unique when given.",
    )
    period = models.CharField(max_length=11, editable=False)
    # Derived on every write so coordination metrics can be computed in SQL the same way
    # on SQLite and PostgreSQL (date arithmetic differs between them).
    due_on = models.DateField(editable=False, help_text="Raised date + agreed days.")
    resolution_days = models.IntegerField(
        null=True, blank=True, editable=False, help_text="Calendar days from raised to resolved."
    )
    # Not indexed either: only deleting a user looks referrals up by who raised them (one
    # scan then, against a write of this index for every referral stored).
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_department=F("to_department")),
                name="referral_between_different_departments",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="referral_resolved_not_before_raised",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(acknowledged_on__gte=F("raised_on")),
                name="referral_acknowledged_not_before_raised",
            ),
            models.CheckConstraint(
                condition=Q(agreed_days__gte=1), name="referral_agreed_days_positive"
            ),
            models.CheckConstraint(
                condition=Q(channel=Channel.SERVICE, service__isnull=False)
                | (~Q(channel=Channel.SERVICE) & Q(service__isnull=True)),
                name="referral_service_matches_channel",
            ),
            # The source system's reference identifies a referral within the council
            # (DESIGN.md section 3, "Coordination"), so a re-import finds it instead of
            # adding it again. Referrals raised in the product have none.
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="referral_reference_unique",
                violation_error_message="Another referral already has this reference.",
            ),
        ]
        indexes = [
            # A month's referrals by receiving or sending department, council-wide (and by
            # channel), and by service. The coordination figures read the monthly
            # summaries, not these (nor a due-date index, gone with them).
            models.Index(fields=["to_department", "period"]),
            models.Index(fields=["from_department", "period"]),
            models.Index(fields=["period", "channel"]),
            models.Index(fields=["service", "period"]),
            # The lists' two orders, read a page at a time from a million referrals: the
            # API's latest raised first, and the pages' open first (selectors.open_first),
            # council-wide and for a department's received and sent referrals. PostgreSQL
            # puts nulls first in a descending index, as "open first" asks; SQLite cannot
            # say NULLS FIRST in an index, and sorts instead.
            models.Index(fields=["-raised_on", "-id"], name="referral_latest_first_idx"),
            models.Index(fields=["-resolved_on", "due_on", "-id"], name="referral_open_first_idx"),
            models.Index(
                fields=["to_department", "-resolved_on", "due_on", "-id"],
                name="referral_received_open_idx",
            ),
            models.Index(
                fields=["from_department", "-resolved_on", "due_on", "-id"],
                name="referral_sent_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_department} → {self.to_department} ({self.raised_on:%d %b %Y})"

    def save(self, *args, **kwargs) -> None:
        self.set_derived_fields()
        super().save(*args, **kwargs)

    @property
    def days_open(self) -> int:
        """Calendar days from raised to resolved, or to today (Europe/London) while open."""
        from django.utils import timezone

        return ((self.resolved_on or timezone.localdate()) - self.raised_on).days

    def set_derived_fields(self) -> None:
        """Period, due date and days to resolve; bulk inserts call this, as save() is not run."""
        self.period, self.due_on, self.resolution_days = derived_fields(
            self.raised_on, self.agreed_days, self.resolved_on
        )

    def clean(self) -> None:
        errors = {}
        if self.from_department_id and self.from_department_id == self.to_department_id:
            errors["to_department"] = "A department cannot refer work to itself."
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            errors["resolved_on"] = "The resolved date cannot be before the raised date."
        if self.acknowledged_on and self.raised_on and self.acknowledged_on < self.raised_on:
            errors["acknowledged_on"] = "The acknowledged date cannot be before the raised date."
        if self.channel == Channel.SERVICE and not self.service_id:
            errors["service"] = "Name the partner service the referral travelled through."
        if self.channel != Channel.SERVICE and self.service_id:
            errors["service"] = "Only a referral through a partner service names a service."
        if errors:
            raise ValidationError(errors)
