"""Writes of the return workflow (DESIGN.md section 3, "Return workflow").

Every transition is one function here: it checks the role (departments.roles), the
state and the version, writes atomically and leaves an audit entry with who and why.
The HTML views, the API and the importer all call these. A save of a return's figures
is checked once, by ``prepare_return``, then written one by one (``save_return``) or
many at a time (``save_prepared_returns`` of ``bulk``, for imports).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import insert_first
from departments import history, periods, roles
from departments.models import (
    EDITABLE_RETURN_STATES,
    KpiReturn,
    PerformanceIndicator,
    ReturnState,
    Target,
)
from departments.numbers import text_errors
from departments.rating import Rag, rate_period_value
from departments.returns.bulk import PreparedReturn, locked_returns, save_prepared_returns
from departments.returns.changes import (
    FieldChange,
    StaleVersion,
    changes_since,
    save_new_version,
)
from departments.returns.ratings import recount_ratings_of_returns
from departments.returns.sign_off import hold_periods_of, is_signed_off
from departments.validation import (
    FORECAST_LABELS,
    CleanedForecast,
    clean_figures,
    clean_forecast,
    is_given,
    period_problem,
)


def _locked_for_update(kpi_return: KpiReturn, expected_version: int | None) -> KpiReturn:
    current = (
        KpiReturn.objects.select_for_update().select_related("indicator").get(pk=kpi_return.pk)
    )
    _require_version(current, expected_version)
    return current


def _require_version(current: KpiReturn, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, changes_since(current, expected_version))


def _save_and_rate(kpi_return: KpiReturn, actor, reason: str) -> KpiReturn:
    """``save_new_version`` of one return and recount its indicator's ratings for its year, in the
    same transaction (the read model of ``departments.returns.ratings``)."""
    save_new_version(kpi_return, actor, reason)
    recount_ratings_of_returns([kpi_return])
    return kpi_return


def target_for(indicator: PerformanceIndicator, period: periods.Period) -> Target | None:
    return Target.objects.filter(indicator=indicator, financial_year=period.year).first()


_LOOK_UP = object()  # "read it here", as opposed to "there is none" (None)


def rag_of(
    indicator: PerformanceIndicator,
    period_key: str,
    value: Decimal | None,
    target: Target | None | object = _LOOK_UP,
) -> Rag:
    """The RAG of a value; pass ``target`` (even None) when it is already known."""
    period = periods.Period.parse(period_key)
    if target is _LOOK_UP:
        target = target_for(indicator, period)
    return rate_period_value(indicator, target, period, value)


def _require_explanation_if_red(
    kpi_return: KpiReturn, target: Target | None | object = _LOOK_UP
) -> None:
    if rag_of(kpi_return.indicator, kpi_return.period, kpi_return.value, target) != Rag.RED:
        return
    errors = {}
    if not kpi_return.commentary.strip():
        errors["commentary"] = "Explain why the result is red: a red return needs commentary"
    if not kpi_return.improvement_action.strip():
        errors["improvement_action"] = (
            "Say what will be done about it: a red return needs an improvement action"
        )
    if errors:
        raise ValidationError(errors)


class _Keep:
    """The type of ``KEEP``."""

    def __repr__(self) -> str:
        return "KEEP"


# "Leave the stored value as it is": what a PATCH or an import file without the column
# means for a field (issue 14: an absent column never blanks what is stored).
KEEP = _Keep()


def _kept(given: object, stored: object, empty: object) -> object:
    """``given``, or for KEEP the stored value (``empty`` when there is none yet)."""
    if given is not KEEP:
        return given
    return empty if stored is None else stored


def prepare_return(
    *,
    indicator: PerformanceIndicator,
    period_key: str,
    actor,
    value=KEEP,
    numerator=KEEP,
    denominator=KEEP,
    commentary: str | _Keep = KEEP,
    improvement_action: str | _Keep = KEEP,
    forecast_value=KEEP,
    forecast_confidence=KEEP,
    forecast_note=KEEP,
    expected_version: int | None = None,
    submit: bool = False,
    today: date | None = None,
    stored: KpiReturn | None | object = _LOOK_UP,
    target: Target | None | object = _LOOK_UP,
) -> PreparedReturn:
    """Every check of a save of a return's figures, writing nothing: the one set of rules
    of the form and the API (through ``save_return``) and of the importer (which writes
    what it returns with ``save_prepared_returns``). Arguments as ``save_return``'s, and:

    ``stored``: the stored return of this indicator and period (None: there is none) as
    ``locked_returns`` read it in the transaction that will write the result; by default
    it is read here, and locked once the save is known to change it. ``target``: the
    indicator's target for the period's year (None: it has none), which rates a
    submission (a red one needs an explanation) and admits a forecast; by default read
    here when needed. A forecast is checked only when the save gives or changes it: one
    left as stored is kept as it is, even if its year's target has since been removed.

    Raises PermissionDenied (not the user's department), ValidationError (field name to
    message) or StaleVersion (the stored return is no longer ``expected_version``).
    """
    if not roles.may_edit_returns(actor, indicator.department_id):
        raise PermissionDenied("Only officers and heads of the department can edit its returns.")
    read_by_caller = stored is not _LOOK_UP
    if read_by_caller:
        existing = stored
    else:
        existing = KpiReturn.objects.filter(indicator=indicator, period=period_key).first()
    if indicator.is_ratio and value is KEEP:
        value = None  # a ratio's value is always worked out from its figures
    # A save that names no forecast field (a PATCH of the value, an import file without
    # the forecast columns) leaves the stored forecast untouched and unchecked.
    forecast_sent = tuple(
        name
        for name, raw in (
            ("forecast_value", forecast_value),
            ("forecast_confidence", forecast_confidence),
            ("forecast_note", forecast_note),
        )
        if raw is not KEEP
    )
    forecast_given = bool(forecast_sent)
    (
        value,
        numerator,
        denominator,
        commentary,
        improvement_action,
        forecast_value,
        forecast_confidence,
        forecast_note,
    ) = (
        _kept(given, getattr(existing, name, None), empty)
        for given, name, empty in (
            (value, "value", None),
            (numerator, "numerator", None),
            (denominator, "denominator", None),
            (commentary, "commentary", ""),
            (improvement_action, "improvement_action", ""),
            (forecast_value, "forecast_value", None),
            (forecast_confidence, "forecast_confidence", ""),
            (forecast_note, "forecast_note", ""),
        )
    )
    # Every problem at once: an over-long text does not hide a bad figure.
    errors = text_errors(
        commentary=(commentary, "Commentary"),
        improvement_action=(improvement_action, "Improvement action"),
    )
    if forecast_given:
        errors.update(text_errors(forecast_note=(forecast_note, FORECAST_LABELS["forecast_note"])))
    problem = period_problem(indicator, period_key, today)
    if problem:
        errors["period"] = problem
    figures = clean_figures(indicator, value=value, numerator=numerator, denominator=denominator)
    errors.update(figures.errors)
    if forecast_given:
        forecast, target = _cleaned_forecast(
            indicator,
            period_key,
            problem,
            (forecast_value, forecast_confidence, forecast_note),
            sent=forecast_sent,
            stored=existing,
            target=target,
        )
    else:
        forecast = _stored_forecast(existing)
    for name, message in forecast.errors.items():
        errors.setdefault(name, message)  # an over-long sentence is said once
    commentary, improvement_action = (commentary or "").strip(), (improvement_action or "").strip()
    if errors:
        raise ValidationError(errors)
    # Nothing to write, so nothing to clobber: a stale version does not matter here.
    if (
        existing is not None
        and _same_return(existing, figures, commentary, improvement_action, forecast)
        and (not submit or existing.state not in EDITABLE_RETURN_STATES)
    ):
        return PreparedReturn(existing, "unchanged")
    if existing is None:
        kpi_return = KpiReturn(
            indicator=indicator,
            department_id=indicator.department_id,
            period=period_key,
            created_by=actor,
            version=0,
        )
        outcome, reason = "created", "Created"
    else:
        if read_by_caller:
            kpi_return = existing
            _require_version(kpi_return, expected_version)
        else:
            kpi_return = _locked_for_update(existing, expected_version)
        if not kpi_return.is_editable:
            raise ValidationError({"period": _not_editable_message(kpi_return)})
        outcome, reason = "updated", "Edited"
    kpi_return.value, kpi_return.numerator, kpi_return.denominator = (
        figures.value,
        figures.numerator,
        figures.denominator,
    )
    kpi_return.commentary = commentary
    kpi_return.improvement_action = improvement_action
    kpi_return.forecast_value = forecast.value
    kpi_return.forecast_confidence = forecast.confidence
    kpi_return.forecast_note = forecast.note
    if submit:
        _require_explanation_if_red(kpi_return, target)
        _mark_submitted(kpi_return, actor)
        reason = f"{reason} and submitted"
    kpi_return.version += 1
    history.attribute(kpi_return, actor, reason)
    return PreparedReturn(kpi_return, outcome, reason)


@transaction.atomic
def save_return(*, indicator: PerformanceIndicator, period_key: str, **arguments) -> KpiReturn:
    """Create or update a return's figures as a draft, and submit it if asked.

    Takes ``prepare_return``'s arguments, whose checks these are (``actor``, the figures
    and texts, ``expected_version``, ``submit``, ``today``), and no others. A field passed
    as ``KEEP`` (the default) keeps what is stored (empty for a new return); ``None`` or ""
    clears it. A save that changes nothing (the same figures and text, and no submission
    still to make) writes nothing and adds no version, whatever the return's state: the
    returned return has ``changed`` False, so a re-imported file is harmless. Only a save
    that would change a submitted, approved or locked return is refused.

    Raises PermissionDenied (not the user's department), ValidationError (field name to
    message; nothing stored) or StaleVersion (someone saved in between).
    """
    prepared = prepare_return(indicator=indicator, period_key=period_key, **arguments)
    kpi_return = prepared.kpi_return
    if prepared.outcome == "created":
        # Two first saves of the same return at the same moment: one creates it, the
        # other is told, as a stale save is, what the winner wrote (issue 22).
        insert_first(
            kpi_return,
            winner=lambda: KpiReturn.objects.filter(indicator=indicator, period=period_key).first(),
            conflict=lambda winner: StaleVersion(winner, changes_since(winner, 0)),
        )
    elif prepared.changed:
        kpi_return.save()  # its history row names the user and reason prepare_return set
    if prepared.changed:
        recount_ratings_of_returns([kpi_return])
    kpi_return.changed = prepared.changed
    return kpi_return


def _same_return(
    kpi_return: KpiReturn,
    figures,
    commentary: str,
    improvement_action: str,
    forecast: CleanedForecast,
) -> bool:
    """Whether these figures and texts are what the return already holds (Decimals
    compare by value: 96 and 96.000000 are the same figure)."""
    return (
        kpi_return.value == figures.value
        and kpi_return.numerator == figures.numerator
        and kpi_return.denominator == figures.denominator
        and kpi_return.commentary == commentary
        and kpi_return.improvement_action == improvement_action
        and kpi_return.forecast_value == forecast.value
        and kpi_return.forecast_confidence == forecast.confidence
        and kpi_return.forecast_note == forecast.note
    )


def _stored_forecast(kpi_return: KpiReturn | None) -> CleanedForecast:
    """The forecast ``kpi_return`` holds (none for a new return), as a save that leaves
    it untouched keeps it: not checked again, for it was checked when it was given."""
    if kpi_return is None:
        return CleanedForecast()
    return CleanedForecast(
        kpi_return.forecast_value, kpi_return.forecast_confidence, kpi_return.forecast_note
    )


def _same_forecast(kpi_return: KpiReturn | None, forecast: CleanedForecast) -> bool:
    return kpi_return is not None and (
        kpi_return.forecast_value,
        kpi_return.forecast_confidence,
        kpi_return.forecast_note,
    ) == (forecast.value, forecast.confidence, forecast.note)


def _cleaned_forecast(
    indicator: PerformanceIndicator,
    period_key: str,
    period_problem_found: str | None,
    given: tuple[object, object, object],
    *,
    sent: tuple[str, ...],
    stored: KpiReturn | None,
    target: Target | None | object,
) -> tuple[CleanedForecast, Target | None | object]:
    """The checked forecast ``given`` (value, confidence, note; a field not given holds
    the stored one), and the target if it had to be read for it (so a submission does
    not read it twice). ``sent``: the names of the forecast fields the save gave.

    The annual target is read only for a forecast this save changes: one given exactly
    as ``stored`` holds it was checked when it was stored, and stays, even if the year's
    target has since been removed (it is then shown "not rated"). A return without a
    forecast costs no query."""
    value, confidence, note = given
    if not any(is_given(raw) for raw in given) or period_problem_found:
        # Without a period there is no year to find the annual target of; the period's
        # own message says what is wrong.
        return CleanedForecast(), target
    period = periods.Period.parse(period_key)
    fields = {"year": period.year, "value": value, "confidence": confidence, "note": note}
    # Every check but the target's first, which reads nothing.
    cleaned = clean_forecast(indicator, has_annual_target=True, **fields)
    if not cleaned.errors and _same_forecast(stored, cleaned):
        return cleaned, target
    if target is _LOOK_UP:
        target = target_for(indicator, period)
    if target is None:
        # Refused under the field the person changed (a PATCH of the note alone, or the
        # note among the three sent again): not under a stored value they did not touch.
        changed = tuple(name for name in sent if _changes_stored(name, cleaned, stored))
        cleaned = clean_forecast(indicator, has_annual_target=False, sent=changed or sent, **fields)
    return cleaned, target


def _changes_stored(name: str, cleaned: CleanedForecast, stored: KpiReturn | None) -> bool:
    """Whether the checked forecast's field ``name`` differs from the stored return's
    (a field that did not pass its own checks counts as changed)."""
    if stored is None or cleaned.errors:
        return True
    mine = {
        "forecast_value": cleaned.value,
        "forecast_confidence": cleaned.confidence,
        "forecast_note": cleaned.note,
    }[name]
    return mine != getattr(stored, name)


def _not_editable_message(kpi_return: KpiReturn) -> str:
    if kpi_return.state == ReturnState.LOCKED:
        return "This return is locked because its period is signed off; ask SMT to reopen it"
    return (
        f"This return is {kpi_return.get_state_display().lower()} and cannot be edited; "
        "it can be changed again if it is sent back"
    )


def _mark_submitted(kpi_return: KpiReturn, actor) -> None:
    kpi_return.state = ReturnState.SUBMITTED
    kpi_return.submitted_by = actor
    kpi_return.submitted_at = timezone.now()


@transaction.atomic
def submit_return(
    *, kpi_return: KpiReturn, actor, expected_version: int | None = None
) -> KpiReturn:
    if not roles.may_edit_returns(actor, kpi_return.department_id):
        raise PermissionDenied("Only officers and heads of the department can submit its returns.")
    kpi_return = _locked_for_update(kpi_return, expected_version)
    if not kpi_return.is_editable:
        raise ValidationError({"state": _not_editable_message(kpi_return)})
    if kpi_return.value is None:
        raise ValidationError({"value": "Enter the value before submitting"})
    _require_explanation_if_red(kpi_return)
    _mark_submitted(kpi_return, actor)
    return _save_and_rate(kpi_return, actor, "Submitted")


@transaction.atomic
def approve_return(
    *, kpi_return: KpiReturn, actor, expected_version: int | None = None
) -> KpiReturn:
    """Approve a submitted return; in a signed-off period it locks at once."""
    hold_periods_of(kpi_return.department_id)
    kpi_return = _locked_for_update(kpi_return, None)
    if not roles.may_approve_return(
        actor, department_id=kpi_return.department_id, submitted_by_id=kpi_return.submitted_by_id
    ):
        if kpi_return.submitted_by_id == actor.pk:
            raise PermissionDenied("You cannot approve a return you submitted yourself.")
        raise PermissionDenied("Only the department's head of service or SMT can approve it.")
    _require_version(kpi_return, expected_version)  # the role first: a 403 beats a 409
    if kpi_return.state != ReturnState.SUBMITTED:
        raise ValidationError({"state": "Only a submitted return can be approved."})
    kpi_return.state = ReturnState.APPROVED
    kpi_return.approved_by, kpi_return.approved_at = actor, timezone.now()
    reason = "Approved"
    if is_signed_off(kpi_return.period, kpi_return.department_id):
        kpi_return.state, kpi_return.locked_at = ReturnState.LOCKED, timezone.now()
        reason = "Approved and locked (period already signed off)"
    return _save_and_rate(kpi_return, actor, reason)


@transaction.atomic
def send_back_return(
    *, kpi_return: KpiReturn, actor, reason: str, expected_version: int | None = None
) -> KpiReturn:
    kpi_return = _locked_for_update(kpi_return, None)
    if not roles.may_approve_return(
        actor, department_id=kpi_return.department_id, submitted_by_id=kpi_return.submitted_by_id
    ):
        raise PermissionDenied(
            "Only the department's head of service or SMT can send it back, "
            "and never a return they submitted themselves."
        )
    _require_version(kpi_return, expected_version)
    if kpi_return.state not in (ReturnState.SUBMITTED, ReturnState.APPROVED):
        raise ValidationError({"state": "Only a submitted or approved return can be sent back."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason, so the officer knows what to change"})
    if long_texts := text_errors(reason=(reason, "Reason for sending back")):
        raise ValidationError(long_texts)
    kpi_return.state = ReturnState.SENT_BACK
    kpi_return.sent_back_reason = reason.strip()
    kpi_return.approved_by = kpi_return.approved_at = None
    return _save_and_rate(kpi_return, actor, f"Sent back: {reason.strip()}")


@transaction.atomic
def reopen_return(*, kpi_return: KpiReturn, actor, reason: str) -> KpiReturn:
    """SMT reopens a locked return for correction: it goes back to the officer."""
    if not roles.may_sign_off(actor):
        raise PermissionDenied("Only SMT can reopen a locked return.")
    kpi_return = _locked_for_update(kpi_return, None)
    if kpi_return.state != ReturnState.LOCKED:
        raise ValidationError({"state": "Only a locked return can be reopened."})
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for reopening the return"})
    if long_texts := text_errors(reason=(reason, "Reason for reopening")):
        raise ValidationError(long_texts)
    kpi_return.state = ReturnState.SENT_BACK
    kpi_return.sent_back_reason = reason.strip()
    kpi_return.locked_at = None
    return _save_and_rate(kpi_return, actor, f"Reopened: {reason.strip()}")


__all__ = [
    "EDITABLE_RETURN_STATES",
    "KEEP",
    "FieldChange",
    "StaleVersion",
    "approve_return",
    "changes_since",
    "PreparedReturn",
    "locked_returns",
    "prepare_return",
    "rag_of",
    "reopen_return",
    "save_prepared_returns",
    "save_return",
    "send_back_return",
    "submit_return",
    "target_for",
]
