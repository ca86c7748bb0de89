"""Reads of the partnership side, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from departments import periods
from departments.models import Department
from partnerships.models import Milestone, MilestoneState, Service, Sla, SlaResult
from partnerships.outcomes import Outcome, sla_credit, sla_outcome


@dataclass(frozen=True)
class SlaMonthRow:
    """One SLA in one month: its result (if any), outcome and the credit it earned (GBP,
    two decimal places, before the service's cap; see ``credit_earned``)."""

    sla: Sla
    result: SlaResult | None
    outcome: Outcome
    credit: Decimal

    @property
    def value(self) -> Decimal | None:
        return self.result.value_in_force if self.result else None

    @property
    def disputed(self) -> bool:
        return self.result is not None and self.result.verification == "disputed"

    @property
    def credit_rule(self) -> str:
        if self.outcome == Outcome.MISSING:
            return "No result: no credit (counts against timely reporting)"
        if self.outcome != Outcome.SERIOUS:
            return f"{self.outcome.label}: no credit"
        charge = self.sla.service.monthly_charge
        return (
            f"Serious failure: {self.sla.credit_percent.normalize():f}% of the "
            f"£{charge:,.2f} monthly charge = £{self.credit:,.2f} (before the service cap)"
        )


def sla_month_rows(*, partnership_id: int, period: periods.Period) -> list[SlaMonthRow]:
    """Every SLA of the partnership with its result for ``period`` (two queries)."""
    slas = list(
        Sla.objects.filter(service__partnership_id=partnership_id)
        .select_related("service")
        .order_by("service__name", "code")
    )
    results = {
        r.sla_id: r
        for r in SlaResult.objects.filter(sla__in=slas, period=period.key).select_related(
            "entered_by", "verified_by"
        )
    }
    rows = []
    for sla in slas:
        result = results.get(sla.pk)
        outcome = sla_outcome(sla, result)
        rows.append(SlaMonthRow(sla, result, outcome, sla_credit(sla, outcome)))
    return rows


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
