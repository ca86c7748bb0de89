"""Daily reminder emails about KPI returns (issue 4, item 8; DESIGN.md sections 3 and 4).

Every morning each responsible officer (a user with an officer membership) gets one digest
of the returns their departments owe: those due within the next 3 working days and those
missing past their deadline. Each head of service gets one email listing their
departments' missing returns. Nobody with nothing to report gets an email.

Which returns are owed, due or missing is the one rule's answer
(``departments.rating.return_timeliness``, the same as every page, export and early
warning): no return yet, a draft, a sent-back return or a ratio return without its
figures is owed; a counted return (submitted, approved or locked, with its figures) is not.
Deadlines are the 15th working day after the period's last day (``periods.deadline``).
Dates are ``datetime.date`` values in Europe/London.

The window is bounded so the run never scans history: a return "Due" is listed as due
soon when its deadline falls from today to the 3rd working day after today, both
inclusive (so the deadline day itself is reminded of); a "Missing" one is listed when its
deadline is no more than a year ago (on or after the same date a year earlier).

Each email is recorded as a ``ReminderLog`` row (user, kind, day) written in the same
transaction as the send, so a rerun the same day sends nothing twice, two concurrent runs
cannot both send (the unique constraint refuses the second insert), and a failed send
leaves no row behind, so a retry sends it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from departments import periods
from departments.models import (
    KpiReturn,
    Membership,
    PerformanceIndicator,
    ReminderLog,
    ReturnState,
    Role,
)
from departments.rating import Timeliness, return_timeliness

logger = logging.getLogger(__name__)

OFFICER_DIGEST = "officer_digest"  # ReminderLog.kind of an officer's daily digest
# ReminderLog.kind of a head of service's list of missing returns (the stored key keeps
# its first name, so the logs of earlier days still stop a second send).
HEAD_OVERDUE = "head_overdue"
DUE_SOON_WORKING_DAYS = 3
# A deadline is never more than two months after its period's last day (15 working days
# plus weekends and bank holidays is about five weeks), so periods ending earlier than
# this before the window's first deadline cannot fall in it.
_LONGEST_DEADLINE_LAG = timedelta(days=62)


@dataclass
class ReminderSummary:
    """What one run did. Counts are of emails, so a person who is both an officer and a
    head counts once in each kind.

    ``skipped_no_email`` and ``already_sent`` count only emails that had something to
    report; ``failed`` counts sends that raised (their log rows were rolled back).
    """

    emails_sent: int = 0
    officers: int = 0
    heads: int = 0
    skipped_no_email: int = 0
    already_sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ReminderWindow:
    """The deadlines one run reminds people of, as London dates, both ends inclusive."""

    today: date
    earliest_missing: date  # the oldest deadline whose missing returns are still listed
    due_by: date  # the last deadline listed as due soon

    def is_due_soon(self, deadline: date) -> bool:
        return self.today <= deadline <= self.due_by


def reminder_window(today: date) -> ReminderWindow:
    """Due soon: today to 3 working days after it; missing: the year before today."""
    try:
        a_year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        a_year_ago = today.replace(year=today.year - 1, day=28)
    due_by = periods.working_days_after(today, DUE_SOON_WORKING_DAYS)
    return ReminderWindow(today=today, earliest_missing=a_year_ago, due_by=due_by)


def periods_in_window(kind: periods.PeriodKind, window: ReminderWindow) -> list[periods.Period]:
    """Periods of ``kind`` whose return deadline falls in the window, oldest first."""
    first = periods.period_for_date(window.earliest_missing - _LONGEST_DEADLINE_LAG, kind)
    last = periods.period_for_date(window.due_by, kind)  # later periods end after due_by
    return [
        period
        for period in periods.periods_between(first, last)
        if window.earliest_missing <= period.deadline() <= window.due_by
    ]


def return_entry_path(indicator_id: int, period_key: str) -> str:
    """The path of the page where the return is entered."""
    try:
        return reverse("departments:return-edit", args=[indicator_id, period_key])
    except NoReverseMatch:
        # Until the departments URLs are mounted in config/urls.py; the same path.
        return f"/returns/enter/{indicator_id}/{period_key}/"


@dataclass(frozen=True)
class OwedReturn:
    """One return a department owes whose deadline is near or past."""

    indicator: PerformanceIndicator
    period: periods.Period
    deadline: date
    state: str | None  # the workflow state; None when no return has been started
    timeliness: Timeliness  # due or missing, by the one rule

    @property
    def department_id(self) -> int:
        return self.indicator.department_id

    @property
    def state_label(self) -> str:
        return ReturnState(self.state).label if self.state else "Not started"

    @property
    def url(self) -> str:
        path = return_entry_path(self.indicator.pk, self.period.key)
        return settings.SITE_URL.rstrip("/") + path


def owed_returns(
    *, department_ids: set[int] | frozenset[int], window: ReminderWindow
) -> list[OwedReturn]:
    """The returns of the departments' active indicators in the window that the one
    rule calls "Due" or "Missing" as of the window's day.

    Two queries whatever the number of departments and indicators: the indicators, then
    the returns of the window's periods. Sorted by deadline, then indicator code.
    """
    if not department_ids:
        return []
    indicators = list(
        PerformanceIndicator.objects.active()
        .filter(department__in=department_ids, department__is_active=True)
        .select_related("department")
        .order_by("code")
    )
    window_periods = {kind: periods_in_window(kind, window) for kind in periods.PeriodKind}
    keys = {period.key for kinds in window_periods.values() for period in kinds}
    found = {}
    if indicators and keys:
        # Whole returns (not just their states): the rule reads the figures and the
        # submission time too.
        found = {
            (r.indicator_id, r.period): r
            for r in KpiReturn.objects.filter(
                indicator__in=[indicator.pk for indicator in indicators], period__in=keys
            )
        }
    owed = []
    for indicator in indicators:
        for period in window_periods[indicator.period_kind]:
            kpi_return = found.get((indicator.pk, period.key))
            timeliness = return_timeliness(
                indicator=indicator, kpi_return=kpi_return, period=period, today=window.today
            )
            if timeliness.state in (Timeliness.DUE, Timeliness.MISSING):
                owed.append(
                    OwedReturn(
                        indicator,
                        period,
                        timeliness.deadline,
                        kpi_return.state if kpi_return else None,
                        timeliness.state,
                    )
                )
    owed.sort(key=lambda item: (item.deadline, item.indicator.code))
    return owed


@dataclass
class _Email:
    """One email to one person: their due-soon and missing returns."""

    user: AbstractBaseUser
    kind: str
    department_names: list[str]
    due_soon: list[OwedReturn] = field(default_factory=list)
    missing: list[OwedReturn] = field(default_factory=list)

    @property
    def return_count(self) -> int:
        return len(self.due_soon) + len(self.missing)

    def subject(self) -> str:
        if self.kind == HEAD_OVERDUE:
            return f"Missing returns: {len(self.missing)} in {', '.join(self.department_names)}"
        parts = []
        if self.due_soon:
            parts.append(f"{len(self.due_soon)} due soon")
        if self.missing:
            parts.append(f"{len(self.missing)} missing")
        return "Returns due: " + ", ".join(parts)

    def body(self, window: ReminderWindow) -> str:
        template = (
            "email/head_overdue.txt" if self.kind == HEAD_OVERDUE else "email/return_reminder.txt"
        )
        context = {
            "name": self.user.get_full_name() or self.user.get_username(),
            "departments": self.department_names,
            "show_department": len(self.department_names) > 1,
            "due_soon": self.due_soon,
            "missing": self.missing,
            "due_soon_working_days": DUE_SOON_WORKING_DAYS,
            "today": window.today,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        return render_to_string(template, context)


def _emails(window: ReminderWindow) -> list[_Email]:
    """Everyone's email for the day, built from three queries; empty emails are dropped."""
    memberships = Membership.objects.filter(
        role__in=(Role.OFFICER, Role.HEAD),
        user__is_active=True,
        department__is_active=True,
    ).select_related("user", "department")
    users = {}
    departments = {}
    scopes: dict[tuple[int, str], set[int]] = defaultdict(set)
    for membership in memberships:
        users[membership.user_id] = membership.user
        departments[membership.department_id] = membership.department
        kind = OFFICER_DIGEST if membership.role == Role.OFFICER else HEAD_OVERDUE
        scopes[(membership.user_id, kind)].add(membership.department_id)

    owed_by_department: dict[int, list[OwedReturn]] = defaultdict(list)
    for item in owed_returns(department_ids=set(departments), window=window):
        owed_by_department[item.department_id].append(item)

    emails = []
    # A stable sending order: by username, then kind.
    for (user_id, kind), department_ids in sorted(
        scopes.items(), key=lambda entry: (users[entry[0][0]].get_username(), entry[0][1])
    ):
        names = sorted(departments[pk].name for pk in department_ids)
        email = _Email(users[user_id], kind, names)
        items = sorted(
            (item for pk in department_ids for item in owed_by_department[pk]),
            key=lambda item: (item.deadline, item.indicator.code),
        )
        email.missing = [item for item in items if item.timeliness is Timeliness.MISSING]
        if kind == OFFICER_DIGEST:
            email.due_soon = [
                item
                for item in items
                if item.timeliness is Timeliness.DUE and window.is_due_soon(item.deadline)
            ]
        if email.return_count:
            emails.append(email)
    return emails


