"""The returns' to-do lists: an officer's returns due, missing and sent back, the
approvals waiting for a head of service or the SMT, a head's forecasts to check and
department's missing returns, and the SMT's sign-off of the latest closed month."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from core.words import plural
from departments import roles
from departments.models import Department, KpiReturn, ReturnState
from departments.periods import date_in_words, key_in_words
from departments.rating import Timeliness
from departments.returns.filters import EVERY_PERIOD
from departments.returns.selectors import (
    ReturnDue,
    flagged_forecasts,
    forecasts_to_check,
    sign_off_summary,
)
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList, more_link


def _return_form(row: ReturnDue) -> str:
    return reverse("departments:return-edit", args=[row.indicator.pk, row.period.key])


def _return_item(row: ReturnDue, detail: str) -> ToDoItem:
    indicator = row.indicator
    return ToDoItem(
        f"{indicator.code} {indicator.title}, {row.period.in_words}",
        _return_form(row),
        detail,
        record=row,
    )


def officer_lists(rows: list[ReturnDue], department_ids, my_returns: str) -> list[ToDoList]:
    """Returns due, missing (past their deadline: the one rule's word, never "overdue")
    and sent back. The first two are of
    the latest closed period of each indicator's kind (``returns_due``); a return sent back
    is listed whatever its period, as it waits for the department until submitted again.

    "Missing" is the rule's count, a return sent back past its deadline included, as the
    head's list and the linked page of missing returns count it; it is also in the list
    of returns sent back, where its reason is."""
    due = [r for r in rows if r.timeliness is Timeliness.DUE and r.state != ReturnState.SENT_BACK]
    missing = [r for r in rows if r.timeliness is Timeliness.MISSING]
    sent_back = KpiReturn.objects.filter(
        department__in=department_ids, state=ReturnState.SENT_BACK
    ).order_by("-period", "indicator__code")
    sent_back_count = sent_back.count()
    return [
        ToDoList(
            "returns_due",
            "Returns due",
            "return",
            len(due),
            [
                _return_item(r, f"{r.state_label}: due by {date_in_words(r.deadline)}")
                for r in due[:SHOWN]
            ],
            "No return is due: every one owed so far is in.",
            lead="Enter each return and submit it for approval by its deadline.",
            more=more_link(len(due), "All your returns", my_returns),
        ),
        ToDoList(
            "returns_missing",
            "Returns missing",
            "return",
            len(missing),
            [
                _return_item(r, f"{r.state_label}: was due by {date_in_words(r.deadline)}")
                for r in missing[:SHOWN]
            ],
            "No return is missing.",
            lead="Past their deadline and not submitted: each counts as missing until it is.",
            more=more_link(len(missing), "Every missing return", f"{my_returns}?state=missing"),
        ),
        ToDoList(
            "returns_sent_back",
            "Returns sent back to you",
            "return",
            sent_back_count,
            [
                ToDoItem(
                    f"{r.indicator.code} {r.indicator.title}, {key_in_words(r.period)}",
                    reverse("departments:return-edit", args=[r.indicator_id, r.period]),
                    f"Sent back: {r.sent_back_reason}" if r.sent_back_reason else "Sent back",
                    record=r,
                )
                for r in sent_back.select_related("indicator")[:SHOWN]
            ],
            "No return has been sent back.",
            lead="Correct each as its reason says and submit it again.",
            more=more_link(
                sent_back_count,
                "Every return sent back",
                f"{my_returns}?state=sent_back&period={EVERY_PERIOD}",
            ),
        ),
    ]


def approvals_list(user, my_returns: str) -> ToDoList:
    """Submitted returns the user may approve (``roles.may_approve_return``: a head their
    own departments', SMT and administrators every one, never their own submissions),
    oldest period first, each linking to the return's page where it is approved."""
    approving = [
        d.pk
        for d in Department.objects.visible_to(user).only("pk")
        if roles.may_approve_return(user, department_id=d.pk, submitted_by_id=None)
    ]
    waiting = (
        KpiReturn.objects.filter(department__in=approving, state=ReturnState.SUBMITTED)
        .exclude(submitted_by=user)
        .order_by("period", "department__name", "indicator__code")
    )
    count = waiting.count()
    items = []
    shown = list(waiting.select_related("indicator", "department", "submitted_by")[:SHOWN])
    flagged = flagged_forecasts([(r.indicator, r) for r in shown])
    for r in shown:
        by = (r.submitted_by.get_full_name() or r.submitted_by.username) if r.submitted_by else ""
        when = date_in_words(timezone.localtime(r.submitted_at).date()) if r.submitted_at else ""
        detail = f"{r.department.name}, submitted by {by}" if by else r.department.name
        detail = f"{detail} on {when}" if when else detail
        if r.pk in flagged:
            detail = f"{detail}. Forecast to check: {flagged[r.pk].flag}"
        items.append(
            ToDoItem(
                f"Approve {r.indicator.code} {r.indicator.title}, {key_in_words(r.period)}",
                reverse("departments:return-detail", args=[r.pk]) + "#actions",
                detail,
                record=r,
            )
        )
    return ToDoList(
        "returns_awaiting_approval",
        "Returns waiting for your approval",
        "return",
        count,
        items,
        "No return is waiting for your approval.",
        lead="Approve each, or send it back with a reason, from its own page.",
        more=more_link(
            count, "Every submitted return", f"{my_returns}?state=submitted&period={EVERY_PERIOD}"
        ),
    )


def forecasts_to_check_list(rows: list[ReturnDue]) -> ToDoList:
    """Year-end forecasts whose confidence contradicts their return's current status or
    their own rating (the one flag, ``departments.forecasts.forecast_flag``), for the head
    of service to check."""
    flagged = forecasts_to_check(rows)
    return ToDoList(
        "forecasts_to_check",
        "Forecasts to check",
        "forecast",
        len(flagged),
        [
            ToDoItem(
                f"{row.indicator.code} {row.indicator.title}, {row.period.in_words}",
                reverse("departments:return-detail", args=[row.kpi_return.pk]),
                f"{forecast.current.label} now, forecast {forecast.confidence.label.lower()}: "
                f"{forecast.flag}",
                record=row,
            )
            for row, forecast in flagged[:SHOWN]
        ],
        "No forecast's confidence contradicts its current status or its own rating.",
        lead="A red result forecast on track, a green one forecast off track, or a "
        "confidence at odds with the forecast's own figure: ask the officer what the "
        "forecast rests on.",
    )


def department_missing_list(rows: list[ReturnDue], month, my_returns: str) -> ToDoList:
    """A head of service's departments' returns missing (past their deadline and not
    submitted) among ``rows``, the latest closed periods' returns owed."""
    missing = [r for r in rows if r.timeliness is Timeliness.MISSING]
    return ToDoList(
        "department_returns_missing",
        f"Returns missing for {month.in_words}",
        "return",
        len(missing),
        [
            _return_item(r, f"{r.state_label}: was due by {date_in_words(r.deadline)}")
            for r in missing[:SHOWN]
        ],
        f"No return is missing for {month.in_words}.",
        lead="Past their deadline and not submitted (a draft, or a return sent back, counts "
        "as missing until it is submitted).",
        more=more_link(len(missing), "Every missing return", f"{my_returns}?state=missing"),
    )


def sign_off_list(user, month) -> ToDoList:
    """The latest closed month's sign-off by department (three queries): the departments
    not yet signed off, each with its returns by state, linking to the sign-off page."""
    rows = sign_off_summary(month, Department.objects.visible_to(user).filter(is_active=True))
    waiting = [row for row in rows if not row.signed_off]
    url = reverse("departments:period-sign-off", args=[month.key])
    items = []
    for row in waiting:
        parts = [
            f"{row.counts.get('approved', 0)} approved",
            f"{row.counts.get('submitted', 0)} waiting for approval",
            f"{row.being_prepared} being prepared",
        ]
        items.append(ToDoItem(f"Sign off {row.department.name}", url, ", ".join(parts)))
    signed = len(rows) - len(waiting)
    return ToDoList(
        "sign_off",
        f"Sign-off of {month.in_words}",
        "department",
        len(waiting),
        items[:SHOWN],
        f"Every department is signed off for {month.in_words}.",
        lead=f"{signed} of {plural(len(rows), 'department')} signed off.",
        more=more_link(len(waiting), f"Sign off {month.in_words}", url),
    )
