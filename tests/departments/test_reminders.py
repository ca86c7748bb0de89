"""The daily reminder emails about KPI returns, with frozen time (issue 4, item 8).

Worked example, counted by hand: October 2026 (P07 2026/27) ends Saturday 31 October.
Its 15th working day after is Friday 20 November 2026 (2-6, 9-13 and 16-20 November; no
bank holiday). September 2026 (P06) and Q2 2026/27 end on 30 September; their deadline
is Wednesday 21 October 2026.

- Wednesday 18 November is 2 working days before the P07 deadline: due within 3.
- Monday 16 November is 4 working days before it: not yet due soon (due by Thu 19).
- Saturday 21 November is the day after it: P07 is missing.

The Housing data (alice officer, harriet head) and Finance data (bob officer):

- HOU-01 monthly: approved to P05 2026/27, P06 a draft (missing), P07 not started;
- HOU-02 monthly: approved to P05, P06 submitted (not listed), P07 not started;
- HOU-03 quarterly: approved to Q1 2026/27, Q2 sent back (missing);
- HOU-99 monthly but inactive, with no returns: never listed;
- FIN-01 monthly: approved to P05, P06 and P07 not started.
"""

import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections

from departments import periods, reminders
from departments.models import ReminderLog, ReturnState, Role
from departments.reminders import (
    HEAD_OVERDUE,
    OFFICER_DIGEST,
    ReminderSummary,
    periods_in_window,
    reminder_window,
    return_entry_path,
    send_return_reminders,
    send_return_reminders_for,
)
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
SITE = "https://performance.borsetshire.example"

P07_DEADLINE = date(2026, 11, 20)  # Friday
TWO_WORKING_DAYS_BEFORE = date(2026, 11, 18)  # Wednesday
FOUR_WORKING_DAYS_BEFORE = date(2026, 11, 16)  # Monday
DAY_AFTER = date(2026, 11, 21)  # Saturday
NEXT_WORKING_DAY = date(2026, 11, 19)  # Thursday, the day after TWO_WORKING_DAYS_BEFORE


def run_on(day: date) -> ReminderSummary:
    """Run as Celery beat does, at 07:30 London time on ``day``, without passing a date."""
    with time_machine.travel(
        datetime(day.year, day.month, day.day, 7, 30, tzinfo=LONDON), tick=False
    ):
        return send_return_reminders()


def file_returns(indicator, first: str, last: str, state: str = ReturnState.APPROVED) -> None:
    first_period, last_period = periods.Period.parse(first), periods.Period.parse(last)
    for period in periods.periods_between(first_period, last_period):
        KpiReturnFactory(indicator=indicator, period=period.key, state=state)


def emails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"  # the trailing slash must not double up in links
    settings.DEFAULT_FROM_EMAIL = "performance@borsetshire.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _with_email(user):
    user.email = f"{user.username}@borsetshire.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def people(alice, bob, harriet):
    """alice (officer, Housing), bob (officer, Finance), harriet (head, Housing)."""
    return {user.username: _with_email(user) for user in (alice, bob, harriet)}


@pytest.fixture
def indicators(housing, finance):
    hou1 = IndicatorFactory(
        department=housing, code="HOU-01", title="Repairs & maintenance done on time"
    )
    file_returns(hou1, "2025-26-P01", "2026-27-P05")
    KpiReturnFactory(indicator=hou1, period="2026-27-P06", state=ReturnState.DRAFT)

    hou2 = IndicatorFactory(department=housing, code="HOU-02", title="Homeless decisions")
    file_returns(hou2, "2025-26-P01", "2026-27-P05")
    KpiReturnFactory(indicator=hou2, period="2026-27-P06", state=ReturnState.SUBMITTED)

    hou3 = IndicatorFactory(
        department=housing, code="HOU-03", title="Rent collected", frequency="quarterly"
    )
    file_returns(hou3, "2025-26-Q1", "2026-27-Q1")
    KpiReturnFactory(indicator=hou3, period="2026-27-Q2", state=ReturnState.SENT_BACK)

    IndicatorFactory(department=housing, code="HOU-99", title="Retired", is_active=False)

    fin1 = IndicatorFactory(department=finance, code="FIN-01", title="Invoices paid in 30 days")
    file_returns(fin1, "2025-26-P01", "2026-27-P05")
    return {"HOU-01": hou1, "HOU-02": hou2, "HOU-03": hou3, "FIN-01": fin1}


