"""Council partner health (DESIGN.md section 3, "Contract health"; issue 15, point 6).

Where the council has several partnerships, council-level partner health is the mean of
their exact contract health weighted by annual contract value, the partnerships outside
their contract term that month left out, rounded once. Its status (rated, provisional,
not rated, outside the contract) is decided here, from the partnerships' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from departments.periods import Period
from departments.rating import Rag
from partnerships.models import Partnership
from reporting.metrics.health import (
    ContractHealth,
    ServiceMonths,
    contract_health_series,
    service_months,
)
from reporting.metrics.scores import fraction_score, rag_for_score
from reporting.metrics.status import (
    FigureState,
    FigureStatus,
    joined,
    month_in_words,
    unfinished,
)


@dataclass(frozen=True)
class CouncilPartnerHealth:
    """Council-level partner health in one month (DESIGN.md section 3, "Contract health").

    ``exact`` is the mean of the counted partnerships' exact contract health weighted by
    annual contract value, an exact fraction; ``score`` rounds it half-up once, to one
    place (a mean exactly half-way is rounded up, whatever the contracts' values).
    ``partnerships`` holds every partnership's month, those left out (outside their
    contract term) included, so a page can say which counted.
    """

    period: Period
    exact: Fraction | None
    status: FigureStatus
    partnerships: list[tuple[Partnership, ContractHealth]]

    @property
    def score(self) -> Decimal | None:
        return None if self.exact is None else fraction_score(self.exact)

    @property
    def rag(self) -> Rag:
        return rag_for_score(self.score)

    @property
    def counted(self) -> list[tuple[Partnership, ContractHealth]]:
        """The partnerships whose contract health went into the mean."""
        return [(p, h) for p, h in self.partnerships if _counts(p, h)]


def _counts(partnership: Partnership, health: ContractHealth) -> bool:
    # Rated or provisional, with a figure; a contract of no value has no weight.
    return health.status.has_figure and health.exact is not None and partnership.annual_value > 0


def council_partner_health(
    *, months: list[Period], today: date | None = None, by_service: ServiceMonths | None = None
) -> list[CouncilPartnerHealth]:
    """Council-level partner health per month: the exact contract health of the
    partnerships within their contract term that month, mean weighted by annual contract
    value, rounded once (DESIGN.md section 3). Five queries per partnership.

    Its status: not rated while the month has not ended; outside the contract when no
    partnership's term covers the month; provisional when any partnership counted is
    provisional (with what each awaits); rated otherwise (with what is overdue). The
    partnerships left out are named in the reason.
    """
    today = today or timezone.localdate()
    partnerships = list(Partnership.objects.order_by("pk"))
    if by_service is None:
        by_service = service_months(partnership_ids=[p.pk for p in partnerships], months=months)
    series = {
        partnership.pk: contract_health_series(
            partnership=partnership, months=months, today=today, by_service=by_service
        )
        for partnership in partnerships
    }
    return [
        _council_month(month, [(p, series[p.pk][index]) for p in partnerships], today)
        for index, month in enumerate(months)
    ]


def _council_month(
    month: Period, healths: list[tuple[Partnership, ContractHealth]], today: date
) -> CouncilPartnerHealth:
    # In fractions throughout: a Decimal value converts exactly, and nothing is cut to 28
    # digits before the one rounding.
    counted = [(p, h) for p, h in healths if _counts(p, h)]
    total = sum((Fraction(p.annual_value) for p, _ in counted), Fraction(0))
    exact = (
        sum((Fraction(p.annual_value) * h.exact for p, h in counted), Fraction(0)) / total
        if counted
        else None
    )
    status = _council_status(month, healths, counted, today)
    return CouncilPartnerHealth(month, exact, status, healths)


def _council_status(
    month: Period,
    healths: list[tuple[Partnership, ContractHealth]],
    counted: list[tuple[Partnership, ContractHealth]],
    today: date,
) -> FigureStatus:
    if (status := unfinished(month, today)) is not None:
        return status

    # With several partnerships each reason names its partnership.
    def named(partnership: Partnership, reason: str) -> str:
        return f"{partnership.name}: {reason}" if len(healths) > 1 else reason

    if healths and all(h.status.outside_contract for _, h in healths):
        return FigureStatus(
            FigureState.OUTSIDE_CONTRACT,
            f"No partnership's contract term covers {month_in_words(month)}",
        )
    left_out = [
        f"{p.name} left out: outside its contract term"
        if h.status.outside_contract
        else f"{p.name} left out: no annual contract value to weight it by"
        for p, h in healths
        if not _counts(p, h) and (h.status.outside_contract or h.status.has_figure)
    ]
    if not counted:
        return FigureStatus(
            FigureState.NOT_RATED,
            joined(
                [f"No partnership has a contract health figure for {month_in_words(month)}"]
                + [
                    named(p, h.status.reason)
                    for p, h in healths
                    if not (h.status.has_figure or h.status.outside_contract)
                ]
                + left_out
            ),
        )
    awaited = [(p, h) for p, h in counted if h.status.provisional]
    if awaited:
        return FigureStatus(
            FigureState.PROVISIONAL,
            joined([named(p, h.status.reason) for p, h in awaited] + left_out),
        )
    return FigureStatus(
        FigureState.RATED, joined([named(p, h.status.reason) for p, h in counted] + left_out)
    )
