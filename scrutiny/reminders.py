"""The daily reminder of overdue scrutiny answers (issue 20, item 3), sent through the
return reminders' ``departments.reminders.send_logged``: one email per person per day,
logged as a ``ReminderLog`` row in the same transaction as the send, so a rerun sends
nothing twice and a failed send is tried again by the next run.

Who is reminded: each active head of service of a department with an overdue item, and
every active SMT member when an item about the partnership is overdue. An item is overdue
when still open after its due date (``ScrutinyItem.objects.overdue``), a London date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.core.mail import get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership, ReminderLog, Role
from departments.reminders import count_outcome, send_logged
from scrutiny.models import ScrutinyItem

SCRUTINY_OVERDUE = "scrutiny_overdue"  # ReminderLog.kind


@dataclass
class ScrutinyReminderSummary:
    emails_sent: int = 0
    already_sent: int = 0
    skipped_no_email: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def overdue_by_recipient(today: date) -> dict:
    """{user: [overdue items they answer]}, each list due first first; three queries."""
    overdue = list(
        ScrutinyItem.objects.overdue(today)
        .select_related("indicator", "department", "partnership")
        .order_by("due_on", "pk")
    )
    if not overdue:
        return {}
    department_ids = {item.department_id for item in overdue if item.department_id}
    heads = Membership.objects.filter(
        role=Role.HEAD, department__in=department_ids, user__is_active=True
    ).select_related("user")
    by_department = defaultdict(list)
    for membership in heads:
        by_department[membership.department_id].append(membership.user)
    smt = []
    if any(item.department_id is None for item in overdue):
        smt = [
            m.user
            for m in Membership.objects.filter(role=Role.SMT, user__is_active=True).select_related(
                "user"
            )
        ]
    recipients: dict = defaultdict(list)
    for item in overdue:
        for user in by_department[item.department_id] if item.department_id else smt:
            recipients[user].append(item)
    return dict(recipients)


def send_scrutiny_reminders(*, today: date | None = None) -> ScrutinyReminderSummary:
    """Send the day's reminders of overdue answers; safe to run again. Each is sent and
    logged by ``departments.reminders.send_logged``, over one mail connection for the
    run."""
    today = today or timezone.localdate()
    summary = ScrutinyReminderSummary()
    recipients = overdue_by_recipient(today)
    if not recipients:
        return summary  # nothing to send: the mail server is never touched
    already = set(
        ReminderLog.objects.filter(sent_on=today, kind=SCRUTINY_OVERDUE).values_list(
            "user_id", flat=True
        )
    )
    site = settings.SITE_URL.rstrip("/")
    connection = get_connection()
    try:
        for user, items in sorted(recipients.items(), key=lambda e: e[0].username):
            if user.email and user.pk in already:
                summary.already_sent += 1
                continue
            body = render_to_string(
                "email/scrutiny_overdue.txt",
                {
                    "name": user.get_full_name() or user.get_username(),
                    "items": [
                        (item, site + reverse("scrutiny:item", args=[item.pk])) for item in items
                    ],
                    "today": today,
                    "site_url": site,
                },
            )
            outcome = send_logged(
                user=user,
                kind=SCRUTINY_OVERDUE,
                sent_on=today,
                count=len(items),
                subject=f"Scrutiny answers overdue: {len(items)}",
                body=body,
                connection=connection,
            )
            count_outcome(summary, outcome)
    finally:
        connection.close()
    return summary
