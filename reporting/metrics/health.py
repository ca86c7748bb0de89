"""Service credits, service health and contract health (DESIGN.md section 3).

Each function counts in SQL (one grouped query per table) and returns small
dataclasses; the pages, the API and the exports all call these. Arithmetic on the
counts (credits, shares, scores) is done here in ``Decimal``, never in SQL: SQLite
divides whole numbers as integers and reads sums back through floats, so the same data
would give different pence or scores on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from django.db.models import (
    Count,
    F,
)
from django.utils import timezone

from departments.periods import Period
from departments.rating import Rag
from partnerships.models import (
    HIGH_RISK_SCORE,
    Escalation,
    Milestone,
    Partnership,
    Risk,
    Service,
    SlaServiceMonth,
)
from partnerships.outcomes import (
    NO_CREDIT,
    credit_cap,
    sla_results_deadline,
)
from partnerships.records.selectors import is_open_at_end_of
from reporting.metrics.scores import (
    Component,
    fraction_score,
    rag_for_score,
    share_fraction,
    weighted_exact,
)
from reporting.metrics.status import (
    FigureState,
    FigureStatus,
    in_words,
    joined,
    month_in_words,
    plural,
    unfinished,
)


def before_rating(
    month: Period, *, expected: int, entered: int, has_score: bool, today: date, no_score: str
) -> FigureStatus | None:
    """The part of the SLA-results rule that contract health and dependency health share:
    with no figure the month is not rated (saying what is awaited while the deadline has
    not passed, ``no_score`` after it); with one, it is provisional until the deadline.
    None once the deadline has passed with a figure: the caller words the rated status."""
    deadline = sla_results_deadline(month)
    awaited = f"SLA results due {in_words(deadline)}: {entered} of {expected} entered"
    if not has_score:
        return FigureStatus(FigureState.NOT_RATED, awaited if today <= deadline else no_score)
    if today <= deadline:
        return FigureStatus(FigureState.PROVISIONAL, awaited)
    return None


def overdue_reason(missing: int, expected: int, month: Period) -> str:
    deadline = in_words(sla_results_deadline(month))
    return f"{missing} of {plural(expected, 'SLA result')} overdue since {deadline}"


def sla_performance(met: int, minor: int, entered: int) -> Fraction | None:
    """100 × (met + ½ × minor) ÷ results entered, as an exact fraction; None without a
    result (DESIGN.md section 3: a service's health, and the SLA performance component of
    contract health, alike). ``dependency.charge_weighted_health`` spells the same share in
    whole numbers, for its one division over many services."""
    return share_fraction(Fraction(2 * met + minor, 2), entered)


@dataclass(frozen=True)
class ServiceMonth:
    """One service's SLA results in one month, its credits and its health."""

    service_id: int
    partnership_id: int
    period: Period
    expected: int  # SLAs of the service: results due
    entered: int
    met: int
    minor: int
    serious: int
    on_time: int
    credits_uncapped: Decimal  # the sum of the SLAs' credits, each rounded to the penny
    monthly_charge: Decimal
    cap_percent: Decimal

    @property
    def missing(self) -> int:
        return max(self.expected - self.entered, 0)

    @property
    def cap(self) -> Decimal:
        return credit_cap(monthly_charge=self.monthly_charge, cap_percent=self.cap_percent)

    @property
    def credits(self) -> Decimal:
        """The month's credits in GBP (two decimal places): the sum of the SLAs' rounded
        credits, capped at the service's cap percentage of its charge."""
        return min(self.credits_uncapped, self.cap)

    @property
    def capped(self) -> bool:
        return self.credits_uncapped > self.cap

    # Worked out once: dependency health reads each service's month for every department
    # the service serves.
    @cached_property
    def health(self) -> Decimal | None:
        """100 × (met + ½ × minor) ÷ results entered, to one decimal place; None without
        results."""
        exact = self.health_fraction
        return None if exact is None else fraction_score(exact)

    @cached_property
    def health_fraction(self) -> Fraction | None:
        """``health`` unrounded, an exact fraction (``sla_performance``)."""
        return sla_performance(self.met, self.minor, self.entered)

    @property
    def rag(self) -> Rag:
        return rag_for_score(self.health)

    @property
    def credit_rule(self) -> str:
        if self.credits_uncapped == 0:
            return "No serious failure: no credit"
        if self.capped:
            return (
                f"Serious failures earned £{self.credits_uncapped:,.2f}, "
                f"capped at {self.cap_percent.normalize():f}% of the £{self.monthly_charge:,.2f} "
                f"charge = £{self.cap:,.2f}"
            )
        return (
            f"{plural(self.serious, 'serious failure')}: "
            f"£{self.credits:,.2f} (under the £{self.cap:,.2f} cap)"
        )


