"""The council's ICT partner, the partnership contract, its services, SLAs and records."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.models import Council, Department, PeriodFields, Polarity
from departments.numbers import TEXT_LIMIT, percent_problem, round_money
from partnerships.querysets import (
    PartnerQuerySet,
    PartnershipQuerySet,
    PartnershipRecordQuerySet,
    ServiceQuerySet,
    SlaQuerySet,
    SlaResultQuerySet,
)

PERCENT_UNIT = "percent"
# How people write "percent" in an SLA's unit: each is stored as "percent", so the 0-100
# rule for percentages cannot be stepped round by spelling ("%", "Percent").
_PERCENT_SPELLINGS = {"percent", "percentage", "per cent", "%", "pct", "percent (%)"}


def normalised_unit(unit: str) -> str:
    """An SLA unit as stored: any spelling of percent is "percent"; others stripped."""
    text = " ".join((unit or "").split())
    return PERCENT_UNIT if text.lower() in _PERCENT_SPELLINGS else text


PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _percent_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}), name=name
    )


class Partner(models.Model):
    name = models.CharField(max_length=200, unique=True)
    company_number = models.CharField(max_length=20, blank=True)
    history = HistoricalRecords()

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Contract health components and their default weights (DESIGN.md section 3).
DEFAULT_HEALTH_WEIGHTS = {
    "weight_sla": 40,
    "weight_credits": 20,
    "weight_milestones": 15,
    "weight_escalations": 15,
    "weight_timely": 10,
}


# Section 52(1) of the Procurement Act 2023: KPIs for a contract worth more than this (GBP).
SECTION_52_THRESHOLD = Decimal("5000000.00")


class Partnership(models.Model):
    """A Strategic Service Partnership contract between the council and a partner."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="partnerships")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="partnerships")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField()
    annual_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Annual contract value in GBP.",
    )
    # What a Contract Performance Notice needs (Procurement Act 2023; Procurement
    # Regulations 2024, regulation 39(4)). Blank until an administrator records them.
    procurement_title = models.CharField(max_length=300, blank=True)
    procurement_identifier = models.CharField(
        max_length=100, blank=True, help_text="The unique identifier of the procurement."
    )
    contract_identifier = models.CharField(
        max_length=100, blank=True, help_text="The unique identifier of the public contract."
    )
    supplier_identifier = models.CharField(
        max_length=100, blank=True, help_text="The supplier's unique identifier."
    )
    supplier_postal_address = models.TextField(blank=True, max_length=1000)
    supplier_email = models.EmailField(blank=True)
    authority_identifier = models.CharField(
        max_length=100, blank=True, help_text="The council's unique identifier."
    )
    authority_postal_address = models.TextField(blank=True, max_length=1000)
    authority_email = models.EmailField(blank=True)
    estimated_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Estimated value of the whole contract in GBP; when blank, the annual "
        "value times the contract term.",
    )
    section_52_exemption = models.TextField(
        blank=True,
        max_length=TEXT_LIMIT,
        help_text="The exemption from section 52 claimed for this contract, if any.",
    )
    weight_sla = models.PositiveSmallIntegerField(default=DEFAULT_HEALTH_WEIGHTS["weight_sla"])
    weight_credits = models.PositiveSmallIntegerField(
        default=DEFAULT_HEALTH_WEIGHTS["weight_credits"]
    )
    weight_milestones = models.PositiveSmallIntegerField(
        default=DEFAULT_HEALTH_WEIGHTS["weight_milestones"]
    )
    weight_escalations = models.PositiveSmallIntegerField(
        default=DEFAULT_HEALTH_WEIGHTS["weight_escalations"]
    )
    weight_timely = models.PositiveSmallIntegerField(
        default=DEFAULT_HEALTH_WEIGHTS["weight_timely"]
    )
    history = HistoricalRecords()

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="partnership_name_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="partnership_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0), name="partnership_value_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="partnership_estimated_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weight_sla__gt=0)
                | Q(weight_credits__gt=0)
                | Q(weight_milestones__gt=0)
                | Q(weight_escalations__gt=0)
                | Q(weight_timely__gt=0),
                name="partnership_weights_not_all_zero",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "The contract must end after it starts."})
        if not any(getattr(self, name) for name in DEFAULT_HEALTH_WEIGHTS):
            raise ValidationError("At least one contract health weight must be above zero.")

    @property
    def contract_value(self) -> Decimal:
        """The contract's estimated value in GBP: as recorded, else the annual value times
        the term in whole months (from the month of the start to that of the end) ÷ 12,
        rounded half-up to the penny."""
        if self.estimated_value is not None:
            return self.estimated_value
        months = len(
            periods.periods_between(
                periods.period_for_date(self.start_date), periods.period_for_date(self.end_date)
            )
        )
        return round_money(self.annual_value * months / 12)

    @property
    def section_52_applies(self) -> bool:
        """Section 52 of the Procurement Act 2023: a contract worth more than £5 million
        must have at least three KPIs, unless an exemption is claimed (and recorded)."""
        return self.contract_value > SECTION_52_THRESHOLD and not self.section_52_exemption.strip()

    @property
    def health_weights(self) -> dict[str, int]:
        return {
            name.removeprefix("weight_"): getattr(self, name) for name in DEFAULT_HEALTH_WEIGHTS
        }


