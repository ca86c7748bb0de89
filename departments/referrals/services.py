"""Writes of referrals: raising, acknowledging and resolving, with one set of checks that
the form, the API and the importer share. No resident's personal data is taken."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from departments import roles
from departments.models import Channel, Department, Referral
from departments.models.referrals import derived_fields
from departments.numbers import text_problem
from departments.referrals.summaries import record_referral_changes, tally

OFFLINE_CHANNELS = {Channel.EMAIL.value, Channel.PHONE.value, Channel.PAPER.value}
CATEGORY_LIMIT = Referral._meta.get_field("category").max_length  # 80 characters
REFERENCE_LIMIT = Referral._meta.get_field("reference").max_length  # 64 characters
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


@dataclass(frozen=True)
class ChannelChoice:
    """A referral's channel as people name it: a partner service's code, or email, phone,
    paper."""

    channel: str
    service_id: int | None


def channel_choices() -> dict[str, ChannelChoice]:
    """Every accepted channel name (one query)."""
    # Partner services through the referral's ``service`` foreign key: departments may not
    # import partnerships (DESIGN.md section 2), and that lazy reference is where the model
    # already declares the dependency, so it is not named a second time here.
    service_model = Referral._meta.get_field("service").related_model
    choices = {name: ChannelChoice(name, None) for name in OFFLINE_CHANNELS}
    for pk, code in service_model.objects.values_list("pk", "code"):
        choices.setdefault(code, ChannelChoice(Channel.SERVICE, pk))
    return choices


def _date_problems(*, raised_on, acknowledged_on, resolved_on, today: date) -> dict[str, str]:
    errors = {}
    # Spelled out rather than looped over: an import asks this of every row.
    if raised_on and raised_on > today:
        errors["raised_on"] = "The raised date cannot be in the future"
    if acknowledged_on and acknowledged_on > today:
        errors["acknowledged_on"] = "The acknowledged date cannot be in the future"
    if resolved_on and resolved_on > today:
        errors["resolved_on"] = "The resolved date cannot be in the future"
    if raised_on and resolved_on and resolved_on < raised_on and "resolved_on" not in errors:
        errors["resolved_on"] = "The resolved date cannot be before the raised date"
    if (
        raised_on
        and acknowledged_on
        and acknowledged_on < raised_on
        and ("acknowledged_on" not in errors)
    ):
        errors["acknowledged_on"] = "The acknowledged date cannot be before the raised date"
    if (
        acknowledged_on
        and resolved_on
        and acknowledged_on > resolved_on
        and "acknowledged_on" not in errors
    ):
        errors["acknowledged_on"] = "The acknowledged date cannot be after the resolved date"
    return errors


def _category_problem(category: str) -> str | None:
    # A text over the limit is refused before the cache: a worker never keeps it.
    if len(category) > CATEGORY_LIMIT:
        return _label_problem(category, label="Category", limit=CATEGORY_LIMIT)
    return _short_category_problem(category)


@functools.lru_cache(maxsize=1024)
def _short_category_problem(category: str) -> str | None:
    # Asked of every row of an import, whose file names few categories: answered once each.
    return _label_problem(category, label="Category", limit=CATEGORY_LIMIT)


def _label_problem(text: str, *, label: str, limit: int) -> str | None:
    """Why a one-line label cannot be stored, or None: too long, or holding a control
    character (a line break, or a NUL that PostgreSQL cannot store at all)."""
    if _CONTROL_CHARACTERS.search(text):
        return f"{label} must be one line of text without control characters"
    return text_problem(text, label=label, limit=limit)


class CheckedReferral(NamedTuple):
    """A referral's fields as ``check_referral`` accepted them, derived fields included
    (``models.referrals.derived_fields``), named as the model's columns: what a batch
    of referrals is written from (``referrals.bulk``) without a model instance each."""

    from_department_id: int
    to_department_id: int
    category: str
    raised_on: date
    acknowledged_on: date | None
    resolved_on: date | None
    agreed_days: int
    channel: str
    service_id: int | None
    reference: str
    period: str  # month key of the raised date, 2025-26-P06
    due_on: date  # raised + agreed calendar days
    resolution_days: int | None  # calendar days from raised to resolved; None while open


def check_referral(
    *,
    from_department: Department | None,
    to_department: Department | None,
    category: str,
    raised_on: date | None,
    agreed_days: int | None,
    channel: str,
    channels: dict[str, ChannelChoice],
    acknowledged_on: date | None = None,
    resolved_on: date | None = None,
    reference: str = "",
    today: date | None = None,
) -> CheckedReferral:
    """Check a referral's fields; return them with the derived ones, or raise
    ValidationError naming each bad field.

    Dates are London dates (``dates.london_date`` reads them at every entry point).
    Category and reference are stripped of surrounding spaces and refused, with the
    limit, when longer than their fields (80 and 64 characters); never cut.
    """
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    from_id = None if from_department is None else from_department.pk
    to_id = None if to_department is None else to_department.pk
    if from_department is None:
        errors["from_department"] = "Choose the department the referral comes from"
    if to_department is None:
        errors["to_department"] = "Choose the department the referral goes to"
    elif from_department is not None and from_id == to_id:
        errors["to_department"] = "A department cannot refer work to itself"
    category, reference = category.strip(), reference.strip()
    # Checked, never cut: what a person entered is stored whole or refused with the limit.
    if not category:
        errors["category"] = "Enter the category of work, such as 'Housing needs assessment'"
    elif problem := _category_problem(category):
        errors["category"] = problem
    if reference and (
        problem := _label_problem(reference, label="Reference", limit=REFERENCE_LIMIT)
    ):
        errors["reference"] = problem
    if raised_on is None:
        errors["raised_on"] = "Enter the date the referral was raised"
    if agreed_days is None:
        errors["agreed_days"] = "Enter the agreed response time in days"
    elif agreed_days < 1 or agreed_days > 365:
        errors["agreed_days"] = "The agreed response time must be between 1 and 365 days"
    choice = channels.get(channel.strip().lower()) if channel else None
    if choice is None:
        errors["channel"] = (
            f"Unknown channel '{channel}': use a partner service's code, email, phone or paper"
            if channel
            else "Choose the channel"
        )
    errors.update(
        _date_problems(
            raised_on=raised_on,
            acknowledged_on=acknowledged_on,
            resolved_on=resolved_on,
            today=today,
        )
    )
    if errors:
        raise ValidationError(errors)
    return CheckedReferral(
        from_id,
        to_id,
        category,
        raised_on,
        acknowledged_on,
        resolved_on,
        agreed_days,
        choice.channel,
        choice.service_id,
        reference,
        *derived_fields(raised_on, agreed_days, resolved_on),
    )


def build_referral(**fields) -> Referral:
    """Check a referral's fields with ``check_referral`` (its keyword arguments, as they
    are) and return it unsaved, its derived fields set; ValidationError names each bad
    field."""
    referral = Referral(**check_referral(**fields)._asdict())
    # The departments themselves, as given, so the caller reads them without a query.
    referral.from_department = fields.get("from_department")
    referral.to_department = fields.get("to_department")
    return referral


@transaction.atomic
def raise_referral(
    *,
    actor,
    from_department: Department | None,
    to_department: Department | None,
    category: str,
    raised_on: date | None,
    agreed_days: int | None,
    channel: str,
    today: date | None = None,
) -> Referral:
    if from_department is not None and not roles.may_raise_referral(actor, from_department.pk):
        raise PermissionDenied("You can raise referrals only from your own department.")
    referral = build_referral(
        from_department=from_department,
        to_department=to_department,
        category=category,
        raised_on=raised_on,
        agreed_days=agreed_days,
        channel=channel,
        channels=channel_choices(),
        today=today,
    )
    referral.raised_by = actor
    referral._history_user = actor
    referral._change_reason = "Raised"
    referral.save()
    record_referral_changes(added=[tally(referral)])
    return referral


def _receiving(actor, referral: Referral) -> Referral:
    if not roles.may_handle_referral(actor, referral.to_department_id):
        raise PermissionDenied("Only the receiving department acknowledges and resolves it.")
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _record_step(
    actor, referral: Referral, field: str, done: str, on: date | None, today: date | None
) -> Referral:
    """Acknowledge or resolve: the receiving department records the date (default today);
    resolving an unacknowledged referral acknowledges it the same day."""
    today = today or timezone.localdate()
    referral = _receiving(actor, referral)
    before = tally(referral)
    if getattr(referral, field):
        raise ValidationError({field: f"This referral is already {done.lower()}"})
    setattr(referral, field, on or today)
    errors = _date_problems(
        raised_on=referral.raised_on,
        acknowledged_on=referral.acknowledged_on,
        resolved_on=referral.resolved_on,
        today=today,
    )
    if errors:
        raise ValidationError(errors)
    if field == "resolved_on" and not referral.acknowledged_on:
        referral.acknowledged_on = referral.resolved_on
    referral._history_user, referral._change_reason = actor, done
    referral.save()
    record_referral_changes(removed=[before], added=[tally(referral)])
    return referral


@transaction.atomic
def acknowledge_referral(
    *, actor, referral: Referral, on: date | None = None, today: date | None = None
) -> Referral:
    return _record_step(actor, referral, "acknowledged_on", "Acknowledged", on, today)


@transaction.atomic
def resolve_referral(
    *, actor, referral: Referral, on: date | None = None, today: date | None = None
) -> Referral:
    return _record_step(actor, referral, "resolved_on", "Resolved", on, today)
