"""Members' scrutiny questions: those to answer (heads of service, the SMT,
administrators) and an elected member's own."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from core.words import plural
from departments.periods import date_in_words
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList, more_link
from scrutiny.selectors import items_awaiting_member, items_to_answer


def scrutiny_to_answer_list(user, today: date) -> ToDoList:
    """Members' questions routed to the user (a head of service's departments; the
    partnership's for the SMT), the ones due first first; overdue ones flagged."""
    items = items_to_answer(user)
    count = items.count()
    overdue = items.overdue(today).count()
    shown = [
        ToDoItem(
            f"{item.get_kind_display()} on {item.about}",
            reverse("scrutiny:item", args=[item.pk]),
            f"Overdue: answer due by {date_in_words(item.due_on)}"
            if item.is_overdue(today)
            else f"Answer by {date_in_words(item.due_on)}",
            record=item,
        )
        for item in items[:SHOWN]
    ]
    return ToDoList(
        "scrutiny_to_answer",
        "Scrutiny questions to answer",
        "question",
        count,
        shown,
        "No member's question waits for your answer.",
        lead="Elected members asked these; answer each in writing.",
        flag=f"{plural(overdue, 'question')} overdue" if overdue else "",
        more=more_link(count, "Every scrutiny item", reverse("scrutiny:items") + "?state=open"),
    )


def scrutiny_awaiting_member_list(user, today: date) -> ToDoList:
    """A member's own questions: answered ones to close, and those still open."""
    items = items_awaiting_member(user)
    count = items.count()
    shown = [
        ToDoItem(
            f"{item.get_kind_display()} on {item.about}",
            reverse("scrutiny:item", args=[item.pk]),
            "Answered: read it and close it"
            if item.state == "answered"
            else f"Overdue: answer due by {date_in_words(item.due_on)}"
            if item.is_overdue(today)
            else f"Answer due by {date_in_words(item.due_on)}",
            record=item,
        )
        for item in items[:SHOWN]
    ]
    return ToDoList(
        "scrutiny_awaiting_you",
        "Your scrutiny questions",
        "question",
        count,
        shown,
        "You have no open questions. Ask one from an indicator's or a dashboard's page.",
        more=more_link(count, "Every scrutiny item", reverse("scrutiny:items")),
    )