def send_return_reminders(*, today: date | None = None) -> ReminderSummary:
    """Send the day's reminder emails; safe to run again (it sends nothing twice).

    ``today`` defaults to today in Europe/London. Reads take a fixed number of queries
    whatever the number of people and indicators; each email sent adds one insert.
    """
    window = reminder_window(today or timezone.localdate())
    summary = ReminderSummary()
    # Read first: an email logged by a concurrent run after this read is caught by the
    # unique constraint on insert instead.
    already = set(
        ReminderLog.objects.filter(
            sent_on=window.today, kind__in=(OFFICER_DIGEST, HEAD_OVERDUE)
        ).values_list("user_id", "kind")
    )
    emails = _emails(window)
    # One connection for the whole run, opened on the first send rather than up front,
    # so a day with nothing to send never touches the mail server.
    connection = get_connection()
    try:
        for email in emails:
            _deliver(email, window, connection, already, summary)
    finally:
        connection.close()
    return summary


def _deliver(
    email: _Email,
    window: ReminderWindow,
    connection,
    already: set[tuple[int, str]],
    summary: ReminderSummary,
) -> None:
    """Send one email and log it in one transaction, or count why it was not sent."""
    user = email.user
    if user.email and (user.pk, email.kind) in already:
        summary.already_sent += 1
        return
    outcome = send_logged(
        user=user,
        kind=email.kind,
        sent_on=window.today,
        count=email.return_count,
        subject=email.subject(),
        body=email.body(window),
        connection=connection,
    )
    count_outcome(summary, outcome)
    if outcome == SENT:
        if email.kind == OFFICER_DIGEST:
            summary.officers += 1
        else:
            summary.heads += 1


