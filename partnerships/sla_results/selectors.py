"""Reads of the partnership side, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from departments import periods
from partnerships.models import Sla, SlaResult
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
    def value_anchor(self) -> str:
        """The id of the row's result input: where its errors point."""
        return f"value-{self.sla.pk}"

    @property
    def commentary_anchor(self) -> str:
        return f"commentary-{self.sla.pk}"

    @property
    def awaiting_verification(self) -> bool:
        return self.result is not None and self.result.verification == "unverified"

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


def month_rows(*, slas: QuerySet[Sla], results: QuerySet[SlaResult]) -> list[SlaMonthRow]:
    """Each SLA of ``slas``, by service name and code, with its result among ``results``
    (one month's: at most one an SLA) or none (two queries). The SLA results page gives
    them filtered as /api/v1/slas/ and /api/v1/sla-results/ filter them."""
    slas = list(slas.select_related("service").order_by("service__name", "code"))
    results = {
        r.sla_id: r
        for r in results.filter(sla__in=slas).select_related("entered_by", "verified_by")
    }
    rows = []
    for sla in slas:
        result = results.get(sla.pk)
        outcome = sla_outcome(sla, result)
        rows.append(SlaMonthRow(sla, result, outcome, sla_credit(sla, outcome)))
    return rows


def results_of_month(user, *, partnership_id: int, period: periods.Period, ids) -> list[SlaResult]:
    """The results among ``ids`` that ``user`` may see, of one partnership and month, by
    SLA code (one query): what a bulk verification is about to verify."""
    return list(
        SlaResult.objects.visible_to(user)
        .select_related("sla")
        .filter(pk__in=ids, period=period.key, sla__service__partnership_id=partnership_id)
        .order_by("sla__code")
    )
