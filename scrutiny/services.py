"""The scrutiny loop's writes: ask, answer, close, and the committee's agenda.

Each is atomic, checks its one permission function in ``departments.roles``, validates
with messages naming the field and its limit, and records the change in the item's
history (who, when, why) for the audit trail. Pages and the API call these alike.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import Conflict, insert_first
from departments import periods, roles
from departments.models import Department, PerformanceIndicator
from partnerships.models import Partnership
from scrutiny.member_months import department_asked_about, month_open_to_members
from scrutiny.models import (
    ITEM_TEXT_LIMIT,
    AgendaItem,
    ItemKind,
    ItemState,
    ScrutinyCommittee,
    ScrutinyItem,
    Subject,
)


def answer_due_on(asked_on: date) -> date:
    """The last day to answer an item asked on ``asked_on`` (a London date): the
    ``SCRUTINY_ANSWER_WORKING_DAYS``-th working day after it (weekends and bank holidays
    of England and Wales excluded)."""
    return periods.working_days_after(asked_on, settings.SCRUTINY_ANSWER_WORKING_DAYS)


def _text(value: str, field: str, what: str, limit: int = ITEM_TEXT_LIMIT) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [f"Write the {what}."]})
    if len(text) > limit:
        raise ValidationError({field: [f"Keep the {what} to {limit:,} characters or fewer."]})
    return text


def _committee_for(actor, committee: ScrutinyCommittee | None) -> ScrutinyCommittee:
    """The committee an item is for: the one chosen, which the member must sit on; when
    none is chosen, the one committee they sit on. An item on no committee would never
    reach a committee's papers, so one is needed."""
    theirs = ScrutinyCommittee.objects.filter(members=actor)
    if committee is not None:
        if not theirs.filter(pk=committee.pk).exists():
            raise ValidationError({"committee": ["You do not sit on that committee."]})
        return committee
    sits_on = list(theirs[:2])
    if len(sits_on) == 1:
        return sits_on[0]
    if sits_on:
        raise ValidationError(
            {"committee": ["Choose the committee the item is for: you sit on more than one."]}
        )
    raise ValidationError(
        {
            "committee": [
                "You sit on no scrutiny committee, so the item would reach no committee's "
                "papers; ask the council's scrutiny officer to add you to one."
            ]
        }
    )


@transaction.atomic
def ask(
    *,
    actor,
    subject: str,
    period_key: str,
    text: str,
    kind: str = ItemKind.QUESTION,
    indicator: PerformanceIndicator | None = None,
    department: Department | None = None,
    partnership: Partnership | None = None,
    committee: ScrutinyCommittee | None = None,
    now: datetime | None = None,
) -> ScrutinyItem:
    """A member asks a question or makes a comment; routed to the owning department's
    heads (an indicator's department, or the department asked about), or to the SMT for
    the partnership. Due ``SCRUTINY_ANSWER_WORKING_DAYS`` working days after today.

    ``now`` is the moment it is asked (the clock's by default; ``_when``)."""
    if not roles.may_ask_scrutiny(actor):
        raise PermissionDenied("Only elected members ask scrutiny questions.")
    now = _when(now)
    today = timezone.localdate(now)
    if kind not in ItemKind.values:
        raise ValidationError({"kind": [f"Choose one of: {', '.join(ItemKind.values)}."]})
    item = ScrutinyItem(subject=subject, kind=kind, asked_by=actor)
    if subject == Subject.INDICATOR:
        if indicator is None:
            raise ValidationError({"indicator": ["Choose the indicator the item is about."]})
        item.indicator, item.department_id = indicator, indicator.department_id
    elif subject == Subject.DEPARTMENT:
        if department is None:
            raise ValidationError({"department": ["Choose the department the item is about."]})
        item.department = department
    elif subject == Subject.PARTNERSHIP:
        if partnership is None:
            raise ValidationError({"partnership": ["Choose the partnership."]})
        item.partnership = partnership
    else:
        raise ValidationError({"subject": [f"Choose one of: {', '.join(Subject.values)}."]})
    asked_about = department_asked_about(subject, indicator=indicator, department=department)
    item.period = month_open_to_members(period_key, department_id=asked_about, today=today).key
    item.committee = _committee_for(actor, committee)
    item.text = _text(text, "text", "question or comment")
    item.asked_at, item.due_on = now, answer_due_on(today)
    item._history_user, item._change_reason, item._history_date = actor, "Asked", now
    item.save()
    return item