# --- the window -------------------------------------------------------------------------


def test_worked_example_deadlines_by_hand():
    assert periods.Period.parse("2026-27-P07").deadline() == P07_DEADLINE
    assert periods.working_days_between(TWO_WORKING_DAYS_BEFORE, P07_DEADLINE) == 2
    assert periods.working_days_between(FOUR_WORKING_DAYS_BEFORE, P07_DEADLINE) == 4
    assert periods.Period.parse("2026-27-P06").deadline() == date(2026, 10, 21)
    assert periods.Period.parse("2026-27-Q2").deadline() == date(2026, 10, 21)


def test_window_reaches_three_working_days_ahead_and_a_year_back():
    window = reminder_window(TWO_WORKING_DAYS_BEFORE)
    assert window.due_by == date(2026, 11, 23)  # Thu 19, Fri 20, (weekend), Mon 23
    assert window.earliest_missing == date(2025, 11, 18)
    assert window.is_due_soon(P07_DEADLINE)
    assert not reminder_window(FOUR_WORKING_DAYS_BEFORE).is_due_soon(P07_DEADLINE)
    assert reminder_window(P07_DEADLINE).is_due_soon(P07_DEADLINE)  # the deadline day
    assert not reminder_window(DAY_AFTER).is_due_soon(P07_DEADLINE)
    # 29 February has no same day a year earlier: the window starts on 28 February.
    assert reminder_window(date(2028, 2, 29)).earliest_missing == date(2027, 2, 28)


def test_periods_in_window_of_each_frequency():
    window = reminder_window(TWO_WORKING_DAYS_BEFORE)
    months = periods_in_window(periods.PeriodKind.MONTH, window)
    # P07 2025/26 (deadline Fri 21 November 2025) is the oldest inside the year;
    # P06 2025/26 (Tue 21 October 2025) is outside; P07 2026/27 is the due-soon one.
    assert [p.key for p in months] == [
        p.key
        for p in periods.periods_between(
            periods.Period.parse("2025-26-P07"), periods.Period.parse("2026-27-P07")
        )
    ]
    quarters = periods_in_window(periods.PeriodKind.QUARTER, window)
    assert [p.key for p in quarters] == ["2025-26-Q3", "2025-26-Q4", "2026-27-Q1", "2026-27-Q2"]
    years = periods_in_window(periods.PeriodKind.YEAR, window)
    assert [p.key for p in years] == ["2025-26"]  # deadline Thursday 23 April 2026


def test_today_defaults_to_the_london_date(people, housing):
    IndicatorFactory(department=housing, code="HOU-10", title="Nothing returned yet")
    # 23:30 UTC on 30 June is 00:30 BST on 1 July in London: the London date counts.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        send_return_reminders()
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {date(2026, 7, 1)}


# --- who gets what ----------------------------------------------------------------------


