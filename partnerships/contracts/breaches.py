"""The records behind notices under section 71(4) of the Procurement Act 2023: a breach
of contract with termination, damages or a settlement as a result, or a failure to
perform to the authority's satisfaction after a proper opportunity to improve (a
rectification plan overdue or failed). The SMT records one (a draft) and approves it;
approval snapshots the contract's details and locks it, and the notice is published
within 30 days of ``occurred_on`` (section 71(5)); a draft recorded in error is withdrawn
with a reason. Each write is audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import Conflict
from departments import history
from departments.numbers import text_errors
from departments.periods import date_in_words
from partnerships.contracts.details import notice_record_details
from partnerships.contracts.models import (
    ActionTaken,
    AssessmentState,
    NoticeKind,
    PerformanceNotice,
    PlanState,
    RectificationPlan,
)
from partnerships.contracts.services import check_may_assess
from partnerships.models import Partnership

# Section 71(4)(a): the consequences that make a breach a notifiable one.
BREACH_ACTIONS = (ActionTaken.TERMINATION, ActionTaken.DAMAGES, ActionTaken.SETTLEMENT)
TEXTS = {"what_happened": "What happened", "action_details": "Details of the action taken"}
# The one message for negative damages, given by the service, the form and the API alike.
DAMAGES_NEGATIVE = "Damages awarded cannot be negative: give an amount of £0 or more."


def _problems(
    *,
    partnership: Partnership,
    kind: str,
    what_happened: str,
    occurred_on: date,
    action_taken: str,
    damages: Decimal | None,
    plan: RectificationPlan | None,
    today: date,
) -> dict[str, str]:
    """Field name to message for each rule the record breaks; {} when none."""
    problems = {}
    if kind not in NoticeKind.values:
        problems["kind"] = "Choose a breach of contract or a failure to perform."
    if not what_happened.strip():
        problems["what_happened"] = "Say what happened."
    if occurred_on > today:
        problems["occurred_on"] = f"The day cannot be after today ({date_in_words(today)})."
    elif occurred_on < partnership.start_date:
        problems["occurred_on"] = (
            f"When it happened cannot be before the contract started "
            f"({date_in_words(partnership.start_date)})."
        )
    if action_taken not in ActionTaken.values:
        problems["action_taken"] = "Choose the action taken."
    elif kind == NoticeKind.BREACH and action_taken not in BREACH_ACTIONS:
        problems["action_taken"] = (
            "A breach is notifiable only when termination, damages or a settlement "
            "followed (section 71(4)(a)): choose one of them."
        )
    if action_taken == ActionTaken.DAMAGES and damages is None:
        problems["damages"] = "Give the damages awarded, in pounds."
    if action_taken != ActionTaken.DAMAGES and damages is not None:
        problems["damages"] = "Damages are given only when damages were awarded."
    if damages is not None and damages < 0:
        problems["damages"] = DAMAGES_NEGATIVE
    if kind == NoticeKind.POOR_PERFORMANCE:
        if plan is None:
            problems["plan"] = (
                "Name the rectification plan that gave the supplier a proper opportunity "
                "to improve (section 71(4)(b))."
            )
        elif plan.partnership_id != partnership.pk:
            problems["plan"] = "That rectification plan is of another partnership."
        elif plan.state == PlanState.MET:
            problems["plan"] = "That plan was met: the supplier improved, so no notice is due."
        elif plan.state == PlanState.OPEN and plan.due_date >= occurred_on:
            problems["plan"] = (
                f"That plan is due on {date_in_words(plan.due_date)}: until then the supplier "
                "still has its opportunity to improve."
            )
    elif plan is not None and plan.partnership_id != partnership.pk:
        problems["plan"] = "That rectification plan is of another partnership."
    return problems


@transaction.atomic
def record_notice(
    *,
    partnership: Partnership,
    actor,
    kind: str,
    what_happened: str,
    occurred_on: date,
    action_taken: str,
    action_details: str = "",
    damages: Decimal | None = None,
    plan: RectificationPlan | None = None,
    today: date | None = None,
) -> PerformanceNotice:
    """The SMT records a breach or a failure to perform, as a draft notice. A breach
    names its consequence (termination, damages with their amount, or a settlement); a
    failure to perform names the rectification plan the supplier did not meet."""
    check_may_assess(actor)
    what_happened = (what_happened or "").strip()
    action_details = (action_details or "").strip()
    if long_texts := text_errors(
        what_happened=(what_happened, TEXTS["what_happened"]),
        action_details=(action_details, TEXTS["action_details"]),
    ):
        raise ValidationError(long_texts)
    if problems := _problems(
        partnership=partnership,
        kind=kind,
        what_happened=what_happened,
        occurred_on=occurred_on,
        action_taken=action_taken,
        damages=damages,
        plan=plan,
        today=today or timezone.localdate(),
    ):
        raise ValidationError(problems)
    notice = PerformanceNotice(
        partnership=partnership,
        kind=kind,
        what_happened=what_happened,
        occurred_on=occurred_on,
        action_taken=action_taken,
        action_details=action_details,
        damages=damages,
        plan=plan,
        recorded_by=actor,
    )
    notice.full_clean()
    history.attribute(notice, actor, "Recorded")
    notice.save()
    return notice


@transaction.atomic
def approve_notice(*, notice: PerformanceNotice, actor) -> PerformanceNotice:
    """The SMT approves the record for publication: the contract's details are kept as
    they stand, and the record locks."""
    check_may_assess(actor)
    notice = PerformanceNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.state != AssessmentState.DRAFT:
        raise Conflict("The notice is already approved.")
    notice.state = AssessmentState.APPROVED
    # What the notice shows is kept as it stands now: the contract's details and the plan
    # it names, which may be closed later.
    notice.notice_details = notice_record_details(notice)
    notice.approved_by = actor
    notice.approved_at = timezone.now()
    notice.version += 1
    history.attribute(notice, actor, "Approved")
    notice.save()
    return notice


@transaction.atomic
def withdraw_notice(*, notice: PerformanceNotice, actor, reason: str) -> None:
    """The SMT withdraws a draft recorded in error, with a reason; the audit trail keeps
    the record and the reason. An approved (published) notice cannot be withdrawn."""
    check_may_assess(actor)
    notice = PerformanceNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.state != AssessmentState.DRAFT:
        raise Conflict("The notice is approved: a published notice cannot be withdrawn.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for withdrawing the draft."})
    if long_texts := text_errors(reason=(reason, "Reason")):
        raise ValidationError(long_texts)
    history.attribute(notice, actor, f"Withdrawn: {reason}")
    notice.delete()
