"""Reminders of contract performance notices falling due (issue 18, item 6): 30 days and
7 days before each notice a partnership owes is due (``selectors.notices_due_for``: 12
months from the last assessment, the contract's end, 30 days after a breach or a flagged
plan), each SMT member gets one email listing the partnerships whose notice is due then.

The emails go through the reminder machinery of ``departments.reminders``
(``send_logged``): one ``ReminderLog`` row per person, kind and day, written with the
send, so a rerun the same day sends nothing twice and a failed send is retried.
An overdue notice is not reminded of here: it raises an early warning instead
(``reporting.warnings.rules.notice_overdue``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from departments.reminders import count_outcome, send_logged
from departments.roles import Role
from partnerships.contracts.selectors import NoticeDue, notices_due_for
from partnerships.models import Partnership

NOTICE_DIGEST = "notice_due"  # ReminderLog.kind of the SMT's notice reminder
# Days before the due date on which the SMT is reminded.
REMINDER_DAYS = (30, 7)


@dataclass
class NoticeReminderSummary:
    emails_sent: int = 0
    partnerships: int = 0
    skipped_no_email: int = 0
    already_sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class NoticeComingDue:
    partnership: Partnership
    due: NoticeDue
    days: int  # one of REMINDER_DAYS

    @property
    def url(self) -> str:
        path = reverse("partnerships:contract", args=[self.partnership.pk])
        return settings.SITE_URL.rstrip("/") + path


def notices_coming_due(today: date) -> list[NoticeComingDue]:
    """Each notice falling due exactly 30 or 7 days after ``today`` (a London date), by
    due date then partnership name. Every deadline reminds on its own: one overdue item
    does not hide the others (the SMT, who are reminded, see drafts too). A fixed number
    of queries whatever the number of partnerships (``notices_due_for``)."""
    partnerships = list(Partnership.objects.select_related("council").order_by("name"))
    owed = notices_due_for(partnerships, today, drafts=True)
    found = []
    for partnership in partnerships:
        for due in owed[partnership.pk]:
            if (days := (due.due_on - today).days) in REMINDER_DAYS:
                found.append(NoticeComingDue(partnership, due, days))
    return sorted(found, key=lambda n: (n.due.due_on, n.partnership.name))


def send_notice_reminders(*, today: date | None = None) -> NoticeReminderSummary:
    """Email each active SMT member the notices coming due (nothing when none are);
    safe to run again the same day."""
    today = today or timezone.localdate()
    summary = NoticeReminderSummary()
    coming = notices_coming_due(today)
    summary.partnerships = len(coming)
    if not coming:
        return summary
    people = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.SMT)
        .distinct()
        .order_by("username")
    )
    connection = get_connection()
    try:
        for user in people:
            body = render_to_string(
                "email/notice_reminder.txt",
                {
                    "name": user.get_full_name() or user.get_username(),
                    "coming": coming,
                    "today": today,
                    "site_url": settings.SITE_URL.rstrip("/"),
                },
            )
            outcome = send_logged(
                user=user,
                kind=NOTICE_DIGEST,
                sent_on=today,
                count=len(coming),
                subject=f"Contract performance notices due: {len(coming)}",
                body=body,
                connection=connection,
            )
            count_outcome(summary, outcome)
    finally:
        connection.close()
    return summary