def test_officer_gets_one_digest_of_due_soon_and_missing_returns(people, indicators):
    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    (digest,) = emails_to("alice@borsetshire.example")
    assert digest.subject == "Returns due: 2 due soon, 2 missing"
    assert digest.from_email == "performance@borsetshire.example"
    body = digest.body
    due_soon, missing = body.split("Missing (2)")
    assert "Due soon (2)" in due_soon
    assert "HOU-01 Repairs & maintenance done on time" in due_soon  # not HTML-escaped
    assert "HOU-02 Homeless decisions" in due_soon
    assert "October 2026 (P07 2026/27)" in due_soon
    assert "Deadline: Friday 20 November 2026 (Not started)" in due_soon
    # The draft past its deadline is missing; the sent-back quarter too.
    assert "HOU-01 Repairs & maintenance done on time" in missing
    assert "September 2026 (P06 2026/27)" in missing
    assert "Deadline: Wednesday 21 October 2026 (Draft)" in missing
    assert "HOU-03 Rent collected" in missing
    assert "Q2 2026/27 (July to September 2026)" in missing
    assert "(Sent back)" in missing
    # HOU-02 P06 was submitted, everything to P05 approved, HOU-99 is inactive.
    assert "HOU-02" not in missing
    assert "(P05 2026/27)" not in body
    assert "HOU-99" not in body
    hou1 = indicators["HOU-01"]
    link = SITE + return_entry_path(hou1.pk, "2026-27-P07")
    assert return_entry_path(hou1.pk, "2026-27-P07").endswith(
        f"/returns/enter/{hou1.pk}/2026-27-P07/"
    )
    assert f"Enter it: {link}\n" in body

    assert summary == ReminderSummary(emails_sent=3, officers=2, heads=1)
    assert len(mail.outbox) == 3


def test_head_gets_the_missing_list_of_their_department_only(people, indicators):
    run_on(TWO_WORKING_DAYS_BEFORE)

    (email,) = emails_to("harriet@borsetshire.example")
    assert email.subject == "Missing returns: 2 in Housing"
    assert "HOU-01" in email.body and "(P06 2026/27)" in email.body
    assert "HOU-03" in email.body and "Q2 2026/27" in email.body
    assert "(P07 2026/27)" not in email.body  # due soon is the officers' business
    assert "FIN-01" not in email.body
    assert ReminderLog.objects.get(user=people["harriet"]).kind == HEAD_OVERDUE


def test_finance_officer_sees_nothing_of_housing(people, indicators):
    run_on(TWO_WORKING_DAYS_BEFORE)

    (digest,) = emails_to("bob@borsetshire.example")
    assert digest.subject == "Returns due: 1 due soon, 1 missing"
    assert "FIN-01 Invoices paid in 30 days" in digest.body
    assert "HOU-" not in digest.body
    assert "Housing" not in digest.body


def test_four_working_days_before_only_the_missing_are_listed(people, indicators):
    run_on(FOUR_WORKING_DAYS_BEFORE)

    (digest,) = emails_to("alice@borsetshire.example")
    assert digest.subject == "Returns due: 2 missing"
    assert "Due soon" not in digest.body
    assert "(P07 2026/27)" not in digest.body


def test_the_day_after_the_deadline_the_unstarted_return_is_missing(people, indicators):
    run_on(DAY_AFTER)

    (digest,) = emails_to("alice@borsetshire.example")
    assert digest.subject == "Returns due: 4 missing"
    assert digest.body.count("(P07 2026/27)") == 2  # HOU-01 and HOU-02
    (head,) = emails_to("harriet@borsetshire.example")
    assert head.subject == "Missing returns: 4 in Housing"


def test_an_officer_of_two_departments_gets_one_digest_for_both(housing, finance, indicators):
    carol = _with_email(UserFactory(username="carol"))
    MembershipFactory(user=carol, role=Role.OFFICER, department=housing)
    MembershipFactory(user=carol, role=Role.OFFICER, department=finance)

    run_on(TWO_WORKING_DAYS_BEFORE)

    (digest,) = emails_to("carol@borsetshire.example")
    assert digest.subject == "Returns due: 3 due soon, 3 missing"
    assert "your departments (Finance, Housing) owe" in digest.body
    assert "FIN-01 Invoices paid in 30 days (Finance)" in digest.body
    assert "HOU-01 Repairs & maintenance done on time (Housing)" in digest.body
    assert ReminderLog.objects.get(user=carol).return_count == 6


