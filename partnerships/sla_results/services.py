"""Writes of SLA results: the partner's entry, the council's verification, disputes and
their resolution. Each function checks the role (departments.roles), validates,
writes atomically and names who did it and why in the audit trail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import StaleWrite, insert_first
from departments import history, periods, roles
from departments.numbers import decimal_problem, percent_problem, text_problem
from departments.returns.services import KEEP
from departments.validation import number_message, parse_decimal
from partnerships.models import (
    Escalation,
    Risk,
    Sla,
    SlaResult,
    Verification,
)
from partnerships.outcomes import Outcome, outcome_of


class StaleResult(StaleWrite):
    """A save based on an older version of an SLA result."""

    def __init__(self, current: SlaResult):
        self.current = current
        self.current_version = current.version
        super().__init__(
            f"Someone else changed this result while you were working on it (now version "
            f"{current.version}: {current.value_in_force}). Nothing of yours was saved."
        )


_RESULT_FIELD = SlaResult._meta.get_field("reported_value")


def _figure(raw: object, field: str, sla: Sla) -> Decimal:
    """A result (reported or agreed) as a Decimal within the column's limits, and within
    0-100 for a percent-unit SLA; ValidationError naming ``field`` otherwise."""
    try:
        number = parse_decimal(raw)
    except ValueError as error:
        message = (
            "Enter the result as a number, like 99.5"
            if str(error) == "not a number"
            else number_message("The result", error)
        )
        raise ValidationError({field: message}) from error
    if number is None:
        raise ValidationError({field: "Enter the result"})
    if number < 0:
        raise ValidationError({field: "The result cannot be negative"})
    problem = decimal_problem(
        number,
        label="The result",
        max_digits=_RESULT_FIELD.max_digits,
        decimal_places=_RESULT_FIELD.decimal_places,
    )
    if problem is None and sla.is_percent:
        problem = percent_problem(number, label="The result")
    if problem:
        raise ValidationError({field: problem})
    return number


def _month(period_key: str, today: date | None) -> periods.Period:
    try:
        month = periods.Period.parse(period_key)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error
    if month.kind != periods.PeriodKind.MONTH:
        raise ValidationError(
            {"period": "SLA results are monthly: use a month such as 2025-26-P06"}
        )
    if not month.has_ended(today or timezone.localdate()):
        raise ValidationError({"period": f"{month.label} has not ended yet"})
    return month


def _locked(result: SlaResult, expected_version: int | None) -> SlaResult:
    current = SlaResult.objects.select_for_update().select_related("sla").get(pk=result.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleResult(current)
    return current


def result_unchanged(result: SlaResult | None, *, value: object, commentary: str) -> bool:
    """Whether entering ``value`` and ``commentary`` would leave ``result`` as stored: the
    same figure (96 and 96.0000 are the same) and the same commentary once stripped. A
    value that is not a number is a change (the service then says why it is refused).
    One rule for the service and for the entry grid, which skips unchanged rows without
    a query."""
    if result is None:
        return False
    try:
        number = parse_decimal(value)
    except ValueError:
        return False
    return result.reported_value == number and result.commentary == commentary.strip()


@transaction.atomic
def enter_sla_result(
    *,
    sla: Sla,
    period_key: str,
    actor,
    value: object,
    commentary: str | object = "",
    expected_version: int | None = None,
    today: date | None = None,
) -> SlaResult:
    """The partner enters (or corrects, until verified) one month's result of one SLA.

    A failure needs commentary; a verified or disputed result can no longer be changed
    by the partner. ``commentary=KEEP`` keeps the stored commentary. Entering what is
    already stored (the same figure and commentary) writes nothing and adds no version,
    whatever the verification: the returned result has ``changed`` False.
    """
    if not roles.may_enter_sla_results(actor, sla.service.partnership_id):
        raise PermissionDenied("Only the partner's contract manager enters SLA results.")
    month = _month(period_key, today)
    number = _figure(value, "value", sla)
    existing = SlaResult.objects.filter(sla=sla, period=month.key).first()
    if commentary is KEEP:
        commentary = existing.commentary if existing is not None else ""
    commentary = (commentary or "").strip()
    if problem := text_problem(commentary, label="Commentary"):
        raise ValidationError({"commentary": problem})
    if result_unchanged(existing, value=number, commentary=commentary):
        # Nothing to write, so nothing to clobber: a stale version does not matter here.
        existing.changed = False
        return existing
    outcome = outcome_of(
        number, polarity=sla.polarity, expected=sla.expected_level, minimum=sla.minimum_level
    )
    if outcome != Outcome.MET and not commentary:
        raise ValidationError(
            {
                "commentary": (
                    f"Explain the {outcome.label.lower()}: a result that misses the expected "
                    "level needs commentary"
                )
            }
        )
    if existing is None:
        result = SlaResult(
            sla=sla, period=month.key, entered_by=actor, entered_at=timezone.now(), version=0
        )
        reason = "Entered"
    else:
        result = _locked(existing, expected_version)
        if result.verification != Verification.UNVERIFIED:
            raise ValidationError(
                {
                    "value": (
                        f"This result is {result.get_verification_display().lower()}: it can no "
                        "longer be changed by the partner"
                    )
                }
            )
        reason = "Corrected"
    result.reported_value = number
    result.commentary = commentary
    result.version += 1
    history.attribute(result, actor, reason)
    if existing is None:
        # Two first entries of the month's result at the same moment: one is stored, the
        # other told, as a stale save is, what the winner entered (issue 22).
        insert_first(
            result,
            winner=lambda: SlaResult.objects.filter(sla=sla, period=month.key).first(),
            conflict=StaleResult,
        )
    else:
        result.save()
    result.changed = True
    return result


@transaction.atomic
def verify_sla_result(
    *, result: SlaResult, actor, expected_version: int | None = None
) -> SlaResult:
    if not roles.may_verify_sla_results(actor):
        raise PermissionDenied("Only SMT verifies SLA results.")
    result = _locked(result, expected_version)
    if result.verification != Verification.UNVERIFIED:
        raise ValidationError(
            {"verification": "Only a result awaiting verification can be verified."}
        )
    result.verification = Verification.VERIFIED
    result.verified_by, result.verified_at = actor, timezone.now()
    result.version += 1
    history.attribute(result, actor, "Verified")
    result.save()
    return result


@transaction.atomic
def verify_sla_results(*, versions: dict[int, int | None], actor) -> list[SlaResult]:
    """Verify many results at once, all or nothing: ``versions`` maps each result's id to
    the version the user saw (None: any). Each is ``verify_sla_result``'s one rule; the
    first refusal (PermissionDenied, ValidationError naming the SLA, StaleResult) undoes
    the rest. Ids the user may not see are refused as not found (ValidationError)."""
    if not roles.may_verify_sla_results(actor):
        raise PermissionDenied("Only SMT verifies SLA results.")
    if not versions:
        raise ValidationError({"results": "Choose at least one result to verify"})
    found = {
        result.pk: result
        for result in SlaResult.objects.visible_to(actor)
        .select_related("sla")
        .filter(pk__in=versions)
        .order_by("pk")  # lock in one order: two bulk verifications never deadlock
    }
    if missing := sorted(set(versions) - set(found)):
        raise ValidationError({"results": f"No such SLA result: {', '.join(map(str, missing))}"})
    verified = []
    for pk, result in found.items():
        try:
            verified.append(
                verify_sla_result(result=result, actor=actor, expected_version=versions[pk])
            )
        except ValidationError as error:
            raise ValidationError(
                {"results": f"{result.sla.code}: {' '.join(error.messages)}"}
            ) from error
    return verified


@transaction.atomic
def dispute_sla_result(
    *, result: SlaResult, actor, reason: str, expected_version: int | None = None
) -> SlaResult:
    """SMT disputes a result; it counts as reported, flagged, until the dispute is resolved."""
    if not roles.may_verify_sla_results(actor):
        raise PermissionDenied("Only SMT disputes SLA results.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the dispute"})
    if problem := text_problem(reason.strip(), label="Reason for the dispute"):
        raise ValidationError({"reason": problem})
    result = _locked(result, expected_version)
    if result.verification not in (Verification.UNVERIFIED, Verification.VERIFIED):
        raise ValidationError({"verification": "This result is already disputed or resolved."})
    result.verification = Verification.DISPUTED
    result.dispute_reason = reason.strip()
    result.verified_by, result.verified_at = actor, timezone.now()
    result.version += 1
    history.attribute(result, actor, f"Disputed: {reason.strip()}")
    result.save()
    return result


@transaction.atomic
def resolve_sla_dispute(
    *,
    result: SlaResult,
    actor,
    reason: str,
    agreed_value: object = None,
    expected_version: int | None = None,
) -> SlaResult:
    """SMT confirms the partner's figure (no agreed value) or records the agreed figure."""
    if not roles.may_verify_sla_results(actor):
        raise PermissionDenied("Only SMT resolves disputes.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the resolution"})
    if problem := text_problem(reason.strip(), label="Reason for the resolution"):
        raise ValidationError({"reason": problem})
    result = _locked(result, expected_version)
    if result.verification != Verification.DISPUTED:
        raise ValidationError({"verification": "Only a disputed result can be resolved."})
    agreed = None
    if agreed_value not in (None, ""):
        agreed = _figure(agreed_value, "agreed_value", result.sla)
    result.verification = Verification.RESOLVED
    result.agreed_value = agreed
    result.resolution_reason = reason.strip()
    result.version += 1
    outcome = "agreed figure recorded" if agreed is not None else "partner's figure confirmed"
    history.attribute(result, actor, f"Dispute resolved, {outcome}: {reason.strip()}")
    result.save()
    return result


RecordModel = type[Escalation] | type[Risk]
