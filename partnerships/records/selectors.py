"""Reads for the records page: the services a partnership runs with the departments they
serve, its milestones with lateness worked out, and which escalations and risks are open
at a month's end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q
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


# "Open at a month's end" (DESIGN.md section 3, contract health's escalations and risks),
# once in SQL for lists and once in Python for counting a partnership's few records.


def open_at_end_of(month) -> Q:
    """Escalations or risks raised by the month's last day and not resolved by then."""
    return Q(raised_on__lte=month.end) & (
        Q(resolved_on__isnull=True) | Q(resolved_on__gt=month.end)
    )


def is_open_at_end_of(month, *, raised_on: date, resolved_on: date | None) -> bool:
    """``open_at_end_of`` for one record's dates."""
    return raised_on <= month.end and (resolved_on is None or resolved_on > month.end)