# Service months keyed (service id, period key), as ``service_months`` gives them.
ServiceMonths = dict[tuple[int, str], ServiceMonth]


def service_months(*, partnership_ids, months: list[Period]) -> ServiceMonths:
    """Every service of the partnerships in every month, keyed (service id, period key).

    Two queries whatever the number of SLAs, results and months: the services with their
    SLA counts, then their monthly summaries (``SlaServiceMonth``, one row per service and
    month with a result, kept equal to the results by
    ``partnerships.sla_results.summaries``, whose ``count_service_months`` is the one
    computation from the results: outcomes counted in SQL, each SLA's credit rounded to
    the penny in ``Decimal`` before the month adds them up, so SQLite gives the same pence
    as PostgreSQL; DESIGN.md section 3, "SLA").
    """
    # Ordered explicitly: a model's default ordering is dropped from a grouped query, and
    # the database's own order of the groups differs from one query plan to the next.
    services = list(
        Service.objects.filter(partnership__in=partnership_ids)
        .annotate(sla_count=Count("slas"))
        .order_by("name", "pk")
    )
    found = (
        {
            (row.service_id, row.period): row
            for row in SlaServiceMonth.objects.filter(
                service__in=[s.pk for s in services], period__in=[m.key for m in months]
            )
        }
        if services and months
        else {}
    )
    result = {}
    for service in services:
        for month in months:
            row = found.get((service.pk, month.key))
            result[(service.pk, month.key)] = ServiceMonth(
                service_id=service.pk,
                partnership_id=service.partnership_id,
                period=month,
                expected=service.sla_count,
                entered=0 if row is None else row.entered,
                met=0 if row is None else row.met,
                minor=0 if row is None else row.minor,
                serious=0 if row is None else row.serious,
                on_time=0 if row is None else row.on_time,
                credits_uncapped=NO_CREDIT if row is None else row.credits_uncapped,
                monthly_charge=service.monthly_charge,
                cap_percent=service.credit_cap_percent,
            )
    return result


@dataclass(frozen=True)
class ContractHealth:
    """A partnership's contract health in one month (DESIGN.md section 3).

    ``exact`` is the weighted mean of the components as an exact fraction, for figures
    built from it (council partner health, the annual mean, the lag correlation);
    ``score`` is it rounded half-up once to one place, for display.
    Both are None when the month has no figure: it has not ended, or it lies outside the
    contract term (``status`` says which). ``components`` are worked out in every case,
    so a page can still show what the records held.
    """

    partnership_id: int
    period: Period
    exact: Fraction | None
    status: FigureStatus
    components: list[Component]
    credits: Decimal
    services: list[ServiceMonth] = field(default_factory=list)

    @property
    def score(self) -> Decimal | None:
        return None if self.exact is None else fraction_score(self.exact)

    @property
    def rag(self) -> Rag:
        return rag_for_score(self.score)


def in_contract(partnership: Partnership, month: Period) -> bool:
    """Whether ``month`` falls within the partnership's contract term: at least one of its
    days lies between the start and end dates (both inclusive), so the month a contract
    starts or ends in is rated."""
    return month.start <= partnership.end_date and partnership.start_date <= month.end


