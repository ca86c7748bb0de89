"""Reads for the records page: the services a partnership runs with the departments they
serve, and its milestones with lateness worked out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from departments.models import Department
from partnerships.models import Milestone, MilestoneState, Service


def services_with_departments(partnership_id: int) -> list[Service]:
    """The partnership's services, each with the departments it serves (two queries)."""
    return list(
        Service.objects.filter(partnership_id=partnership_id)
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
        .order_by("name")
    )


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    today: date

    @property
    def late(self) -> bool:
        """Delivered after its due date, or not delivered and past it."""
        m = self.milestone
        if m.state == MilestoneState.CANCELLED:
            return False
        if m.delivered_date:
            return m.delivered_date > m.due_date
        return m.due_date < self.today

    @property
    def days_late(self) -> int:
        m = self.milestone
        end = m.delivered_date or self.today
        return max((end - m.due_date).days, 0)


def milestone_rows(partnership_id: int, today: date | None = None) -> list[MilestoneRow]:
    today = today or timezone.localdate()
    return [
        MilestoneRow(m, today)
        for m in Milestone.objects.filter(partnership_id=partnership_id).order_by("due_date")
    ]
