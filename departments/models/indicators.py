"""Performance indicators, their targets, and the choices that describe them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.models.organisation import Council, Department
from departments.numbers import (
    TEXT_LIMIT,
    percent_problem,
    round_half_up,
    validate_significant_digits,
)
from departments.querysets import (
    IndicatorQuerySet,
    TargetQuerySet,
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
    definition = models.TextField(max_length=TEXT_LIMIT)
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
    annual_value = models.DecimalField(
        max_digits=20, decimal_places=6, validators=[validate_significant_digits]
    )
    tolerance = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), validate_significant_digits],
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

    def clean(self) -> None:
        """A percent-unit indicator's target is a percentage: 0 to 100 (DESIGN.md 3)."""
        if self.annual_value is None or not self.indicator_id:
            return
        if self.indicator.unit == Unit.PERCENT:
            problem = percent_problem(self.annual_value, label="The annual target")
            if problem:
                raise ValidationError({"annual_value": problem})
