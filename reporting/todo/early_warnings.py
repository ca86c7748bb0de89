"""The SMT's open early warnings, to acknowledge."""

from __future__ import annotations

from django.urls import reverse

from reporting.models import EarlyWarning
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList, more_link


def warnings_list(user) -> ToDoList:
    """Open early warnings the user sees, newest first, each linking to where it is
    acknowledged."""
    warnings = EarlyWarning.objects.visible_to(user).open().order_by("-raised_at")
    count = warnings.count()
    return ToDoList(
        "warnings_to_acknowledge",
        "Early warnings to acknowledge",
        "warning",
        count,
        [
            ToDoItem(
                f"{w.get_rule_display()}: {w.subject_label}",
                reverse("reporting:early-warning", args=[w.pk]) + "#acknowledge",
                w.periods_in_words,
                record=w,
            )
            for w in warnings[:SHOWN]
        ],
        "No early warning is open.",
        lead="Say what the SMT has decided to do about each.",
        more=more_link(count, "Every open warning", reverse("reporting:early-warnings")),
    )
