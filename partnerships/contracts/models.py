"""Contract KPIs (section 52 of the Procurement Act 2023), their assessments and the
rating of each KPI in an assessment. Imported by ``partnerships.models`` so that Django
finds them in the partnerships app; they name Partnership and Sla by lazy reference, so
this module does not import that one back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from departments.numbers import TEXT_LIMIT
from departments.periods import date_in_words
from departments.roles import scope_for
from partnerships.contracts.ratings import DEFAULT_THRESHOLDS, Rating, Thresholds
from partnerships.querysets import _PartnershipOwnedQuerySet

# Section 52(1): at least this many KPIs for a contract the section applies to.
SECTION_52_MINIMUM_KPIS = 3
# Section 71(5): a notice under section 71(4) is published within 30 days.
PUBLICATION_DAYS = 30


def _threshold(name: str, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_THRESHOLDS[name],
        # Its range (0 to 100) is checked once, with the order of the thresholds, by
        # Thresholds.problem through clean(): a field validator gave a second message.
        help_text=help_text,
    )


class KpiMeasure(models.TextChoices):
    SLAS = "slas", "Service levels (one or more SLAs)"
    MILESTONES = "milestones", "Milestones delivered on time"
    CONTRACT_HEALTH = "contract_health", "Contract health (monthly score)"


# What defines a contract KPI, in the order the KPI page, the admin and the API list it:
# one list, so a field added to the definition is offered and shown everywhere at once.
# Each place adds what its context needs around it: the partnership (fixed on the KPI
# page), the API's thresholds in words, and whether the KPI is in use.
KPI_DEFINITION_FIELDS = (
    "title",
    "description",
    "measure",
    "slas",
    "linked_to_payment",
    "good_from",
    "approaching_from",
    "improvement_from",
    "serious_share_inadequate",
)


class ContractKpiQuerySet(_PartnershipOwnedQuerySet):
    """A contract's KPIs: seen by those who see the contract (not departments)."""