class Service(models.Model):
    """A service in the partnership's scope, with its monthly charge and credit cap."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    monthly_charge = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Monthly charge in GBP.",
    )
    credit_cap_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=PERCENT_VALIDATORS,
        help_text="Service credits in one month are capped at this share of the charge.",
    )
    departments = models.ManyToManyField(Department, related_name="services", blank=True)
    history = HistoricalRecords(m2m_fields=[departments])

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "code"], name="service_code_unique"),
            models.CheckConstraint(
                condition=Q(monthly_charge__gte=0), name="service_charge_not_negative"
            ),
            _percent_constraint("credit_cap_percent", "service_cap_percent_in_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Sla(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="slas")
    code = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, default=PERCENT_UNIT)
    polarity = models.CharField(max_length=6, choices=Polarity.choices)
    expected_level = models.DecimalField(max_digits=14, decimal_places=4)
    minimum_level = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        help_text="Worse than this is a serious failure; it lies on the worse side of expected.",
    )
    credit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=PERCENT_VALIDATORS,
        help_text="A serious failure earns this share of the service's monthly charge.",
    )
    history = HistoricalRecords()

    objects = SlaQuerySet.as_manager()

    class Meta:
        ordering = ["service__name", "code"]
        verbose_name = "SLA"
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="sla_code_unique"),
            models.CheckConstraint(
                condition=Q(polarity__in=Polarity.values), name="sla_polarity_valid"
            ),
            models.CheckConstraint(
                condition=Q(polarity=Polarity.HIGHER, minimum_level__lte=F("expected_level"))
                | Q(polarity=Polarity.LOWER, minimum_level__gte=F("expected_level")),
                name="sla_minimum_on_worse_side_of_expected",
            ),
            _percent_constraint("credit_percent", "sla_credit_percent_in_range"),
            models.CheckConstraint(
                condition=~Q(unit=PERCENT_UNIT)
                | (
                    Q(expected_level__gte=0, expected_level__lte=100)
                    & Q(minimum_level__gte=0, minimum_level__lte=100)
                ),
                name="sla_percent_levels_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.unit = normalised_unit(self.unit)
        super().save(*args, **kwargs)

    @property
    def is_percent(self) -> bool:
        """A percent-unit SLA: its levels and results lie between 0 and 100."""
        return normalised_unit(self.unit) == PERCENT_UNIT

    def clean(self) -> None:
        if self.expected_level is None or self.minimum_level is None:
            return
        if self.is_percent:
            errors = {
                name: problem
                for name, label in (
                    ("expected_level", "The expected level"),
                    ("minimum_level", "The minimum level"),
                )
                if (problem := percent_problem(getattr(self, name), label=label))
            }
            if errors:
                raise ValidationError(errors)
        if self.polarity == Polarity.HIGHER and self.minimum_level > self.expected_level:
            raise ValidationError(
                {
                    "minimum_level": "For a higher-is-better SLA the minimum level cannot be "
                    "above the expected level."
                }
            )
        if self.polarity == Polarity.LOWER and self.minimum_level < self.expected_level:
            raise ValidationError(
                {
                    "minimum_level": "For a lower-is-better SLA the minimum level cannot be "
                    "below the expected level."
                }
            )


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", "Awaiting verification"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"
    RESOLVED = "resolved", "Dispute resolved"


class SlaResult(PeriodFields):
    """One month's result of one SLA, as the partner reported it and as SMT verified it.

    The figure in force is the agreed value once a dispute is resolved with one, otherwise
    the partner's reported value (DESIGN.md section 3).
    """

    sla = models.ForeignKey(Sla, on_delete=models.PROTECT, related_name="results")
    reported_value = models.DecimalField(max_digits=14, decimal_places=4)
    agreed_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    commentary = models.TextField(blank=True, max_length=TEXT_LIMIT)
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    dispute_reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    resolution_reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = SlaResultQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "sla__code"]
        verbose_name = "SLA result"
        constraints = [
            models.UniqueConstraint(fields=["sla", "period"], name="sla_result_one_per_month"),
            models.CheckConstraint(
                condition=Q(verification__in=Verification.values),
                name="sla_result_verification_valid",
            ),
            models.CheckConstraint(
                condition=Q(agreed_value__isnull=True) | Q(verification=Verification.RESOLVED),
                name="sla_result_agreed_value_only_when_resolved",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "sla"]),
            models.Index(fields=["sla", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.sla.code}, {periods.key_in_words(self.period)}"

    def clean(self) -> None:
        if self.agreed_value is not None and self.verification != Verification.RESOLVED:
            raise ValidationError(
                {"agreed_value": "An agreed figure is recorded only when a dispute is resolved."}
            )

    @property
    def value_in_force(self) -> Decimal:
        return self.agreed_value if self.agreed_value is not None else self.reported_value

    @property
    def deadline(self):
        return periods.Period.parse(self.period).deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)


class MilestoneState(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class Milestone(models.Model):
    """A contract deliverable with its due date and, once delivered, the delivery date."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_LIMIT)
    owner = models.CharField(max_length=120)
    due_date = models.DateField()
    delivered_date = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=12, choices=MilestoneState.choices, default=MilestoneState.PLANNED
    )
    history = HistoricalRecords()

    objects = PartnershipRecordQuerySet.as_manager()

    class Meta:
        ordering = ["due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=MilestoneState.DELIVERED, delivered_date__isnull=False)
                | (~Q(state=MilestoneState.DELIVERED) & Q(delivered_date__isnull=True)),
                name="milestone_delivered_date_iff_delivered",
            ),
        ]
        indexes = [models.Index(fields=["partnership", "due_date"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.state == MilestoneState.DELIVERED and not self.delivered_date:
            raise ValidationError({"delivered_date": "Give the date the milestone was delivered."})
        if self.state != MilestoneState.DELIVERED and self.delivered_date:
            raise ValidationError({"state": "A milestone with a delivery date is delivered."})


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RecordState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class _RaisedRecord(models.Model):
    """What escalations and risks share: raised, owned, due, and resolved with a note."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_LIMIT)
    owner = models.CharField(max_length=120)
    raised_on = models.DateField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=RecordState.choices, default=RecordState.OPEN)
    resolved_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True, max_length=TEXT_LIMIT)

    objects = PartnershipRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.resolved_on and self.raised_on and self.resolved_on < self.raised_on:
            raise ValidationError(
                {"resolved_on": "The resolved date cannot be before the raised date."}
            )
        if self.state == RecordState.RESOLVED and not self.resolved_on:
            raise ValidationError({"resolved_on": "Give the date it was resolved."})
        if self.state == RecordState.OPEN and self.resolved_on:
            raise ValidationError(
                {"state": "It has a resolved date, so mark it resolved (or clear the date)."}
            )


def _raised_record_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
            name=f"{prefix}_resolved_not_before_raised",
        ),
        models.CheckConstraint(
            condition=Q(state=RecordState.OPEN, resolved_on__isnull=True)
            | Q(state=RecordState.RESOLVED, resolved_on__isnull=False),
            name=f"{prefix}_resolved_date_iff_resolved",
        ),
    ]


class Escalation(_RaisedRecord):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="escalations"
    )
    severity = models.CharField(max_length=6, choices=Severity.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_on"]
        constraints = [
            *_raised_record_constraints("escalation"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="escalation_severity_valid"
            ),
        ]
        indexes = [models.Index(fields=["partnership", "state", "raised_on"])]

    def __str__(self) -> str:
        return self.title


# A risk whose likelihood × impact reaches this counts against contract health.
HIGH_RISK_SCORE = 15

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(_RaisedRecord):
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="risks")
    likelihood = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    impact = models.PositiveSmallIntegerField(validators=SCORE_VALIDATORS)
    mitigation = models.TextField(blank=True, max_length=TEXT_LIMIT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-raised_on"]
        constraints = [
            *_raised_record_constraints("risk"),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["partnership", "state", "raised_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        """Likelihood × impact, 1 to 25; HIGH_RISK_SCORE or more counts against health."""
        return self.likelihood * self.impact

    @property
    def is_high(self) -> bool:
        return self.score >= HIGH_RISK_SCORE


# The contract KPIs, assessments and ratings live with their capability; imported here so
# that Django finds them among the app's models.
from partnerships.contracts.models import (  # noqa: E402, F401
    Assessment,
    ContractKpi,
    KpiRating,
    PerformanceNotice,
    RectificationPlan,
)
from partnerships.sla_results.models import SlaServiceMonth  # noqa: E402, F401