def contract_health_status(
    *,
    partnership: Partnership,
    month: Period,
    expected: int,
    entered: int,
    on_time: int,
    has_score: bool,
    today: date,
) -> FigureStatus:
    """The one rule for whether a partnership's month is rated (DESIGN.md section 3,
    "Which months are rated"), in this order:

    - not rated while the month has not ended (by ``today``, Europe/London);
    - outside the contract when no day of the month is in the contract term;
    - provisional until the SLA results deadline (10 working days after month end) has
      passed, saying how many of the ``expected`` results (one per SLA) are ``entered``
      (a contract without SLAs awaits nothing, so is rated at once);
    - rated after it, naming the results still missing as overdue and those entered
      after the deadline (``entered`` - ``on_time``), as the timely-reporting component
      counts them; not rated when no component has data (``has_score`` false).
    """
    if (status := unfinished(month, today)) is not None:
        return status
    if not in_contract(partnership, month):
        return FigureStatus(
            FigureState.OUTSIDE_CONTRACT,
            f"{month_in_words(month)} is outside the contract term "
            f"({in_words(partnership.start_date)} to {in_words(partnership.end_date)})",
        )
    no_data = "No component of contract health has data"
    if not expected:
        # No SLA, so no result is awaited: the month is judged on what the records hold.
        if not has_score:
            return FigureStatus(FigureState.NOT_RATED, no_data)
        return FigureStatus(FigureState.RATED, "No SLA results are due: the contract has no SLAs")
    if status := before_rating(
        month,
        expected=expected,
        entered=entered,
        has_score=has_score,
        today=today,
        no_score=no_data,
    ):
        return status
    missing = max(expected - entered, 0)
    late = max(entered - on_time, 0)
    if not missing and not late:
        return FigureStatus(
            FigureState.RATED, f"All {plural(expected, 'SLA result')} entered by the deadline"
        )
    return FigureStatus(
        FigureState.RATED,
        joined(
            [
                overdue_reason(missing, expected, month) if missing else "",
                f"{plural(late, 'SLA result')} entered after the deadline" if late else "",
            ]
        ),
    )


def _twelve_months_before(month: Period) -> date:
    """The last day before the 12-month window that ends with ``month``: the end of the
    same month a year earlier (so February is right in leap years)."""
    return month.same_period_last_year().end


# A partnership has tens of milestones, escalations and risks, not thousands: they are
# read once and counted per month here, where 24 months of conditional counts in SQL
# cost more to compile than the rows cost to read.


def _milestone_counts(partnership: Partnership, months: list[Period]) -> dict[str, dict]:
    """Per month: milestones due in the twelve months up to its end, and how many of them
    were delivered by their due date."""
    rows = list(
        Milestone.objects.filter(partnership=partnership).values_list("due_date", "delivered_date")
    )
    counts = {}
    for m in months:
        after, end = _twelve_months_before(m), m.end  # once per month, not per milestone
        due = [(due_date, delivered) for due_date, delivered in rows if after < due_date <= end]
        kept = sum(1 for due_date, delivered in due if delivered and delivered <= due_date)
        counts[m.key] = {"due": len(due), "kept": kept}
    return counts


def _escalation_counts(partnership: Partnership, months: list[Period]) -> dict[str, dict]:
    """Per month: high and medium escalations, and risks scoring ``HIGH_RISK_SCORE`` or
    more (likelihood × impact), open at the month's end."""
    escalations = list(
        Escalation.objects.filter(partnership=partnership).values_list(
            "raised_on", "resolved_on", "severity"
        )
    )
    risks = list(
        Risk.objects.filter(partnership=partnership)
        .annotate(score=F("likelihood") * F("impact"))
        .filter(score__gte=HIGH_RISK_SCORE)
        .values_list("raised_on", "resolved_on")
    )
    counts = {}
    for m in months:
        open_now = [
            severity
            for raised, resolved, severity in escalations
            if is_open_at_end_of(m, raised_on=raised, resolved_on=resolved)
        ]
        counts[m.key] = {
            "high": open_now.count("high"),
            "medium": open_now.count("medium"),
            "risks": sum(
                1
                for raised, resolved in risks
                if is_open_at_end_of(m, raised_on=raised, resolved_on=resolved)
            ),
        }
    return counts


