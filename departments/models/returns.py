"""KPI returns and SMT's sign-off of periods."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.models.indicators import PerformanceIndicator
from departments.models.organisation import Department
from departments.numbers import TEXT_LIMIT
from departments.querysets import (
    KpiReturnQuerySet,
    SignOffQuerySet,
)


class PeriodFields(models.Model):
    """A monthly, quarterly or annual period stored by key, with its dates for range queries."""

    period = models.CharField(max_length=11, help_text="Period key such as 2025-26-P06.")
    period_start = models.DateField(editable=False)
    period_end = models.DateField(editable=False)
    financial_year = models.PositiveSmallIntegerField(editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.set_period_dates()
        super().save(*args, **kwargs)

    def set_period_dates(self) -> None:
        """Fill the dates from the key; bulk inserts call this, as save() is not run."""
        period = periods.Period.parse(self.period)
        self.period_start, self.period_end = period.start, period.end
        self.financial_year = period.year


class ReturnState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    SENT_BACK = "sent_back", "Sent back"
    LOCKED = "locked", "Locked"


EDITABLE_RETURN_STATES = (ReturnState.DRAFT, ReturnState.SENT_BACK)


class ForecastConfidence(models.TextChoices):
    """How sure the officer is that the indicator will meet its annual target by the
    year end (issue 20, item 1)."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class KpiReturn(PeriodFields):
    """One department's figure for one indicator and period, and where it is in the workflow."""

    indicator = models.ForeignKey(
        PerformanceIndicator, on_delete=models.PROTECT, related_name="returns"
    )
    # The department that owed the return, kept so scope and reports stay right even if
    # the indicator later moves to another department.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="returns")
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    numerator = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    commentary = models.TextField(blank=True, max_length=TEXT_LIMIT)
    improvement_action = models.TextField(blank=True, max_length=TEXT_LIMIT)
    # The officer's year-end forecast of the indicator's year-to-date figure, rated
    # against the annual target (departments.forecasts); only for an indicator with one.
    forecast_value = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The figure expected for the whole financial year, in the indicator's unit.",
    )
    forecast_confidence = models.CharField(
        max_length=9, choices=ForecastConfidence.choices, blank=True
    )
    forecast_note = models.TextField(
        blank=True, max_length=TEXT_LIMIT, help_text="One sentence on why, with the forecast."
    )
    state = models.CharField(max_length=10, choices=ReturnState.choices, default=ReturnState.DRAFT)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every save; a save based on an older version is refused."
    )
    sent_back_reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = KpiReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "indicator__code"]
        verbose_name = "KPI return"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="return_one_per_period"),
            models.CheckConstraint(
                condition=Q(state__in=ReturnState.values), name="return_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="return_denominator_positive",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                name="return_numerator_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__isnull=False),
                name="return_numerator_and_denominator_together",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="return_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(forecast_confidence__in=["", *ForecastConfidence.values]),
                name="return_forecast_confidence_valid",
            ),
            # A forecast is its value and its confidence together, or neither.
            models.CheckConstraint(
                condition=Q(forecast_value__isnull=True, forecast_confidence="")
                | (Q(forecast_value__isnull=False) & ~Q(forecast_confidence="")),
                name="return_forecast_value_and_confidence_together",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "period"]),
            models.Index(fields=["period", "state"]),
            models.Index(fields=["indicator", "period_start"]),
            models.Index(fields=["financial_year", "department"]),
            # The returns list's order, newest period first (``ReturnViewSet.ordering``):
            # read backwards, it gives a page of the latest periods without sorting every
            # return of every year (PostgreSQL sorts each period's returns by code as it
            # goes).
            models.Index(fields=["period_start"], name="return_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}, {periods.key_in_words(self.period)}"

    @property
    def has_forecast(self) -> bool:
        return self.forecast_value is not None

    @property
    def period_obj(self) -> periods.Period:
        return periods.Period.parse(self.period)

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_RETURN_STATES

    @property
    def deadline(self):
        return self.period_obj.deadline(periods.RETURN_DEADLINE_WORKING_DAYS)


class PeriodSignOff(models.Model):
    """SMT's sign-off of a period for one department, or for the whole council.

    A reopened sign-off keeps its row (reopened_at set) so the trail shows both acts.
    """

    period = models.CharField(max_length=11)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_offs",
        help_text="Empty for a council-wide sign-off.",
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    history = HistoricalRecords()

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_off_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "department"],
                condition=Q(reopened_at__isnull=True, department__isnull=False),
                name="sign_off_one_active_per_department",
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(reopened_at__isnull=True, department__isnull=True),
                name="sign_off_one_active_per_council",
            ),
            models.CheckConstraint(
                condition=Q(reopened_at__isnull=True) | Q(reopened_at__gte=F("signed_off_at")),
                name="sign_off_reopened_after_signed",
            ),
        ]
        indexes = [models.Index(fields=["period", "department"])]

    def __str__(self) -> str:
        return f"{periods.key_in_words(self.period)}, {self.department or 'the whole council'}"
