"""The auditor's lists: recent report runs and the changes since their last visit."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from departments.accounts.services import previous_visit
from departments.periods import date_in_words
from reporting.audit.selectors import AuditTrail
from reporting.models import ReportRun
from reporting.reports.kinds import report_title
from reporting.todo.lists import SHOWN, ToDoItem, ToDoList, more_link

# The auditor's changes: as many as the home showed before it was a to-do list.
CHANGES_SHOWN = 20

# The auditor's "recent" report runs: those asked for within this many days.
RECENT_RUN_DAYS = 30


def recent_report_runs_list(user) -> ToDoList:
    """Report runs the user sees asked for in the last ``RECENT_RUN_DAYS`` days, newest
    first, each linking to its run page."""
    since = timezone.now() - timedelta(days=RECENT_RUN_DAYS)
    runs = ReportRun.objects.visible_to(user).filter(created_at__gte=since)
    count = runs.count()
    items = []
    for run in runs.select_related("requested_by").order_by("-created_at", "-pk")[:SHOWN]:
        asked = timezone.localtime(run.created_at)
        by = run.requested_by.get_full_name() or run.requested_by.username
        items.append(
            ToDoItem(
                f"{report_title(run.kind)} #{run.pk}",
                reverse("reporting:report-run", args=[run.pk]),
                f"{run.covers}, {run.file_format.upper()}, asked for by {by} on "
                f"{date_in_words(asked.date())}: {run.get_state_display()}",
                record=run,
            )
        )
    return ToDoList(
        "recent_report_runs",
        "Recent report runs",
        "report run",
        count,
        items,
        f"No report has been asked for in the last {RECENT_RUN_DAYS} days.",
        lead=f"Asked for in the last {RECENT_RUN_DAYS} days, newest first.",
        more=more_link(count, "Every report run", reverse("reporting:reports")),
    )


def _time_in_words(instant: datetime) -> str:
    local = timezone.localtime(instant)
    return f"{local:%H:%M} on {date_in_words(local.date())}"


def changes_since_last_visit_list(user) -> ToDoList:
    """The audit trail's entries since the user's previous sign-in (``previous_visit``),
    newest first; every entry in scope at a first visit."""
    since = previous_visit(user)
    trail = AuditTrail(user=user, after=since)
    count = trail.count()
    items = [
        ToDoItem(
            f"{entry.object_type} {entry.record}: {entry.action.lower()}",
            entry.history_link,
            f"By {entry.who} at {_time_in_words(entry.when)}",
            record=entry,
        )
        for entry in (trail.page(1, CHANGES_SHOWN) if count else [])
    ]
    trail_url = reverse("reporting:audit-trail")
    if since is None:
        title, lead = "Changes in the audit trail", "This is your first visit: the latest changes."
    else:
        day = timezone.localtime(since).date()
        title = "Changes since your last visit"
        lead = f"Since you last signed in, at {_time_in_words(since)}."
        trail_url = f"{trail_url}?since={day.isoformat()}"
    return ToDoList(
        "changes_since_last_visit",
        title,
        "change",
        count,
        items,
        "Nothing has changed since your last visit.",
        lead=lead,
        more=ToDoItem("The audit trail from that day", trail_url, count=count)
        if count > CHANGES_SHOWN
        else None,
    )
