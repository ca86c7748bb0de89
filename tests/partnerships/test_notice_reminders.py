"""Reminders of contract performance notices: the SMT is emailed 30 and 7 days before a
partnership's next notice is due, once a day whatever the reruns, through the reminder
log of every digest."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from departments.models import ReminderLog
from partnerships.contracts import breaches
from partnerships.contracts.reminders import NOTICE_DIGEST, send_notice_reminders
from partnerships.tasks import send_notice_reminders as reminder_task
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _addresses(sam, alice):
    # An officer is not an SMT member: never emailed about notices.
    for user in (sam, alice):
        user.email = f"{user.username}@council.example"
        user.save()


@pytest.fixture
def contract(partnership):
    # No assessment yet: the first notice is due 12 months after the start, on
    # 31 May 2026 (1 June 2025 to 31 May 2026).
    partnership.start_date = date(2025, 6, 1)
    partnership.save()
    return partnership


def test_the_smt_is_reminded_30_and_7_days_before_and_only_then(contract, sam, settings):
    settings.SITE_URL = "https://dashboard.example"
    # Another contract whose notice is due on another day: not in these emails.
    PartnershipFactory(council=contract.council, start_date=date(2025, 7, 1))
    assert send_notice_reminders(today=date(2026, 4, 30)).emails_sent == 0
    summary = send_notice_reminders(today=date(2026, 5, 1))  # 30 days before 31 May
    assert (summary.emails_sent, summary.partnerships) == (1, 1)
    (email,) = mail.outbox
    assert email.to == ["sam@council.example"]
    assert email.subject == "Contract performance notices due: 1"
    assert (
        f"- {contract.name}\n  Due: Sunday 31 May 2026, in 30 days "
        "(12 months after the contract started)\n"
        f"  Prepare it: https://dashboard.example/partnerships/{contract.pk}/contract/"
    ) in email.body
    # A rerun the same day sends nothing again.
    again = send_notice_reminders(today=date(2026, 5, 1))
    assert (again.emails_sent, again.already_sent) == (0, 1)
    assert send_notice_reminders(today=date(2026, 5, 2)).emails_sent == 0
    assert reminder_task.delay("2026-05-24").get()["emails_sent"] == 1  # 7 days before
    assert len(mail.outbox) == 2 and "in 7 days" in mail.outbox[1].body
    assert list(
        ReminderLog.objects.filter(kind=NOTICE_DIGEST).values_list("sent_on", flat=True)
    ) == [date(2026, 5, 24), date(2026, 5, 1)]


def test_a_breach_brings_the_reminder_forward(contract, sam):
    breaches.record_notice(
        partnership=contract,
        actor=sam,
        kind="breach",
        what_happened="Backups were not taken for six weeks.",
        occurred_on=date(2026, 3, 2),
        action_taken="settlement",
        today=date(2026, 3, 3),
    )
    # Due 1 April 2026 (30 days after 2 March): reminded on 25 March, 7 days before.
    assert send_notice_reminders(today=date(2026, 3, 25)).emails_sent == 1
    assert "30 days after the breach of 2 March 2026" in mail.outbox[0].body


def test_an_overdue_item_hides_no_other_deadline(contract, sam):
    # A breach of 2 March 2026 left unapproved is overdue from 2 April; the annual notice
    # (31 May 2026) is still reminded of 30 and 7 days before.
    breaches.record_notice(
        partnership=contract,
        actor=sam,
        kind="breach",
        what_happened="Backups were not taken for six weeks.",
        occurred_on=date(2026, 3, 2),
        action_taken="settlement",
        today=date(2026, 3, 3),
    )
    assert send_notice_reminders(today=date(2026, 5, 1)).emails_sent == 1
    assert "in 30 days (12 months after the contract started)" in mail.outbox[0].body
    assert send_notice_reminders(today=date(2026, 5, 24)).emails_sent == 1
    assert "in 7 days (12 months after the contract started)" in mail.outbox[1].body