# What ``send_logged`` did with one email.
SENT, NO_EMAIL, ALREADY_SENT, FAILED = "sent", "no_email", "already_sent", "failed"
# The reminder summaries' counter of each outcome.
_COUNTED_AS = {
    SENT: "emails_sent",
    NO_EMAIL: "skipped_no_email",
    ALREADY_SENT: "already_sent",
    FAILED: "failed",
}


def count_outcome(summary, outcome: str) -> None:
    """Add one ``send_logged`` outcome to a reminder run's summary: every run's summary
    counts ``emails_sent``, ``skipped_no_email``, ``already_sent`` and ``failed``."""
    field = _COUNTED_AS[outcome]
    setattr(summary, field, getattr(summary, field) + 1)


def send_logged(
    *, user, kind: str, sent_on: date, count: int, subject: str, body: str, connection
) -> str:
    """Send one reminder email to ``user`` and log it (``ReminderLog``: user, kind, day)
    in one transaction; every reminder digest (returns, contract notices) sends through
    here. Returns SENT, NO_EMAIL (the user has no address), ALREADY_SENT (logged for the
    day, by this run or a concurrent one) or FAILED (the send raised; the log row was
    rolled back, so a retry sends it)."""
    if not user.email:
        return NO_EMAIL
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
    )
    try:
        # The log row and the send share one transaction: a concurrent run blocks on the
        # unique (user, kind, sent_on) insert and then fails it, and a failed send rolls
        # the row back so the next run (or a retry) sends the email.
        with transaction.atomic():
            ReminderLog.objects.create(user=user, kind=kind, sent_on=sent_on, return_count=count)
            connection.open()
            message.send()
    except IntegrityError:
        return ALREADY_SENT
    except Exception:
        # One bad address or a dropped connection must not stop everyone else's email.
        logger.exception("Could not send the %s reminder to user %s", kind, user.pk)
        _reset(connection)
        return FAILED
    return SENT


def _reset(connection) -> None:
    """Drop a possibly broken mail connection so the next send opens a fresh one."""
    try:
        connection.close()
    except Exception:
        logger.warning("Closing the mail connection failed", exc_info=True)


def send_return_reminders_for(on_date: str | None = None) -> dict[str, int]:
    """The Celery task's body: run for an ISO date ("2026-11-18") or today, as a dict."""
    today = date.fromisoformat(on_date) if on_date else None
    return send_return_reminders(today=today).as_dict()
