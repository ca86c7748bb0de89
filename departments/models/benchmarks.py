"""Benchmarking against other councils: comparator groups and published values.

A comparator group is a named set of councils, by ONS area code, from one model year
(CIPFA nearest neighbours 2019 and 2021 differ); groups of one council that share a name
and kind form a series, and a figure is compared with the series' group in force for its
financial year. A benchmark metric is a published measure (LG Inform, the Scottish
benchmarking framework) with its polarity, optionally mapped to one of the council's
indicators; its values are by area and period, with a missing or suppressed value kept
as missing (null), never as zero.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from departments import periods
from departments.models.indicators import PerformanceIndicator, Unit
from departments.models.organisation import Council, validate_area_code
from departments.numbers import percent_problem, validate_significant_digits
from departments.roles import scope_for

AREA_CODE_HELP = "ONS area code, e.g. E08000009 (Trafford) or S12000030 (Stirling)."


class ComparatorGroupKind(models.TextChoices):
    NEAREST_NEIGHBOURS = "nearest_neighbours", "CIPFA nearest neighbours"
    FAMILY_GROUP = "family_group", "Family group"
    ALL_COUNCILS = "all_councils", "All councils"
    OTHER = "other", "Other comparison group"


class BenchmarkPolarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"
    MIDPOINT = "midpoint", "Nearest the midpoint is best"


class BenchmarkQuerySet(models.QuerySet):
    """Benchmarking data is published and council-wide: whoever sees departments' figures
    (officers, heads, SMT, auditors, administrators) sees it; a partner manager alone,
    who sees nothing of departments' indicators, does not."""

    def visible_to(self, user):
        return self.all() if scope_for(user).sees_departments else self.none()


