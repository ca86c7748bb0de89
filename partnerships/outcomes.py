"""An SLA result's outcome, as SQL expressions and as plain Python.

Met at or better than the expected level, a minor failure between expected and minimum
(the minimum itself included), a serious failure worse than the minimum. The figure in
force is the agreed value once a dispute is resolved with one, otherwise the partner's
reported value (DESIGN.md section 3, "SLA").
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from django.db.models import Case, CharField, DecimalField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Coalesce

from departments.models import Polarity


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


MONEY = DecimalField(max_digits=16, decimal_places=4)


def serious_failure_credit(*, credit_percent: Decimal, monthly_charge: Decimal) -> Decimal:
    """A serious failure earns the SLA's credit percentage of the service's monthly charge,
    rounded to the penny (before the service's monthly cap)."""
    from departments.numbers import round_money

    return round_money(credit_percent * monthly_charge / 100)


def serious_failure_credit_expression(sla_prefix: str = "sla__"):
    """SQL: the same credit for a SlaResult row with an ``outcome`` annotation, else 0."""
    credit = ExpressionWrapper(
        F(f"{sla_prefix}credit_percent")
        * F(f"{sla_prefix}service__monthly_charge")
        / Value(Decimal(100)),
        output_field=MONEY,
    )
    return Case(
        When(outcome=Outcome.SERIOUS.value, then=credit),
        default=Value(Decimal(0)),
        output_field=MONEY,
    )