def test_an_indicator_with_no_returns_lists_the_year_of_missing_periods(people, housing):
    IndicatorFactory(department=housing, code="HOU-10", title="New indicator")

    run_on(TWO_WORKING_DAYS_BEFORE)

    # P07 2025/26 to P06 2026/27 are missing (12), P07 2026/27 is due soon.
    (digest,) = emails_to("alice@borsetshire.example")
    assert digest.subject == "Returns due: 1 due soon, 12 missing"
    assert "November 2025 (P08 2025/26)" in digest.body
    assert "October 2025 (P07 2025/26)" in digest.body
    assert "(P06 2025/26)" not in digest.body


def test_nobody_is_emailed_when_nothing_is_owed(people, housing, finance):
    for department in (housing, finance):
        indicator = IndicatorFactory(department=department)
        file_returns(indicator, "2025-26-P01", "2026-27-P06")
        KpiReturnFactory(indicator=indicator, period="2026-27-P07", state=ReturnState.SUBMITTED)

    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    assert mail.outbox == []
    assert summary == ReminderSummary()
    assert not ReminderLog.objects.exists()


def test_a_user_without_an_email_address_is_skipped_and_counted(people, housing, indicators):
    olive = UserFactory(username="olive", email="")
    MembershipFactory(user=olive, role=Role.OFFICER, department=housing)

    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    assert summary.skipped_no_email == 1
    assert summary.emails_sent == 3
    assert not ReminderLog.objects.filter(user=olive).exists()


def test_inactive_users_get_nothing(people, indicators):
    alice = people["alice"]
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    assert emails_to("alice@borsetshire.example") == []
    assert summary.officers == 1  # bob
    assert summary.skipped_no_email == 0


# --- idempotency ------------------------------------------------------------------------


def test_a_second_run_the_same_day_sends_nothing(people, indicators):
    run_on(TWO_WORKING_DAYS_BEFORE)
    assert len(mail.outbox) == 3

    again = run_on(TWO_WORKING_DAYS_BEFORE)

    assert len(mail.outbox) == 3
    assert again == ReminderSummary(already_sent=3)
    logged = sorted(
        ReminderLog.objects.values_list("user__username", "kind", "sent_on", "return_count")
    )
    assert logged == [
        ("alice", OFFICER_DIGEST, TWO_WORKING_DAYS_BEFORE, 4),
        ("bob", OFFICER_DIGEST, TWO_WORKING_DAYS_BEFORE, 2),
        ("harriet", HEAD_OVERDUE, TWO_WORKING_DAYS_BEFORE, 2),
    ]


def test_the_next_working_day_sends_again(people, indicators):
    run_on(TWO_WORKING_DAYS_BEFORE)

    summary = run_on(NEXT_WORKING_DAY)

    assert summary.emails_sent == 3
    assert len(mail.outbox) == 6
    assert ReminderLog.objects.filter(user=people["alice"]).count() == 2


def test_an_email_logged_by_a_concurrent_run_is_not_sent_again(people, indicators, monkeypatch):
    """Another run logs alice's digest after this run read the log: the insert is refused."""
    build = reminders._emails

    def build_then_race(window):
        emails = build(window)
        ReminderLog.objects.create(
            user=people["alice"], kind=OFFICER_DIGEST, sent_on=window.today, return_count=4
        )
        return emails

    monkeypatch.setattr(reminders, "_emails", build_then_race)

    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    assert summary == ReminderSummary(emails_sent=2, officers=1, heads=1, already_sent=1)
    assert emails_to("alice@borsetshire.example") == []
    assert ReminderLog.objects.filter(user=people["alice"]).count() == 1