def contract_health_series(
    *,
    partnership: Partnership,
    months: list[Period],
    today: date | None = None,
    by_service: ServiceMonths | None = None,
) -> list[ContractHealth]:
    """Contract health of one partnership for each month (five queries in all; four when
    ``by_service`` gives its services' months already read by ``service_months`` for these
    months, for this partnership or more, as a page showing several figures reads them
    once)."""
    today = today or timezone.localdate()
    if by_service is None:
        by_service = service_months(partnership_ids=[partnership.pk], months=months)
    # Each month's services in the order ``service_months`` gives them.
    of_month: dict[str, list[ServiceMonth]] = defaultdict(list)
    for month in by_service.values():
        if month.partnership_id == partnership.pk:
            of_month[month.period.key].append(month)
    milestones = _milestone_counts(partnership, months)
    records = _escalation_counts(partnership, months)
    weights = partnership.health_weights
    return [
        _health_of_month(
            partnership, m, of_month[m.key], milestones[m.key], records[m.key], weights, today
        )
        for m in months
    ]


def _health_of_month(
    partnership,
    m: Period,
    services: list[ServiceMonth],
    milestones: dict,
    records: dict,
    weights: dict[str, int],
    today: date,
) -> ContractHealth:
    entered = sum(s.entered for s in services)
    met = sum(s.met for s in services)
    minor = sum(s.minor for s in services)
    credits = sum((s.credits for s in services), NO_CREDIT)
    capacity = sum((s.cap for s in services), NO_CREDIT)
    expected = sum(s.expected for s in services)
    on_time = sum(s.on_time for s in services)
    deadline_passed = today > sla_results_deadline(m)
    # Before the deadline only what is entered can be judged; after it, every SLA counts.
    timely_total = expected if deadline_passed else entered
    open_penalty = 20 * records["high"] + 10 * records["medium"] + 20 * records["risks"]
    components = [
        Component(
            "sla",
            "SLA performance",
            sla_performance(met, minor, entered),
            weights["sla"],
            f"{met} met, {minor} minor failures, {entered - met - minor} serious "
            f"failures of {entered} results entered",
        ),
        Component(
            "credits",
            "Service credits",
            share_fraction(capacity - credits, capacity) if entered else None,
            weights["credits"],
            f"£{credits:,.2f} credits of £{capacity:,.2f} possible at the caps",
        ),
        Component(
            "milestones",
            "Milestones",
            share_fraction(milestones["kept"], milestones["due"]),
            weights["milestones"],
            f"{milestones['kept']} of {milestones['due']} milestones due in the last "
            "12 months delivered by their due date",
        ),
        Component(
            "escalations",
            "Escalations and risks",
            Fraction(max(0, 100 - open_penalty)),
            weights["escalations"],
            f"{plural(records['high'], 'high escalation')}, "
            f"{plural(records['medium'], 'medium escalation')} and "
            f"{plural(records['risks'], 'risk')} scoring {HIGH_RISK_SCORE} or more open at "
            "month end",
        ),
        Component(
            "timely",
            "Timely reporting",
            share_fraction(on_time, timely_total),
            weights["timely"],
            f"{on_time} of {timely_total} results entered by the deadline",
        ),
    ]
    value, shared = weighted_exact(components)
    status = contract_health_status(
        partnership=partnership,
        month=m,
        expected=expected,
        entered=entered,
        on_time=on_time,
        has_score=value is not None,
        today=today,
    )
    # A month that has not ended, or lies outside the contract, has no figure at all.
    exact = value if status.has_figure else None
    return ContractHealth(partnership.pk, m, exact, status, shared, credits, services)


def contract_health(
    *, partnership: Partnership, period: Period, today: date | None = None
) -> ContractHealth:
    return contract_health_series(partnership=partnership, months=[period], today=today)[0]


def trailing_months(last: Period, count: int = 24) -> list[Period]:
    months = [last]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


def credits_year_to_date(*, partnership: Partnership, period: Period) -> dict[int, Decimal]:
    """Each service's capped credits from April up to and including ``period``."""
    months = period.periods_to_date()
    totals: dict[int, Decimal] = defaultdict(lambda: NO_CREDIT)
    for (service_id, _), month in service_months(
        partnership_ids=[partnership.pk], months=months
    ).items():
        totals[service_id] += month.credits
    return dict(totals)