def _when(now: datetime | None) -> datetime:
    """The moment a scrutiny step happens: the clock's, unless the caller names one. The
    demo names its own day, so that a council seeded as of a day is the same whatever
    the clock says (every date checked against it, and the audit trail, follow it)."""
    return timezone.now() if now is None else now


def _locked(item: ScrutinyItem) -> ScrutinyItem:
    return ScrutinyItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def answer(*, item: ScrutinyItem, actor, text: str, now: datetime | None = None) -> ScrutinyItem:
    """The owning head of service (the SMT for the partnership) answers in writing. An
    answered item may be answered again, replacing the answer, until the member closes
    it; the history keeps every answer."""
    if not roles.may_answer_scrutiny(actor, department_id=item.department_id):
        raise PermissionDenied(
            "Only the owning department's heads of service (the SMT for the partnership) "
            "answer this item."
        )
    item = _locked(item)
    if item.state == ItemState.CLOSED:
        raise Conflict({"state": ["This item is closed: it takes no more answers."]})
    item.answer = _text(text, "answer", "answer", ScrutinyItem._meta.get_field("answer").max_length)
    now = _when(now)
    item.state, item.answered_by, item.answered_at = ItemState.ANSWERED, actor, now
    item._history_user, item._change_reason, item._history_date = actor, "Answered", now
    item.save()
    return item


@transaction.atomic
def close(*, item: ScrutinyItem, actor, now: datetime | None = None) -> ScrutinyItem:
    """The member who asked closes an answered item."""
    if not roles.may_close_scrutiny(actor, asked_by_id=item.asked_by_id):
        raise PermissionDenied("Only the member who asked closes this item.")
    item = _locked(item)
    if item.state != ItemState.ANSWERED:
        state = ItemState(item.state).label.lower()
        raise Conflict({"state": [f"Only an answered item can be closed; this one is {state}."]})
    now = _when(now)
    item.state, item.closed_by, item.closed_at = ItemState.CLOSED, actor, now
    item._history_user, item._change_reason, item._history_date = actor, "Closed", now
    item.save()
    return item


@transaction.atomic
def put_to_committee(
    *,
    actor,
    committee: ScrutinyCommittee,
    meeting_on: date,
    period_key: str,
    indicator: PerformanceIndicator | None = None,
    note: str = "",
    now: datetime | None = None,
) -> AgendaItem:
    """The SMT puts a month (and optionally one indicator) to a committee's meeting
    (``now``: the moment, the clock's by default; ``_when``)."""
    if not roles.may_manage_agenda(actor):
        raise PermissionDenied("Only the SMT puts items to a committee.")
    now = _when(now)
    today = timezone.localdate(now)
    if meeting_on is None:
        raise ValidationError({"meeting_on": ["Give the meeting date."]})
    if meeting_on < today:
        past = periods.date_in_words(meeting_on)
        raise ValidationError({"meeting_on": [f"Give a meeting date today or later, not {past}."]})
    department_id = indicator.department_id if indicator is not None else None
    month = month_open_to_members(period_key, department_id=department_id, today=today)
    note = (note or "").strip()  # measured as stored
    if len(note) > 500:
        raise ValidationError({"note": ["Keep the note to 500 characters or fewer."]})
    item = AgendaItem(
        committee=committee,
        meeting_on=meeting_on,
        period=month.key,
        indicator=indicator,
        note=note,
    )
    item._history_user, item._change_reason = actor, "Put to the committee"
    item._history_date = now
    # Once per meeting (the model's constraints): put again, or by two people at the
    # same moment, the later one is told it is already there, never a server error.
    same = AgendaItem.objects.filter(
        committee=committee, meeting_on=meeting_on, period=month.key, indicator=indicator
    )
    insert_first(
        item,
        winner=same.first,
        conflict=lambda _: Conflict({"period": ["That is already on the committee's agenda."]}),
    )
    return item
