"""Reads of the departments app. Callers pass what the user's scope allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from departments import periods
from departments.models import Department, KpiReturn, PerformanceIndicator, ReturnState


@dataclass(frozen=True)
class ReturnDue:
    """One return a department owes for the latest closed period of its indicator's kind."""

    indicator: PerformanceIndicator
    period: periods.Period
    deadline: date
    kpi_return: KpiReturn | None

    @property
    def state_label(self) -> str:
        if self.kpi_return is not None:
            return self.kpi_return.get_state_display()
        return "Not started"

    @property
    def overdue(self) -> bool:
        """Past its deadline without a submission: a draft does not count (DESIGN.md)."""
        submitted = self.kpi_return is not None and self.kpi_return.state != ReturnState.DRAFT
        return not submitted and self.deadline < timezone.localdate()


def returns_due(
    *, department_ids: set[int] | frozenset[int], today: date | None = None
) -> list[ReturnDue]:
    """The returns the departments owe for the most recent closed period of each frequency.

    Two queries whatever the number of indicators: the indicators, then their returns.
    """
    indicators = list(
        PerformanceIndicator.objects.active()
        .filter(department__in=department_ids)
        .select_related("department")
        .order_by("department__name", "code")
    )
    latest = {kind: periods.latest_closed(kind, today) for kind in periods.PeriodKind}
    wanted = Q()
    for indicator in indicators:
        wanted |= Q(indicator=indicator, period=latest[indicator.period_kind].key)
    found = {}
    if indicators:
        found = {(r.indicator_id, r.period): r for r in KpiReturn.objects.filter(wanted)}
    rows = []
    for indicator in indicators:
        period = latest[indicator.period_kind]
        rows.append(
            ReturnDue(indicator, period, period.deadline(), found.get((indicator.pk, period.key)))
        )
    return rows


def awaiting_approval_by_department(department_queryset) -> list[tuple[Department, int]]:
    """Submitted returns waiting for approval, per department (one query)."""
    departments = department_queryset.annotate(
        waiting=Count("returns", filter=Q(returns__state=ReturnState.SUBMITTED))
    ).order_by("-waiting", "name")
    return [(department, department.waiting) for department in departments]
