"""Which indicators are published to residents, in residents' words."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from departments.models import PerformanceIndicator
from departments.numbers import TEXT_LIMIT

TITLE_LIMIT = 120


class Theme(models.TextChoices):
    """What residents look for, not how the council is organised: the portal groups the
    published indicators by theme, and by department within it."""

    HOMES = "homes", "Homes and housing"
    ENVIRONMENT = "environment", "Bins, recycling and the environment"
    MONEY = "money", "Council tax, benefits and money"
    PLANNING = "planning", "Planning, roads and transport"
    COMMUNITY = "community", "Community safety and wellbeing"
    COUNCIL = "council", "How the council is run"


class PublishedIndicatorQuerySet(models.QuerySet):
    def published(self) -> PublishedIndicatorQuerySet:
        """Published and not withdrawn (whether any figure is yet public is the selector's
        business: ``publication.selectors``)."""
        return self.filter(withdrawn_at__isnull=True, indicator__is_active=True)


class PublishedIndicator(models.Model):
    """The SMT's choice to publish one indicator, with its title and description written
    for residents. Withdrawing keeps the row (``withdrawn_at`` set) so the audit trail
    shows both acts; publishing it again clears it."""

    indicator = models.OneToOneField(
        PerformanceIndicator, on_delete=models.PROTECT, related_name="publication"
    )
    public_title = models.CharField(
        max_length=TITLE_LIMIT, help_text="Plain English, as a resident would ask it."
    )
    public_description = models.TextField(max_length=TEXT_LIMIT)
    theme = models.CharField(max_length=12, choices=Theme.choices)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.TextField(blank=True, max_length=TEXT_LIMIT)
    history = HistoricalRecords()

    objects = PublishedIndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["theme", "public_title"]
        verbose_name = "published indicator"
        constraints = [
            models.CheckConstraint(
                condition=Q(theme__in=Theme.values), name="published_indicator_theme_valid"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True)
                | Q(withdrawn_at__gte=models.F("published_at")),
                name="published_indicator_withdrawn_after_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.public_title}"

    @property
    def is_published(self) -> bool:
        return self.withdrawn_at is None