class RefusesAlice(LocmemBackend):
    """A mail server that refuses one address."""

    def send_messages(self, messages):
        if any("alice@" in address for message in messages for address in message.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_failed_send_leaves_no_log_so_a_retry_sends_it(people, indicators, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesAlice"

    summary = run_on(TWO_WORKING_DAYS_BEFORE)

    assert summary == ReminderSummary(emails_sent=2, officers=1, heads=1, failed=1)
    assert not ReminderLog.objects.filter(user=people["alice"]).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = run_on(TWO_WORKING_DAYS_BEFORE)

    assert retry == ReminderSummary(emails_sent=1, officers=1, already_sent=2)
    assert len(emails_to("alice@borsetshire.example")) == 1


class SlowBackend(LocmemBackend):
    """A slow mail server, so two runs overlap while a send is in flight."""

    def send_messages(self, messages):
        time.sleep(0.2)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_never_both_send(people, indicators, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with a database lock; run on PostgreSQL")
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    barrier = threading.Barrier(2)
    summaries = []

    def run():
        try:
            barrier.wait()
            summaries.append(send_return_reminders(today=TWO_WORKING_DAYS_BEFORE))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mail.outbox) == 3
    assert sum(s.emails_sent for s in summaries) == 3
    assert sum(s.already_sent for s in summaries) == 3
    assert ReminderLog.objects.count() == 3


# --- query count ------------------------------------------------------------------------


def _council_of(size: int, council) -> int:
    """``size`` departments, each with an officer, a head and three unsubmitted indicators."""
    for n in range(size):
        department = DepartmentFactory(council=council, name=f"Service {n}", code=f"service-{n}")
        for role in (Role.OFFICER, Role.HEAD):
            user = _with_email(UserFactory(username=f"{role}-{n}"))
            MembershipFactory(user=user, role=role, department=department)
        for frequency in ("monthly", "quarterly", "annual"):
            indicator = IndicatorFactory(department=department, frequency=frequency)
            KpiReturnFactory(indicator=indicator, period="2026-27-P06", state=ReturnState.DRAFT)
    return 2 * size  # every officer and head has something to hear about


@pytest.mark.parametrize("size", [2, 6])
def test_reads_take_the_same_number_of_queries_whatever_the_size(
    size, council, django_assert_max_num_queries
):
    emails = _council_of(size, council)
    reads = 4  # logs already sent today, memberships with users, indicators, returns
    # Each email adds at most a savepoint, its ReminderLog insert and the release.
    with (
        time_machine.travel(datetime(2026, 11, 18, 7, 30, tzinfo=LONDON), tick=False),
        django_assert_max_num_queries(reads + 3 * emails) as captured,
    ):
        summary = send_return_reminders()

    assert summary.emails_sent == emails
    statements = [query["sql"].lstrip().upper() for query in captured.captured_queries]
    assert sum(sql.startswith("SELECT") for sql in statements) == reads
    assert sum(sql.startswith("INSERT") for sql in statements) == emails


# --- the Celery task's entry point ------------------------------------------------------


def test_the_task_body_takes_an_iso_date(people, indicators):
    result = send_return_reminders_for("2026-11-18")

    assert result == {
        "emails_sent": 3,
        "officers": 2,
        "heads": 1,
        "skipped_no_email": 0,
        "already_sent": 0,
        "failed": 0,
    }
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {date(2026, 11, 18)}


def _task():
    """The task beat schedules by this name: an ImportError here fails the tests below."""
    from departments.tasks import send_return_reminders

    return send_return_reminders


def test_the_celery_task_runs_for_an_iso_date(people, indicators):
    result = _task().delay("2026-11-18").get()

    assert result["emails_sent"] == 3
    assert len(mail.outbox) == 3
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {date(2026, 11, 18)}


def test_the_celery_task_defaults_to_today_in_london(people, indicators):
    with time_machine.travel(datetime(2026, 11, 18, 7, 30, tzinfo=LONDON), tick=False):
        result = _task().delay().get()

    assert result["emails_sent"] == 3
    assert set(ReminderLog.objects.values_list("sent_on", flat=True)) == {date(2026, 11, 18)}


def test_the_celery_task_retries_the_same_day_after_a_failed_send(people, indicators, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesAlice"

    # Eager mode raises the Retry a worker would schedule; it keeps the day's date.
    with pytest.raises(Retry) as retry:
        _task().delay("2026-11-18").get()

    assert list(retry.value.sig.args) == ["2026-11-18"]
    assert not ReminderLog.objects.filter(user=people["alice"]).exists()
