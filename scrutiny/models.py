"""Scrutiny by elected members (issue 20, items 2 and 3): committees, the periods and
indicators put to them, and members' questions and comments with the officers' written
answers.

A ``ScrutinyItem`` is about an indicator, a department's month or the partnership. It is
routed to the owning department's heads of service (an indicator's department; the
department itself) or to the SMT (the partnership), who answer it in writing; the member
who asked closes it. Open, answered and closed, each with its date; overdue when still
open past ``SCRUTINY_ANSWER_WORKING_DAYS`` working days (``due_on``). Every change is
kept by django-simple-history, with who and why, for the audit trail.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from departments.models import Department, PerformanceIndicator
from departments.numbers import TEXT_LIMIT
from departments.periods import key_in_words
from partnerships.models import Partnership
from scrutiny.querysets import AgendaItemQuerySet, CommitteeQuerySet, ScrutinyItemQuerySet

# The longest question or answer, in characters: a committee paper's paragraph or two.
ITEM_TEXT_LIMIT = 4_000


class ScrutinyCommittee(models.Model):
    """A named scrutiny committee of elected members."""

    name = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="scrutiny_committees", blank=True
    )
    history = HistoricalRecords(m2m_fields=[members])

    objects = CommitteeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    """A month, and optionally an indicator, put to a committee for a meeting."""

    committee = models.ForeignKey(
        ScrutinyCommittee, on_delete=models.CASCADE, related_name="agenda"
    )
    meeting_on = models.DateField(help_text="The date of the committee's meeting.")
    period = models.CharField(max_length=11, help_text="A month key such as 2026-27-P06.")
    indicator = models.ForeignKey(
        PerformanceIndicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting_on", "period", "pk"]
        # Once per meeting: a month with one indicator, and the whole month (no
        # indicator). A unique constraint over a nullable column lets any number of
        # rows with NULL through, so the whole month has a constraint of its own (a
        # partial index, on SQLite as on PostgreSQL).
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "meeting_on", "period", "indicator"],
                name="agenda_item_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["committee", "meeting_on", "period"],
                condition=Q(indicator__isnull=True),
                name="agenda_month_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee}: {self.period}"

    @property
    def period_in_words(self) -> str:
        return key_in_words(self.period)


class Subject(models.TextChoices):
    INDICATOR = "indicator", "An indicator"
    DEPARTMENT = "department", "A department's month"
    PARTNERSHIP = "partnership", "The partnership"


class ItemKind(models.TextChoices):
    QUESTION = "question", "Question"
    COMMENT = "comment", "Comment"


class ItemState(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class ScrutinyItem(models.Model):
    """One member's question or comment and its written answer."""

    committee = models.ForeignKey(
        ScrutinyCommittee, on_delete=models.PROTECT, null=True, blank=True, related_name="items"
    )
    subject = models.CharField(max_length=12, choices=Subject.choices)
    indicator = models.ForeignKey(
        PerformanceIndicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scrutiny_items",
    )
    # The department that answers: the indicator's (when asked) or the one asked about;
    # empty for the partnership, which the SMT answers.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.CharField(max_length=11, help_text="The month asked about (2026-27-P06).")
    kind = models.CharField(max_length=8, choices=ItemKind.choices, default=ItemKind.QUESTION)
    text = models.TextField(max_length=ITEM_TEXT_LIMIT)
    state = models.CharField(max_length=8, choices=ItemState.choices, default=ItemState.OPEN)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scrutiny_asked"
    )
    asked_at = models.DateTimeField()
    due_on = models.DateField(help_text="The answer is overdue after this London date.")
    answer = models.TextField(blank=True, max_length=TEXT_LIMIT)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = ScrutinyItemQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="scrutiny_item_subject_matches",
                condition=(
                    Q(subject="indicator", indicator__isnull=False, department__isnull=False)
                    | Q(subject="department", indicator__isnull=True, department__isnull=False)
                    | Q(
                        subject="partnership",
                        indicator__isnull=True,
                        department__isnull=True,
                        partnership__isnull=False,
                    )
                ),
            ),
            models.CheckConstraint(
                name="scrutiny_item_answered_has_answer",
                condition=Q(state="open") | Q(answered_at__isnull=False),
            ),
            models.CheckConstraint(
                name="scrutiny_item_closed_has_date",
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.about}"

    @property
    def about(self) -> str:
        """What the item is about, in words."""
        month = key_in_words(self.period)
        if self.subject == Subject.INDICATOR:
            return f"{self.indicator.code} {self.indicator.title}, {month}"
        if self.subject == Subject.DEPARTMENT:
            return f"{self.department.name}, {month}"
        return f"{self.partnership.name}, {month}"

    def is_overdue(self, today: date) -> bool:
        """Still open after its due date (``today`` a London date)."""
        return self.state == ItemState.OPEN and today > self.due_on
