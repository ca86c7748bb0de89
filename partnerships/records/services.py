"""Writes of the partnership's records: milestone progress, escalations and risks. Each
function checks the role (departments.roles), validates, writes atomically and names who
did it and why in the audit trail."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from departments import history, roles
from departments.numbers import text_errors
from partnerships.models import (
    Escalation,
    Milestone,
    MilestoneState,
    RecordState,
    Risk,
)


@transaction.atomic
def update_milestone(
    *, milestone: Milestone, actor, state: str, delivered_date: date | None = None
) -> Milestone:
    """Milestone progress: the partner manager of that partnership, or an admin."""
    if not roles.may_enter_sla_results(actor, milestone.partnership_id):
        raise PermissionDenied("Only the partner's contract manager records milestone progress.")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    milestone.state = state
    milestone.delivered_date = delivered_date if state == MilestoneState.DELIVERED else None
    if delivered_date and delivered_date > timezone.localdate():
        raise ValidationError({"delivered_date": "The delivery date cannot be in the future"})
    milestone.full_clean()
    history.attribute(milestone, actor, f"Progress: {milestone.get_state_display()}")
    milestone.save()
    return milestone


# The free texts of escalations and risks (a risk alone has a mitigation), with their labels.
RECORD_TEXTS = {
    "description": "Description",
    "resolution": "Resolution",
    "mitigation": "Mitigation",
}


def check_may_manage_records(actor, partnership_id: int | None) -> None:
    """PermissionDenied unless ``actor`` may raise and update the escalations and risks of
    the partnership (roles.may_manage_escalations: SMT, admins, that partner's manager).

    The records page and the API ask it before they read what was sent, so a person
    without the role is told so rather than what is wrong with the form."""
    if not roles.may_manage_escalations(actor, partnership_id):
        raise PermissionDenied("Only SMT and the partner's manager raise escalations and risks.")


@transaction.atomic
def save_record(*, record: Escalation | Risk, actor, reason: str = "") -> Escalation | Risk:
    """Raise or update an escalation or a risk (SMT, admin, or that partner's manager)."""
    check_may_manage_records(actor, record.partnership_id)
    # The model's max_length does not reach full_clean() for a TextField: checked here.
    if long_texts := text_errors(
        **{field: (getattr(record, field, ""), label) for field, label in RECORD_TEXTS.items()}
    ):
        raise ValidationError(long_texts)
    if record.pk is None:
        record.raised_by = actor
        reason = reason or "Raised"
    if record.state == RecordState.RESOLVED and not record.resolved_on:
        record.resolved_on = timezone.localdate()
    record.full_clean()
    history.attribute(record, actor, reason or "Updated")
    record.save()
    return record
