"""Overdue answers (issue 20, item 3): an item still open after a configurable number of
working days (weekends and England-and-Wales bank holidays excluded) is overdue, shown on
the answering head's home and reminded of by the daily email, once a day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from departments.models import Role
from scrutiny import services
from scrutiny.models import Subject
from scrutiny.reminders import send_scrutiny_reminders
from scrutiny.tasks import send_scrutiny_reminders_task
from tests.scrutiny.conftest import SIGNED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committee")]
LONDON = ZoneInfo("Europe/London")


def _ask(mo, indicator, when: datetime):
    with time_machine.travel(when, tick=False):
        return services.ask(
            actor=mo,
            subject=Subject.INDICATOR,
            indicator=indicator,
            period_key=SIGNED,
            text="Why the dip?",
        )


def test_the_due_date_skips_weekends_and_christmas_bank_holidays(mo, signed_council):
    item = _ask(mo, signed_council, datetime(2025, 12, 18, 10, tzinfo=LONDON))
    # 19, 22, 23, 24, (25, 26 bank holidays), 29, 30, 31 December, (1 January), 2, 5, 6.
    assert item.due_on == date(2026, 1, 6)
    assert not item.is_overdue(date(2026, 1, 6))
    assert item.is_overdue(date(2026, 1, 7))


def test_the_number_of_working_days_is_a_setting(settings, mo, signed_council):
    settings.SCRUTINY_ANSWER_WORKING_DAYS = 2
    item = _ask(mo, signed_council, datetime(2025, 11, 21, 10, tzinfo=LONDON))  # a Friday
    assert item.due_on == date(2025, 11, 25)


def test_an_overdue_item_is_flagged_on_the_heads_home(client, mo, harriet, signed_council):
    item = _ask(mo, signed_council, datetime(2025, 11, 20, 10, tzinfo=LONDON))
    with time_machine.travel(datetime(2025, 12, 4, 9, tzinfo=LONDON), tick=False):
        client.force_login(harriet)
        home = client.get("/")
        todo = home.context["home"].list("scrutiny_to_answer")
        assert (todo.count, todo.flag) == (1, "")
        assert todo.items[0].detail == "Answer by 4 December 2025"
    with time_machine.travel(datetime(2025, 12, 5, 9, tzinfo=LONDON), tick=False):
        client.force_login(harriet)
        home = client.get("/")
        todo = home.context["home"].list("scrutiny_to_answer")
        assert todo.flag == "1 question overdue"
        assert todo.items[0].detail == "Overdue: answer due by 4 December 2025"
        assert "1 question overdue" in home.content.decode()
        api = client.get("/api/v1/home/").json()
        listed = next(t for t in api["lists"] if t["key"] == "scrutiny_to_answer")
        assert listed["count"] == 1
    services.answer(item=item, actor=harriet, text="Let now.")
    with time_machine.travel(datetime(2025, 12, 5, 9, tzinfo=LONDON), tick=False):
        client.force_login(harriet)
        todo = client.get("/").context["home"].list("scrutiny_to_answer")
        assert (todo.count, todo.flag) == (0, "")


def test_the_daily_reminder_goes_to_the_heads_once_a_day(mo, harriet, alice, signed_council):
    harriet.email = "harriet@council.example"
    harriet.save()
    _ask(mo, signed_council, datetime(2025, 11, 20, 10, tzinfo=LONDON))
    assert send_scrutiny_reminders(today=date(2025, 12, 4)).emails_sent == 0
    summary = send_scrutiny_reminders(today=date(2025, 12, 5))
    assert summary.emails_sent == 1
    (email,) = mail.outbox
    assert email.to == ["harriet@council.example"]
    assert email.subject == "Scrutiny answers overdue: 1"
    assert "LPI-HOU-03 Homes re-let, September 2025" in email.body
    assert "Thursday 4 December 2025" in email.body
    again = send_scrutiny_reminders(today=date(2025, 12, 5))
    assert (again.emails_sent, again.already_sent) == (0, 1)
    assert len(mail.outbox) == 1


def test_the_task_sends_nothing_on_a_bank_holiday(mo, harriet, signed_council):
    harriet.email = "harriet@council.example"
    harriet.save()
    _ask(mo, signed_council, datetime(2025, 11, 20, 10, tzinfo=LONDON))
    assert send_scrutiny_reminders_task.apply(args=["2025-12-25"]).get()["emails_sent"] == 0
    assert send_scrutiny_reminders_task.apply(args=["2025-12-29"]).get()["emails_sent"] == 1


def test_the_members_home_says_their_question_is_overdue(client, mo, signed_council):
    _ask(mo, signed_council, datetime(2025, 11, 20, 10, tzinfo=LONDON))
    for day, detail in (
        (4, "Answer due by 4 December 2025"),
        (5, "Overdue: answer due by 4 December 2025"),
    ):
        with time_machine.travel(datetime(2025, 12, day, 9, tzinfo=LONDON), tick=False):
            client.force_login(mo)
            mine = client.get("/").context["home"].list("scrutiny_awaiting_you")
            assert [item.detail for item in mine.items] == [detail]


class CountsConnections(LocmemBackend):
    """The test mail server, counting the connections made to it."""

    made = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        type(self).made += 1


def test_the_days_reminders_share_one_mail_connection(
    mo, harriet, housing, signed_council, settings
):
    """Sent as every reminder is (departments.reminders.send_logged): one connection to
    the mail server for the run, not one per email."""
    from tests.conftest import _member

    settings.EMAIL_BACKEND = f"{__name__}.CountsConnections"
    CountsConnections.made = 0
    heads = [harriet, _member("hana", Role.HEAD, department=housing)]
    for head in heads:
        head.email = f"{head.username}@council.example"
        head.save()
    _ask(mo, signed_council, datetime(2025, 11, 20, 10, tzinfo=LONDON))
    summary = send_scrutiny_reminders(today=date(2025, 12, 5))
    assert summary.as_dict() == {
        "emails_sent": 2,
        "already_sent": 0,
        "skipped_no_email": 0,
        "failed": 0,
    }
    assert sorted(email.to[0] for email in mail.outbox) == [
        "hana@council.example",
        "harriet@council.example",
    ]
    assert CountsConnections.made == 1
