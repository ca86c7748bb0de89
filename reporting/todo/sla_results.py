"""SLA results to do: the partner's results due for the latest closed month, the SMT's
results to verify, and disputes (the SMT resolves them, the partner answers its own)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from core.words import plural
from departments import periods
from departments.periods import date_in_words, key_in_words
from partnerships.models import Partnership, Sla, SlaResult, Verification
from partnerships.outcomes import sla_results_deadline
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList


def sla_results_due(partnership_ids, today: date | None = None) -> dict:
    """The partner's to-do for the latest closed month: each partnership's SLAs still
    without a result, the deadline in words and whether it has passed (London date).

    Shape: ``month`` (Period), ``deadline`` (date), ``overdue`` (bool: results are still
    missing after the deadline), ``days_late`` (whole days past it, 0 before), ``slas``
    (every SLA still without a result) and ``partnerships`` ((Partnership, missing count)
    for the entry form's links, one per partnership with results missing)."""
    today = today or timezone.localdate()
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    deadline = sla_results_deadline(month)
    slas = list(
        Sla.objects.filter(service__partnership__in=partnership_ids)
        .exclude(results__period=month.key)
        .select_related("service__partnership")
        .order_by("service__partnership__name", "service__name", "code")
    )
    missing: dict[Partnership, int] = {}
    for sla in slas:
        partnership = sla.service.partnership
        missing[partnership] = missing.get(partnership, 0) + 1
    overdue = bool(slas) and today > deadline
    return {
        "month": month,
        "deadline": deadline,
        "overdue": overdue,
        "days_late": (today - deadline).days if overdue else 0,
        "slas": slas,
        "partnerships": list(missing.items()),
    }


def sla_results_due_list(partnership_ids, today: date | None) -> ToDoList:
    """The partner's SLA results due for the latest closed month (``sla_results_due``),
    one link per partnership with results missing, flagged once the deadline has passed."""
    due = sla_results_due(partnership_ids, today)
    month = due["month"]
    several = len(due["partnerships"]) > 1
    return ToDoList(
        "sla_results_due",
        f"SLA results due for {month.in_words}",
        "result",
        len(due["slas"]),
        [
            ToDoItem(
                f"Enter the {plural(missing, 'missing result')} for {month.in_words}"
                + (f" ({partnership.name})" if several else ""),
                reverse("partnerships:sla-results", args=[partnership.pk, month.key]),
                partnership.name,
                count=missing,
            )
            for partnership, missing in due["partnerships"]
        ],
        "Every result for this month is in.",
        lead=(
            f"Due by {date_in_words(due['deadline'])} "
            f"({periods.SLA_RESULT_DEADLINE_WORKING_DAYS} working days after the month ends)."
        ),
        flag=f"Overdue by {plural(due['days_late'], 'day')}" if due["overdue"] else "",
    )


def _month_results_url(partnership_id: int, period_key: str, anchor: str) -> str:
    page = reverse("partnerships:sla-results", args=[partnership_id, period_key])
    return f"{page}#{anchor}"


def results_to_verify_list(user) -> ToDoList:
    """SLA results awaiting verification, by partnership and month (one query), each month
    linking to its page's bulk verification."""
    months = list(
        SlaResult.objects.visible_to(user)
        .filter(verification=Verification.UNVERIFIED)
        .values("sla__service__partnership_id", "sla__service__partnership__name", "period")
        .annotate(n=Count("id"))
        .order_by("-period", "sla__service__partnership__name")
    )
    several = len({m["sla__service__partnership_id"] for m in months}) > 1
    items = [
        ToDoItem(
            f"Verify the {plural(m['n'], 'result')} for {key_in_words(m['period'])}"
            + (f" ({m['sla__service__partnership__name']})" if several else ""),
            _month_results_url(m["sla__service__partnership_id"], m["period"], "verify"),
            m["sla__service__partnership__name"],
            count=m["n"],
        )
        for m in months
    ]
    return ToDoList(
        "sla_results_to_verify",
        "SLA results to verify",
        "result",
        sum(m["n"] for m in months),
        items[:SHOWN],
        "No SLA result is waiting to be verified.",
        lead="Verify a month's results at once, or dispute one with a reason.",
    )


def disputes_list(user, *, partnership_ids=None) -> ToDoList:
    """Disputed SLA results: SMT resolves them; the partner answers those of its own
    partnerships (``partnership_ids``, given for the partner's list: a person who is also
    SMT sees every partnership's, but answers only for their own)."""
    partner = partnership_ids is not None
    disputed = SlaResult.objects.visible_to(user).filter(verification=Verification.DISPUTED)
    if partner:
        disputed = disputed.filter(sla__service__partnership__in=partnership_ids)
    disputed = disputed.order_by("period", "sla__code")
    count = disputed.count()
    items = [
        ToDoItem(
            f"{r.sla.code} {r.sla.title}, {key_in_words(r.period)}",
            _month_results_url(r.sla.service.partnership_id, r.period, f"verify-{r.pk}"),
            f"Disputed: {r.dispute_reason}",
            record=r,
        )
        for r in disputed.select_related("sla__service")[:SHOWN]
    ]
    if partner:
        return ToDoList(
            "disputes_to_answer",
            "Disputes to answer",
            "dispute",
            count,
            items,
            "The council disputes none of your results.",
            lead="The council disputes these results: agree the figure with the SMT, who "
            "record it.",
        )
    return ToDoList(
        "disputes_open",
        "Disputes open",
        "dispute",
        count,
        items,
        "No SLA result is disputed.",
        lead="Resolve each by confirming the partner's figure or recording the agreed one.",
    )
