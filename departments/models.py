"""The council, its departments, people and roles, indicators, returns and referrals.

This is the base app: it imports neither ``partnerships`` nor ``reporting``. The two
references to partnerships (a partner manager's membership scope, a referral's channel
service) are lazy string references, so the dependency stays one way in code.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.numbers import round_half_up
from departments.querysets import (
    DepartmentQuerySet,
    IndicatorQuerySet,
    KpiReturnQuerySet,
    MembershipQuerySet,
    ReferralQuerySet,
    SignOffQuerySet,
    TargetQuerySet,
)
from departments.roles import COUNCIL_WIDE_ROLES, DEPARTMENT_ROLES, Role


class Council(models.Model):
    """The one local authority a deployment serves, with its coordination weights."""

    name = models.CharField(max_length=200, unique=True)
    # Coordination index weights (DESIGN.md section 3), kept beside contract health's.
    weight_on_time = models.PositiveSmallIntegerField(default=50)
    weight_digital_share = models.PositiveSmallIntegerField(default=25)
    weight_reach = models.PositiveSmallIntegerField(default=25)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_on_time__gt=0)
                | Q(weight_digital_share__gt=0)
                | Q(weight_reach__gt=0),
                name="council_coordination_weights_not_all_zero",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=40, help_text="Short identifier used in imports and URLs.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="department_code_unique"),
            models.UniqueConstraint(fields=["council", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role and the scope it applies to.

    Officers and heads of service belong to a department; a partner manager to a
    partnership; SMT members, auditors and administrators have council-wide scope.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role__in=DEPARTMENT_ROLES, department__isnull=False, partnership__isnull=True)
                    | Q(role=Role.PARTNER, department__isnull=True, partnership__isnull=False)
                    | Q(
                        role__in=COUNCIL_WIDE_ROLES,
                        department__isnull=True,
                        partnership__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=Q(department__isnull=False),
                name="membership_department_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "partnership"],
                condition=Q(partnership__isnull=False),
                name="membership_partnership_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(department__isnull=True, partnership__isnull=True),
                name="membership_council_unique",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or self.partnership or "council"
        return f"{self.user} – {self.get_role_display()} ({scope})"

    def clean(self) -> None:
        if self.role in DEPARTMENT_ROLES and (not self.department_id or self.partnership_id):
            raise ValidationError(
                {"department": "Officers and heads of service need a department."}
            )
        if self.role == Role.PARTNER and (not self.partnership_id or self.department_id):
            raise ValidationError({"partnership": "A partner manager needs a partnership."})
        if self.role in COUNCIL_WIDE_ROLES and (self.department_id or self.partnership_id):
            raise ValidationError(
                "SMT members, auditors and administrators have council-wide scope: "
                "leave department and partnership empty."
            )


class Unit(models.TextChoices):
    PERCENT = "percent", "Percent"
    DAYS = "days", "Days"
    COUNT = "count", "Count"
    GBP = "gbp", "GBP"
    KG = "kg", "Kilograms"
    RATE = "rate", "Rate"
    SCORE = "score", "Score"


class Polarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class YearToDate(models.TextChoices):
    SUM = "sum", "Sum of periods"
    MEAN = "mean", "Mean of periods"
    LATEST = "latest", "Latest period"
    RATIO = "ratio", "Ratio of summed numerator and denominator"


class Dimension(models.TextChoices):
    ECONOMY = "economy", "Economy"
    EFFICIENCY = "efficiency", "Efficiency"
    EFFECTIVENESS = "effectiveness", "Effectiveness"


class PerformanceIndicator(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="indicators")
    code = models.CharField(
        max_length=30, help_text="Unique in the council, e.g. BV8 or LPI-HOU-03."
    )
    title = models.CharField(max_length=255)
    definition = models.TextField()
    unit = models.CharField(max_length=10, choices=Unit.choices)
    polarity = models.CharField(max_length=6, choices=Polarity.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    year_to_date = models.CharField(max_length=6, choices=YearToDate.choices)
    dimension = models.CharField(max_length=13, choices=Dimension.choices)
    statutory = models.BooleanField(default=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="indicators")
    decimal_places = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(4)])
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "performance indicator"
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=4), name="indicator_decimal_places_at_most_4"
            ),
            models.CheckConstraint(condition=Q(unit__in=Unit.values), name="indicator_unit_valid"),
            models.CheckConstraint(
                condition=Q(polarity__in=Polarity.values), name="indicator_polarity_valid"
            ),
        ]
        indexes = [models.Index(fields=["department", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_ratio(self) -> bool:
        """A ratio indicator's returns carry numerator and denominator; the value is derived."""
        return self.year_to_date == YearToDate.RATIO

    @property
    def period_kind(self) -> periods.PeriodKind:
        return periods.kind_for_frequency(self.frequency)

    @property
    def ratio_multiplier(self) -> Decimal:
        """A percentage is 100 × numerator ÷ denominator; any other ratio is the plain quotient."""
        return Decimal(100) if self.unit == Unit.PERCENT else Decimal(1)

    def derive_value(self, numerator: Decimal, denominator: Decimal) -> Decimal:
        """The value of a ratio return, rounded half-up to the indicator's places."""
        return round_half_up(numerator * self.ratio_multiplier / denominator, self.decimal_places)


class Target(models.Model):
    """The annual target of one indicator for one financial year, with its amber tolerance."""

    indicator = models.ForeignKey(
        PerformanceIndicator, on_delete=models.CASCADE, related_name="targets"
    )
    financial_year = models.PositiveSmallIntegerField(
        help_text="Calendar year in which the financial year starts: 2025 for 2025-26.",
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    annual_value = models.DecimalField(max_digits=20, decimal_places=6)
    tolerance = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Absolute amber tolerance, never negative.",
    )
    history = HistoricalRecords()

    objects = TargetQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__code", "financial_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "financial_year"], name="target_one_per_indicator_year"
            ),
            models.CheckConstraint(
                condition=Q(tolerance__gte=0), name="target_tolerance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year_key}: {self.annual_value}"

    @property
    def year_key(self) -> str:
        return periods.Period.financial_year(self.financial_year).key


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
    commentary = models.TextField(blank=True)
    improvement_action = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=ReturnState.choices, default=ReturnState.DRAFT)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every save; a save based on an older version is refused."
    )
    sent_back_reason = models.TextField(blank=True)
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
        ]
        indexes = [
            models.Index(fields=["department", "period"]),
            models.Index(fields=["period", "state"]),
            models.Index(fields=["indicator", "period_start"]),
            models.Index(fields=["financial_year", "department"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period}"

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
    reopen_reason = models.TextField(blank=True)
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
        return f"{self.period} {self.department or 'council'}"


class Channel(models.TextChoices):
    SERVICE = "service", "Partner service"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    PAPER = "paper", "Paper"


class Referral(models.Model):
    """One piece of cross-department work. No resident's personal data: category and dates.

    It belongs to the monthly period of its raised date (stored as ``period``).
    """

    from_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="referrals_received"
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
    )
    reference = models.CharField(
        max_length=64, blank=True, help_text="Identifier in the source system, for imports."
    )
    period = models.CharField(max_length=11, editable=False)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

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
        ]
        indexes = [
            models.Index(fields=["to_department", "period"]),
            models.Index(fields=["from_department", "period"]),
            models.Index(fields=["period", "channel"]),
            models.Index(fields=["service", "period"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_department} → {self.to_department} ({self.raised_on:%d %b %Y})"

    def save(self, *args, **kwargs) -> None:
        self.period = periods.period_for_date(self.raised_on).key
        super().save(*args, **kwargs)

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
