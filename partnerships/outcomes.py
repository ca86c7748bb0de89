"""An SLA result's outcome, as SQL expressions and as plain Python, and the credits it earns.

Met at or better than the expected level, a minor failure between expected and minimum
(the minimum itself included), a serious failure worse than the minimum. The figure in
force is the agreed value once a dispute is resolved with one, otherwise the partner's
reported value (DESIGN.md section 3, "SLA").

Credits are money and are worked out only in Python, with ``Decimal``: SQL counts the
outcomes (exact on every database), Python multiplies. SQLite divides whole numbers as
integers (35 * 116473 / 100 gives 40765) and reads other sums back through floats, so a
credit computed in SQL would differ from PostgreSQL's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from django.db.models import Case, CharField, DecimalField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from departments import periods
from departments.models import Polarity
from departments.numbers import round_money


class Outcome(StrEnum):
    MET = "met"
    MINOR = "minor"
    SERIOUS = "serious"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return {
            "met": "Met",
            "minor": "Minor failure",
            "serious": "Serious failure",
            "missing": "No result",
        }[self]


def outcome_of(
    value: Decimal | None, *, polarity: str, expected: Decimal, minimum: Decimal
) -> Outcome:
    if value is None:
        return Outcome.MISSING
    if polarity == Polarity.HIGHER:
        if value >= expected:
            return Outcome.MET
        return Outcome.MINOR if value >= minimum else Outcome.SERIOUS
    if value <= expected:
        return Outcome.MET
    return Outcome.MINOR if value <= minimum else Outcome.SERIOUS


def value_in_force(prefix: str = ""):
    """SQL: the agreed value when there is one, else the reported value."""
    return Coalesce(
        F(f"{prefix}agreed_value"),
        F(f"{prefix}reported_value"),
        output_field=DecimalField(max_digits=14, decimal_places=4),
    )


def outcome_expression(sla_prefix: str = "sla__"):
    """SQL CASE giving 'met', 'minor' or 'serious' for a SlaResult row.

    Expects the queryset to be annotated with ``in_force`` (see ``value_in_force``).
    """
    higher = Q(**{f"{sla_prefix}polarity": Polarity.HIGHER})
    lower = Q(**{f"{sla_prefix}polarity": Polarity.LOWER})
    expected, minimum = F(f"{sla_prefix}expected_level"), F(f"{sla_prefix}minimum_level")
    return Case(
        When(higher & Q(in_force__gte=expected), then=Value(Outcome.MET.value)),
        When(higher & Q(in_force__gte=minimum), then=Value(Outcome.MINOR.value)),
        When(lower & Q(in_force__lte=expected), then=Value(Outcome.MET.value)),
        When(lower & Q(in_force__lte=minimum), then=Value(Outcome.MINOR.value)),
        default=Value(Outcome.SERIOUS.value),
        output_field=CharField(),
    )


# A month without a serious failure earns this: pounds and pence like every credit, so
# a total of credits always has two decimal places.
NO_CREDIT = Decimal("0.00")


def serious_failure_credit(*, credit_percent: Decimal, monthly_charge: Decimal) -> Decimal:
    """The credit one SLA's serious failure earns, in GBP with two decimal places: the
    SLA's credit percentage of the service's monthly charge, rounded half-up to the penny
    (0.5% of £1,001.00 = £5.005 gives £5.01), before the service's monthly cap.

    The one place the credit is worked out: the SLA results page, the service's month
    (``reporting.metrics.health.service_months``), the exports and the packs all call it,
    never SQL, whose arithmetic differs between SQLite and PostgreSQL (DESIGN.md
    section 3, "SLA").
    """
    return round_money(credit_percent * monthly_charge / 100)


def credit_earned(outcome: Outcome, *, credit_percent: Decimal, monthly_charge: Decimal) -> Decimal:
    """What one SLA's month earns: the serious-failure credit, else £0.00 (met, a minor
    failure and a missing result earn nothing)."""
    if outcome != Outcome.SERIOUS:
        return NO_CREDIT
    return serious_failure_credit(credit_percent=credit_percent, monthly_charge=monthly_charge)


def sla_outcome(sla, result) -> Outcome:
    """The outcome of an SLA's month from its result (a ``SlaResult`` or None): the
    figure in force against the SLA's expected and minimum levels. The SLA results page,
    its export and the API all read it here."""
    return outcome_of(
        result.value_in_force if result is not None else None,
        polarity=sla.polarity,
        expected=sla.expected_level,
        minimum=sla.minimum_level,
    )


def sla_credit(sla, outcome: Outcome) -> Decimal:
    """What the SLA's month earns for ``outcome``, from its service's monthly charge."""
    return credit_earned(
        outcome, credit_percent=sla.credit_percent, monthly_charge=sla.service.monthly_charge
    )


def credit_cap(*, monthly_charge: Decimal, cap_percent: Decimal) -> Decimal:
    """A service's most credits in one month: its cap percentage of its monthly charge,
    rounded half-up to the penny (GBP, two decimal places)."""
    return round_money(monthly_charge * cap_percent / 100)


def sla_results_deadline(month: periods.Period) -> date:
    """The day a month's SLA results are due: 10 working days after it ends (DESIGN.md 3)."""
    return month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)


def deadline_cutoff(period: periods.Period) -> datetime:
    """Results entered before midnight (London) at the end of the deadline day are on time."""
    deadline = sla_results_deadline(period)
    return timezone.make_aware(datetime.combine(deadline + timedelta(days=1), time.min))
