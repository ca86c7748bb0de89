"""Dependency health (DESIGN.md section 3): a department's partner services in a month,
each service's health weighted by its monthly charge. Built on the services' SLA results
(``reporting.metrics.health.service_months``), so rated on the same deadline."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from core.words import plural
from departments.periods import Period
from departments.rating import Rag
from partnerships.models import Partnership, Service
from reporting.metrics.health import (
    ServiceMonth,
    ServiceMonths,
    before_rating,
    in_contract,
    overdue_reason,
    service_months,
)
from reporting.metrics.scores import fraction_score, rag_for_score
from reporting.metrics.status import FigureState, FigureStatus, unfinished


@dataclass(frozen=True)
class DependencyHealth:
    """A department's dependency health: the charge-weighted mean of its rated services."""

    department_id: int
    period: Period
    score: Decimal | None
    services: list[tuple[Service, ServiceMonth]]
    status: FigureStatus
    # Unrounded, an exact fraction, for the lag correlation (DESIGN.md 3).
    exact: Fraction | None = None

    @property
    def rag(self) -> Rag:
        return rag_for_score(self.score)


def dependency_status(
    *, month: Period, services: list[ServiceMonth], has_score: bool, today: date
) -> FigureStatus:
    """Whether a department's dependency health is rated: as contract health, it is built
    on SLA results, so it is not rated while the month runs and provisional until their
    deadline (10 working days after month end); after it, missing results are overdue."""
    if (status := unfinished(month, today)) is not None:
        return status
    expected = sum(s.expected for s in services)
    entered = sum(s.entered for s in services)
    if not expected:
        return FigureStatus(FigureState.NOT_RATED, "It depends on no partner service with SLAs")
    if status := before_rating(
        month,
        expected=expected,
        entered=entered,
        has_score=has_score,
        today=today,
        no_score="No SLA result entered for the services it depends on",
    ):
        return status
    missing = max(expected - entered, 0)
    if missing:
        return FigureStatus(FigureState.RATED, overdue_reason(missing, expected, month))
    return FigureStatus(FigureState.RATED, f"All {plural(expected, 'SLA result')} entered")


def charge_weighted_health(
    rated: list[tuple[tuple[int, int], ServiceMonth]],
) -> Fraction | None:
    """The mean of services' health (percent) weighted by their monthly charges, as an
    exact fraction (DESIGN.md section 3, "Dependency health"); None when no service is
    rated or their charges add up to nothing.

    ``rated`` pairs each rated service's charge, as ``Decimal.as_integer_ratio()`` gives
    it (pounds as numerator and denominator), with its month. Exact, so a mean that is
    exactly a half is rounded up, never shown a hair below it (43.75 as 43.7, held to 28
    digits). Worked out over whole numbers with one division: a council's page asks it of
    every department and month, and a sum of ``Fraction`` objects, reduced by a greatest
    common divisor at each step, cost a fifth of the combined view's time.
    """
    # Each service's weighted health is charge × 100 × (2 met + minor) / (2 entered), and
    # its charge n / d: both sums are brought over the least common multiple of their
    # denominators, so only whole numbers are added.
    terms = [
        (n * 100 * (2 * month.met + month.minor), d * 2 * month.entered) for (n, d), month in rated
    ]
    charges = [ratio for ratio, _ in rated]
    if not terms:
        return None
    weighted_over = math.lcm(*(den for _, den in terms))
    charge_over = math.lcm(*(d for _, d in charges))
    charge = sum(n * (charge_over // d) for n, d in charges)
    if not charge:
        return None
    weighted = sum(num * (weighted_over // den) for num, den in terms)
    return Fraction(weighted * charge_over, weighted_over * charge)


def dependency_health(
    *,
    months: list[Period],
    department_ids: list[int] | None = None,
    today: date | None = None,
    by_service: ServiceMonths | None = None,
) -> dict[tuple[int, str], DependencyHealth]:
    """Each department's dependency health per month (four queries in all; two when
    ``by_service`` gives every partnership's service months already read by
    ``service_months`` for these months)."""
    today = today or timezone.localdate()
    services = list(
        Service.objects.select_related("partnership")
        .prefetch_related("departments")
        .order_by("name")
    )
    if by_service is None:
        by_service = service_months(partnership_ids=Partnership.objects.values("pk"), months=months)
    served: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        for department in service.departments.all():
            served[department.pk].append(service)
    # A service counts only within its partnership's contract term: outside it its SLAs
    # are due nothing, as the partnership's own contract health says. Decided once per
    # service and month, not again for each department it serves.
    in_term = {
        (s.pk, m.key): by_service[(s.pk, m.key)]
        for s in services
        for m in months
        if (s.pk, m.key) in by_service and in_contract(s.partnership, m)
    }
    wanted = department_ids if department_ids is not None else list(served)
    ratio_of = {s.pk: s.monthly_charge.as_integer_ratio() for s in services}
    # Departments that depend on the same services have the same dependency health: a
    # council's forty departments rely on a handful of sets of services, so each set's
    # months are worked out once (their rows shared, as nothing changes them).
    by_services: dict[tuple[int, ...], dict[str, tuple]] = {}
    result = {}
    for department_id in wanted:
        mine = served.get(department_id, [])
        key = tuple(s.pk for s in mine)
        if (months_of := by_services.get(key)) is None:
            months_of = by_services[key] = {
                m.key: _depending_on(mine, m, in_term, ratio_of, today) for m in months
            }
        for m in months:
            value, rows, status, mean = months_of[m.key]
            result[(department_id, m.key)] = DependencyHealth(
                department_id,
                m,
                value if status.has_figure else None,
                rows,
                status,
                mean if status.has_figure else None,
            )
    return result


def _depending_on(
    services: list[Service], month: Period, in_term: dict, ratio_of: dict, today: date
) -> tuple[Decimal | None, list, FigureStatus, Fraction | None]:
    """The dependency health, over ``services``, in ``month``: (score, the services'
    months, status, exact mean); the services of ``in_term`` only."""
    in_month = [
        (s, ratio_of[s.pk], sm)
        for s in services
        if (sm := in_term.get((s.pk, month.key))) is not None
    ]
    rows = [(s, sm) for s, _, sm in in_month]
    mean = charge_weighted_health(
        [(ratio, sm) for _, ratio, sm in in_month if sm.health is not None]
    )
    value = None if mean is None else fraction_score(mean)
    status = dependency_status(
        month=month, services=[sm for _, sm in rows], has_score=value is not None, today=today
    )
    return value, rows, status, mean