class ComparatorGroup(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="comparator_groups")
    name = models.CharField(
        max_length=120, help_text="Groups with the same name and kind are one series."
    )
    kind = models.CharField(max_length=20, choices=ComparatorGroupKind.choices)
    model_year = models.PositiveSmallIntegerField(
        help_text=(
            "Financial year from which this group applies (2021 for the CIPFA 2021 model: "
            "used for 2021-22 onwards, until a later model of the same series)."
        ),
    )
    history = HistoricalRecords()

    objects = BenchmarkQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-model_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "name", "kind", "model_year"],
                name="comparator_group_one_per_model_year",
            ),
            models.CheckConstraint(
                condition=Q(model_year__gte=periods.MIN_YEAR, model_year__lte=periods.MAX_YEAR),
                name="comparator_group_model_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_year} model)"

    def series(self) -> models.QuerySet[ComparatorGroup]:
        """Every model year of this group's series (same council, name and kind)."""
        return ComparatorGroup.objects.filter(
            council_id=self.council_id, name=self.name, kind=self.kind
        )


class ComparatorMember(models.Model):
    group = models.ForeignKey(ComparatorGroup, on_delete=models.CASCADE, related_name="members")
    area_code = models.CharField(
        max_length=9, help_text=AREA_CODE_HELP, validators=[validate_area_code]
    )
    area_name = models.CharField(max_length=120)
    history = HistoricalRecords()

    class Meta:
        ordering = ["area_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "area_code"], name="comparator_member_once_per_group"
            ),
            models.CheckConstraint(
                condition=~Q(area_code=""), name="comparator_member_area_code_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_name} ({self.area_code})"


# The most places a metric's figures are shown to.
MAX_METRIC_PLACES = 4


class BenchmarkMetric(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="benchmark_metrics")
    code = models.CharField(max_length=40, help_text="The publisher's code, e.g. CORP 09.")
    title = models.CharField(max_length=255)
    indicator = models.ForeignKey(
        PerformanceIndicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="benchmark_metrics",
        help_text="The council's own indicator this metric is compared for, if any.",
    )
    polarity = models.CharField(max_length=8, choices=BenchmarkPolarity.choices)
    midpoint = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_significant_digits],
        help_text="For 'nearest the midpoint is best' only: the value that is best.",
    )
    unit = models.CharField(
        max_length=8,
        choices=Unit.choices,
        blank=True,
        # Publishers' files rarely say; a percentage is then checked as one (0 to 100),
        # and a spreadsheet cell formatted as a percentage is read as the figure shown.
        help_text="What the figures measure; blank when not stated (taken from the "
        "indicator it is compared for, when there is one).",
    )
    decimal_places = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(MAX_METRIC_PLACES)],
        # An import of values raises it to the most places they are published with.
        help_text="Places figures are shown to (they are worked out exactly).",
    )
    history = HistoricalRecords()

    objects = BenchmarkQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "code"], name="benchmark_metric_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(polarity__in=BenchmarkPolarity.values),
                name="benchmark_metric_polarity_valid",
            ),
            models.CheckConstraint(
                # A midpoint exactly when the polarity uses one.
                condition=Q(polarity=BenchmarkPolarity.MIDPOINT, midpoint__isnull=False)
                | (~Q(polarity=BenchmarkPolarity.MIDPOINT) & Q(midpoint__isnull=True)),
                name="benchmark_metric_midpoint_with_its_polarity",
            ),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=MAX_METRIC_PLACES),
                name="benchmark_metric_places_at_most_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        """A midpoint is given exactly when the polarity is "nearest the midpoint"."""
        if self.polarity == BenchmarkPolarity.MIDPOINT and self.midpoint is None:
            raise ValidationError({"midpoint": "Enter the midpoint: nearest it is best."})
        if self.polarity != BenchmarkPolarity.MIDPOINT and self.midpoint is not None:
            raise ValidationError(
                {"midpoint": "Leave the midpoint empty unless nearest the midpoint is best."}
            )
        if self.indicator_id and self.council_id and self.indicator.council_id != self.council_id:
            raise ValidationError({"indicator": "Choose one of this council's indicators."})
        if self.indicator_id and self.unit and self.unit != self.indicator.unit:
            raise ValidationError(
                {
                    "unit": f"The unit must be {self.indicator.get_unit_display().lower()}, "
                    f"as indicator {self.indicator.code}'s, or left blank"
                }
            )
        if self.unit == Unit.PERCENT and self.midpoint is not None:
            problem = percent_problem(self.midpoint, label="The midpoint")
            if problem:
                raise ValidationError({"midpoint": problem})
        if self.pk and self.unit == Unit.PERCENT:
            # Values stored before the metric was a percentage were not checked as one:
            # here, so that the import and the admin both refuse the change.
            beyond = self.values.exclude(value__isnull=True).exclude(value__range=(0, 100))
            if first := beyond.order_by("period", "area_name").first():
                raise ValidationError(
                    {
                        "unit": f"{self.code} cannot be a percentage: {first.area_name}'s "
                        f"{first.period} value {first.value.normalize():f} is outside 0 to 100"
                    }
                )

    @property
    def is_percent(self) -> bool:
        """Whether the figures are percentages (0 to 100)."""
        return self.unit == Unit.PERCENT


class BenchmarkValue(models.Model):
    """One published figure: a metric's value for one area and period.

    ``value`` is null when the publisher gives none (blank, suppressed, not collected);
    ``note`` keeps what the file said instead (for example "suppressed" or "[c]").
    """

    metric = models.ForeignKey(BenchmarkMetric, on_delete=models.CASCADE, related_name="values")
    area_code = models.CharField(
        max_length=9, help_text=AREA_CODE_HELP, validators=[validate_area_code]
    )
    area_name = models.CharField(max_length=120)
    period = models.CharField(max_length=11, help_text="Period key such as 2021-22 or 2022-23-Q1.")
    value = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[validate_significant_digits],
    )
    note = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    objects = BenchmarkQuerySet.as_manager()

    class Meta:
        ordering = ["metric", "period", "area_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "area_code", "period"], name="benchmark_value_one_per_area"
            ),
            models.CheckConstraint(
                condition=~Q(area_code=""), name="benchmark_value_area_code_given"
            ),
        ]
        indexes = [models.Index(fields=["metric", "period"])]

    def __str__(self) -> str:
        shown = "missing" if self.value is None else f"{self.value.normalize():f}"
        return f"{self.metric.code} {self.area_name} {self.period}: {shown}"

    def clean(self) -> None:
        """A percentage metric's figure lies between 0 and 100 (the one rule of
        ``percent_problem``, as for returns and SLA results)."""
        if self.value is not None and self.metric_id and self.metric.is_percent:
            problem = percent_problem(self.value, label="The value")
            if problem:
                raise ValidationError({"value": problem})