class ContractKpi(models.Model):
    """One of the contract's section-52 KPIs, built from SLAs or from its milestones."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="contract_kpis"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=TEXT_LIMIT)
    measure = models.CharField(max_length=20, choices=KpiMeasure.choices)
    slas = models.ManyToManyField("partnerships.Sla", related_name="contract_kpis", blank=True)
    linked_to_payment = models.BooleanField(
        default=False, help_text="Whether payment under the contract depends on this KPI."
    )
    good_from = _threshold("good_from", "Good at or above this score.")
    approaching_from = _threshold("approaching_from", "Approaching target at or above this.")
    improvement_from = _threshold(
        "improvement_from", "Requires improvement at or above this; Inadequate below."
    )
    serious_share_inadequate = _threshold(
        "serious_share_inadequate",
        "Inadequate when serious failures fall in this share of months or more (0: never).",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords(m2m_fields=[slas])

    objects = ContractKpiQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "title"]
        verbose_name = "contract KPI"
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "title"], name="contract_kpi_title_unique"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=KpiMeasure.values), name="contract_kpi_measure_valid"
            ),
            models.CheckConstraint(
                condition=Q(good_from__lte=100)
                & Q(approaching_from__lte=F("good_from"))
                & Q(improvement_from__lte=F("approaching_from"))
                & Q(improvement_from__gte=0)
                & Q(serious_share_inadequate__gte=0)
                & Q(serious_share_inadequate__lte=100),
                name="contract_kpi_thresholds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds.of(self)

    def clean(self) -> None:
        if errors := self.thresholds.problem():
            raise ValidationError(errors)


class AssessmentKind(models.TextChoices):
    ANNIVERSARY = "anniversary", "12 months to an anniversary of the contract start"
    TERMINATION = "termination", "Period to termination"
    AD_HOC = "ad_hoc", "Ad hoc period"


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class AssessmentQuerySet(_PartnershipOwnedQuerySet):
    def visible_to(self, user):
        """Council-wide roles see every assessment; the partner manager only approved
        ones (never a draft); departments none."""
        rows = super().visible_to(user)
        if scope_for(user).council_wide:
            return rows
        return rows.filter(state=AssessmentState.APPROVED)


class Assessment(models.Model):
    """The council's assessment of the supplier's performance against the contract's KPIs
    over one period (section 71(2)); approved, it locks and gives the notice."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(max_length=12, choices=AssessmentKind.choices)
    period_start = models.DateField(help_text="First day the assessment covers.")
    period_end = models.DateField(help_text="Last day the assessment covers.")
    state = models.CharField(
        max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    proposed_on = models.DateField(
        null=True, blank=True, help_text="The day the evidence was last read (London)."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The regulation 39(4) details of the contract as they stood at approval, so a later
    # edit of the partnership's details never changes a notice already published.
    notice_details = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "-period_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="assessment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AssessmentKind.values), name="assessment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=AssessmentState.DRAFT)
                | Q(state=AssessmentState.APPROVED, approved_at__isnull=False),
                name="assessment_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.period_start:%d %B %Y} to {self.period_end:%d %B %Y}"

    @property
    def is_approved(self) -> bool:
        return self.state == AssessmentState.APPROVED


class KpiRatingQuerySet(_PartnershipOwnedQuerySet):
    partnership_lookup = "assessment__partnership"

    def visible_to(self, user):
        return self.filter(assessment__in=Assessment.objects.visible_to(user))


class KpiRating(models.Model):
    """One KPI's rating in one assessment: what the evidence proposed, with the evidence
    as it stood, and the SMT's rating with its reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    kpi = models.ForeignKey(ContractKpi, on_delete=models.PROTECT, related_name="ratings")
    proposed_rating = models.CharField(max_length=24, choices=Rating.choices, blank=True)
    score = models.DecimalField(
        max_digits=7, decimal_places=4, null=True, blank=True, help_text="0 to 100, exact."
    )
    serious_share = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # The evidence as it stood when proposed: summary figures and the table of its rows,
    # so an approved assessment reads the same whatever is entered later.
    evidence = models.JSONField(default=dict, blank=True)
    rating = models.CharField(max_length=24, choices=Rating.choices, blank=True)
    reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The evidence is a snapshot read again with each proposal: the trail keeps the
    # proposal, the score and the SMT's rating and reason, not the whole table each time.
    history = HistoricalRecords(excluded_fields=["evidence"])

    objects = KpiRatingQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "kpi__title"]
        verbose_name = "KPI rating"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kpi"], name="kpi_rating_once"),
            models.CheckConstraint(
                condition=Q(rating="") | Q(rating__in=Rating.values),
                name="kpi_rating_rating_valid",
            ),
            models.CheckConstraint(
                condition=~Q(rating=Rating.OTHER) | ~Q(reason=""),
                name="kpi_rating_other_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.get_rating_display() or 'not rated'}"

    @property
    def evidence_summary(self) -> list[tuple[str, str]]:
        """The evidence's summary as (name, figure) in the order it was written, on
        either database (``Evidence.as_json`` keeps the order beside the figures)."""
        summary = self.evidence.get("summary", {})
        order = self.evidence.get("summary_order") or list(summary)
        return [(name, summary[name]) for name in order if name in summary]


class PlanState(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    FAILED = "failed", "Failed"


class RectificationPlanQuerySet(_PartnershipOwnedQuerySet):
    """The partnership's plans: council-wide roles and the partner's manager."""


class RectificationPlan(models.Model):
    """What the partner must do, by when, to put right an SLA in serious failure or a KPI
    rated Requires improvement or Inadequate: the "proper opportunity to improve" of
    section 71(4) of the Procurement Act 2023."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="rectification_plans"
    )
    kpi_rating = models.ForeignKey(
        KpiRating, on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    sla = models.ForeignKey(
        "partnerships.Sla", on_delete=models.PROTECT, null=True, blank=True, related_name="plans"
    )
    action = models.TextField(max_length=TEXT_LIMIT, help_text="What the partner must do.")
    owner = models.CharField(max_length=120)
    due_date = models.DateField()
    progress = models.TextField(blank=True, max_length=TEXT_LIMIT)
    state = models.CharField(max_length=8, choices=PlanState.choices, default=PlanState.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = RectificationPlanQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kpi_rating__isnull=False) | Q(sla__isnull=False),
                name="rectification_plan_answers_a_kpi_or_sla",
            ),
            models.CheckConstraint(
                condition=Q(state=PlanState.OPEN, closed_on__isnull=True)
                | (~Q(state=PlanState.OPEN) & Q(closed_on__isnull=False)),
                name="rectification_plan_closed_on_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Rectification plan due {date_in_words(self.due_date)}"


class NoticeKind(models.TextChoices):
    """The two notices of section 71(4) of the Procurement Act 2023."""

    BREACH = "breach", "Breach of contract (section 71(4)(a))"
    POOR_PERFORMANCE = "poor_performance", "Failure to perform to satisfaction (section 71(4)(b))"


class ActionTaken(models.TextChoices):
    """What followed: for a breach, termination, damages or a settlement (section
    71(4)(a)); for poor performance, the action the authority took."""

    TERMINATION = "termination", "The contract was terminated (in whole or in part)"
    DAMAGES = "damages", "Damages were awarded"
    SETTLEMENT = "settlement", "A settlement agreement was entered into"
    OTHER = "other", "Other action"


class PerformanceNoticeQuerySet(_PartnershipOwnedQuerySet):
    def visible_to(self, user):
        """Council-wide roles see every notice; the partner's manager only approved ones
        (a draft is the council's own); departments none."""
        rows = super().visible_to(user)
        if scope_for(user).council_wide:
            return rows
        return rows.filter(state=AssessmentState.APPROVED)


class PerformanceNotice(models.Model):
    """The record behind a notice under section 71(4) of the Procurement Act 2023: a
    breach with termination, damages or a settlement as a result, or a failure to perform
    to the authority's satisfaction after a proper opportunity to improve (a rectification
    plan overdue or failed). Published within 30 days of ``occurred_on`` (section 71(5));
    the SMT records and approves it, and its approval locks it."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="performance_notices"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    what_happened = models.TextField(max_length=TEXT_LIMIT)
    occurred_on = models.DateField(
        help_text="The day of the breach's consequence, or of the failure to perform."
    )
    action_taken = models.CharField(max_length=12, choices=ActionTaken.choices)
    action_details = models.TextField(blank=True, max_length=TEXT_LIMIT)
    damages = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Damages in GBP, when damages were awarded.",
    )
    plan = models.ForeignKey(
        RectificationPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        help_text="The rectification plan the supplier was given (poor performance).",
    )
    state = models.CharField(
        max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The contract's details as they stood at approval (as an assessment keeps them).
    notice_details = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = PerformanceNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "-occurred_on", "-pk"]
        verbose_name = "breach or poor-performance notice"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="performance_notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(action_taken__in=ActionTaken.values),
                name="performance_notice_action_valid",
            ),
            # Section 71(4)(a): a breach qualifies only by termination, damages or a
            # settlement; "other" is for poor performance.
            models.CheckConstraint(
                condition=~Q(kind=NoticeKind.BREACH, action_taken=ActionTaken.OTHER),
                name="performance_notice_breach_action",
            ),
            models.CheckConstraint(
                condition=Q(damages__isnull=True) | Q(action_taken=ActionTaken.DAMAGES),
                name="performance_notice_damages_only_when_awarded",
            ),
            models.CheckConstraint(
                condition=Q(state=AssessmentState.DRAFT)
                | Q(state=AssessmentState.APPROVED, approved_at__isnull=False),
                name="performance_notice_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {date_in_words(self.occurred_on)}"

    @property
    def is_approved(self) -> bool:
        return self.state == AssessmentState.APPROVED

    @property
    def publish_by(self) -> date:
        """The last day to publish the notice: 30 days after ``occurred_on``."""
        return self.occurred_on + timedelta(days=PUBLICATION_DAYS)
