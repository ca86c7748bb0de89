"""The contract's to-do lists: the SMT's contract performance notices and draft
assessments, and the partner's milestones due."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from core.words import plural
from departments.periods import date_in_words
from departments.roles import scope_for
from partnerships.contracts import selectors as contract_selectors
from partnerships.contracts.models import Assessment, AssessmentState
from partnerships.models import Milestone, MilestoneState, Partnership
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList

# Milestones due within this many days (and every one past its date) are the partner's to do.
MILESTONE_HORIZON_DAYS = 30

# A contract's next assessment and notice show on the SMT's home this many days ahead.
NOTICE_DUE_AHEAD_DAYS = 30


def contract_notices_list(user, today: date) -> ToDoList:
    """Contract performance notices due within ``NOTICE_DUE_AHEAD_DAYS`` or overdue
    (section 71(2)), and draft assessments waiting for approval, for every partnership
    the user sees; the count holds every draft, not only those shown. A fixed number of
    queries whatever the number of partnerships (``notices_due_for``)."""
    items = []
    partnerships = list(Partnership.objects.visible_to(user).order_by("name"))
    owed = contract_selectors.notices_due_for(
        partnerships, today, drafts=scope_for(user).council_wide
    )
    for partnership in partnerships:
        due = next(iter(owed[partnership.pk]), None)  # the earliest
        if due is not None and (due.due_on - today).days <= NOTICE_DUE_AHEAD_DAYS:
            when = "overdue since" if due.overdue else "due"
            items.append(
                ToDoItem(
                    f"Assess {partnership.name} and publish its notice",
                    reverse("partnerships:contract", args=[partnership.pk]),
                    f"{when} {date_in_words(due.due_on)} ({due.reason})",
                )
            )
    notices = len(items)
    drafts = Assessment.objects.visible_to(user).filter(state=AssessmentState.DRAFT)
    for draft in drafts.select_related("partnership").order_by("period_end")[:SHOWN]:
        items.append(
            ToDoItem(
                f"Review and approve the assessment of {draft.partnership.name}",
                reverse("partnerships:assessment", args=[draft.pk]),
                f"{date_in_words(draft.period_start)} to {date_in_words(draft.period_end)}",
            )
        )
    return ToDoList(
        "contract_notices_due",
        "Contract performance notices",
        "notice",
        notices + drafts.count(),
        items[:SHOWN],
        f"No contract assessment is due within {NOTICE_DUE_AHEAD_DAYS} days.",
        lead="Assess each contract's KPIs at least every 12 months (Procurement Act 2023).",
    )


def milestones_due_list(user, partnership_ids, today: date) -> ToDoList:
    """Milestones of ``partnership_ids`` neither delivered nor cancelled, due within
    ``MILESTONE_HORIZON_DAYS`` or already past their date, soonest first, each linking to
    its progress form."""
    due = (
        Milestone.objects.visible_to(user)
        .filter(partnership__in=partnership_ids)
        .exclude(state__in=(MilestoneState.DELIVERED, MilestoneState.CANCELLED))
        .filter(due_date__lte=today + timedelta(days=MILESTONE_HORIZON_DAYS))
        .order_by("due_date", "title")
    )
    count = due.count()
    items = []
    for m in due[:SHOWN]:
        late = (today - m.due_date).days
        when = f"due by {date_in_words(m.due_date)}"
        detail = f"Late by {plural(late, 'day')} ({when})" if late > 0 else f"D{when[1:]}"
        url = reverse("partnerships:records", args=[m.partnership_id]) + f"#state-{m.pk}"
        items.append(ToDoItem(f"Record progress on {m.title}", url, detail, record=m))
    return ToDoList(
        "milestones_due",
        "Milestones due",
        "milestone",
        count,
        items,
        f"No milestone is due in the next {MILESTONE_HORIZON_DAYS} days.",
        lead=f"Past their due date, or due in the next {MILESTONE_HORIZON_DAYS} days.",
    )
