"""The role homes as to-do lists (issue 16, item 1): for each role, what waits for the
user, each thing a link to the page where it is done, each list with its count. The home
page (``reporting.pages.home``) and ``GET /api/v1/home/`` (``reporting.api.home``) both
show ``home_lists``, so their counts cannot differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from core.words import plural
from departments import periods, roles
from departments.accounts.services import previous_visit
from departments.models import Department, KpiReturn, Membership, ReturnState
from departments.periods import date_in_words, key_in_words
from departments.rating import Timeliness
from departments.returns.filters import EVERY_PERIOD
from departments.returns.selectors import (
    ReturnDue,
    flagged_forecasts,
    forecasts_to_check,
    returns_due,
    sign_off_summary,
)
from departments.roles import Role, scope_for
from partnerships.contracts import selectors as contract_selectors
from partnerships.contracts.models import Assessment, AssessmentState
from partnerships.models import Milestone, MilestoneState, Partnership, Sla, SlaResult, Verification
from reporting.audit.selectors import AuditTrail
from reporting.metrics.health import sla_results_deadline
from reporting.models import EarlyWarning, ReportRun
from reporting.reports.kinds import report_title
from scrutiny.selectors import items_awaiting_member, items_to_answer


def sla_results_due(partnership_ids, today: date | None = None) -> dict:
    """The partner's to-do for the latest closed month: each partnership's SLAs still
    without a result, the deadline in words and whether it has passed (London date).

    Shape: ``month`` (Period), ``deadline`` (date), ``overdue`` (bool: results are still
    missing after the deadline), ``days_late`` (whole days past it, 0 before), ``slas``
    (every SLA still without a result) and ``partnerships`` ((Partnership, missing count)
    for the entry form's links, one per partnership with results missing)."""
    today = today or timezone.localdate()
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    deadline = sla_results_deadline(month)
    slas = list(
        Sla.objects.filter(service__partnership__in=partnership_ids)
        .exclude(results__period=month.key)
        .select_related("service__partnership")
        .order_by("service__partnership__name", "service__name", "code")
    )
    missing: dict[Partnership, int] = {}
    for sla in slas:
        partnership = sla.service.partnership
        missing[partnership] = missing.get(partnership, 0) + 1
    overdue = bool(slas) and today > deadline
    return {
        "month": month,
        "deadline": deadline,
        "overdue": overdue,
        "days_late": (today - deadline).days if overdue else 0,
        "slas": slas,
        "partnerships": list(missing.items()),
    }


# --- the homes: each role's to-do lists ---------------------------------------------------

# A list shows its first few things to do; a link leads to the rest.
SHOWN = 10
# The auditor's changes: as many as the home showed before it was a to-do list.
CHANGES_SHOWN = 20
# Milestones due within this many days (and every one past its date) are the partner's to do.
MILESTONE_HORIZON_DAYS = 30
# The auditor's "recent" report runs: those asked for within this many days.
RECENT_RUN_DAYS = 30


@dataclass(frozen=True)
class ToDoItem:
    """One thing to do: ``text`` is the link's words, ``url`` the path of the page where
    it is done, ``detail`` a line beside it (when it is due, who submitted it, how late),
    ``count`` how many things the one link covers (results of a month: 16; a return: 1).
    ``record`` is the object behind it, for the page only (never in the API)."""

    text: str
    url: str
    detail: str = ""
    count: int = 1
    record: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ToDoList:
    """One list of a home: ``key`` names it for the API and tests, ``title`` and ``lead``
    say what it is, ``count`` how many things are to do in all (``noun`` counts them, as
    ``summary``: "3 returns"), ``items`` the first ``SHOWN`` of them (``more`` links to
    every one when there are more), ``flag`` a warning beside the lead ("Overdue by 15
    days"), ``empty`` what the list says when there is nothing to do."""

    key: str
    title: str
    noun: str
    count: int
    items: list[ToDoItem]
    empty: str
    lead: str = ""
    flag: str = ""
    more: ToDoItem | None = None

    @property
    def summary(self) -> str:
        return plural(self.count, self.noun)


@dataclass(frozen=True)
class Home:
    """A user's home: their role in words, their to-do lists in the order shown, and, for
    a department's people, where each return owed for the latest closed periods stands
    (``returns_due``; None for everyone else)."""

    role: str | None
    lists: list[ToDoList]
    returns: list[ReturnDue] | None = None

    def list(self, key: str) -> ToDoList | None:
        return next((todo for todo in self.lists if todo.key == key), None)


def _more(count: int, text: str, url: str) -> ToDoItem | None:
    return ToDoItem(text, url, count=count) if count > SHOWN else None


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


def _officer_lists(rows: list[ReturnDue], department_ids, my_returns: str) -> list[ToDoList]:
    """Returns due, missing (past their deadline: the one rule's word, never "overdue")
    and sent back. The first two are of
    the latest closed period of each indicator's kind (``returns_due``); a return sent back
    is listed whatever its period, as it waits for the department until submitted again."""
    due = [r for r in rows if r.timeliness is Timeliness.DUE and r.state != ReturnState.SENT_BACK]
    missing = [
        r for r in rows if r.timeliness is Timeliness.MISSING and r.state != ReturnState.SENT_BACK
    ]
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
            more=_more(len(due), "All your returns", my_returns),
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
            more=_more(len(missing), "Every missing return", f"{my_returns}?state=missing"),
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
            more=_more(
                sent_back_count,
                "Every return sent back",
                f"{my_returns}?state=sent_back&period={EVERY_PERIOD}",
            ),
        ),
    ]


def _approvals(user, my_returns: str) -> ToDoList:
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
        more=_more(
            count, "Every submitted return", f"{my_returns}?state=submitted&period={EVERY_PERIOD}"
        ),
    )


def _forecasts_to_check(rows: list[ReturnDue]) -> ToDoList:
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


def _missing_for_department(rows: list[ReturnDue], month, my_returns: str) -> ToDoList:
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
        more=_more(len(missing), "Every missing return", f"{my_returns}?state=missing"),
    )


def _month_results_url(partnership_id: int, period_key: str, anchor: str) -> str:
    page = reverse("partnerships:sla-results", args=[partnership_id, period_key])
    return f"{page}#{anchor}"


def _results_to_verify(user) -> ToDoList:
    """SLA results awaiting verification, by partnership and month (one query), each month
    linking to its page's bulk verification."""
    months = list(
        SlaResult.objects.visible_to(user)
        .filter(verification=Verification.UNVERIFIED)
        .values("sla__service__partnership_id", "sla__service__partnership__name", "period")
        .annotate(n=Count("id"))
        .order_by("-period", "sla__service__partnership__name")
    )
    several = len({m["sla__service__partnership_id"] for m in months}) > 1
    items = [
        ToDoItem(
            f"Verify the {plural(m['n'], 'result')} for {key_in_words(m['period'])}"
            + (f" ({m['sla__service__partnership__name']})" if several else ""),
            _month_results_url(m["sla__service__partnership_id"], m["period"], "verify"),
            m["sla__service__partnership__name"],
            count=m["n"],
        )
        for m in months
    ]
    return ToDoList(
        "sla_results_to_verify",
        "SLA results to verify",
        "result",
        sum(m["n"] for m in months),
        items[:SHOWN],
        "No SLA result is waiting to be verified.",
        lead="Verify a month's results at once, or dispute one with a reason.",
    )


def _disputes(user, *, partnership_ids=None) -> ToDoList:
    """Disputed SLA results: SMT resolves them; the partner answers those of its own
    partnerships (``partnership_ids``, given for the partner's list: a person who is also
    SMT sees every partnership's, but answers only for their own)."""
    partner = partnership_ids is not None
    disputed = SlaResult.objects.visible_to(user).filter(verification=Verification.DISPUTED)
    if partner:
        disputed = disputed.filter(sla__service__partnership__in=partnership_ids)
    disputed = disputed.order_by("period", "sla__code")
    count = disputed.count()
    items = [
        ToDoItem(
            f"{r.sla.code} {r.sla.title}, {key_in_words(r.period)}",
            _month_results_url(r.sla.service.partnership_id, r.period, f"verify-{r.pk}"),
            f"Disputed: {r.dispute_reason}",
            record=r,
        )
        for r in disputed.select_related("sla__service")[:SHOWN]
    ]
    if partner:
        return ToDoList(
            "disputes_to_answer",
            "Disputes to answer",
            "dispute",
            count,
            items,
            "The council disputes none of your results.",
            lead="The council disputes these results: agree the figure with the SMT, who "
            "record it.",
        )
    return ToDoList(
        "disputes_open",
        "Disputes open",
        "dispute",
        count,
        items,
        "No SLA result is disputed.",
        lead="Resolve each by confirming the partner's figure or recording the agreed one.",
    )


def _warnings_to_acknowledge(user) -> ToDoList:
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
        more=_more(count, "Every open warning", reverse("reporting:early-warnings")),
    )


# A contract's next assessment and notice show on the SMT's home this many days ahead.
NOTICE_DUE_AHEAD_DAYS = 30


def _contract_notices_due(user, today: date) -> ToDoList:
    """Contract performance notices due within ``NOTICE_DUE_AHEAD_DAYS`` or overdue
    (section 71(2)), and draft assessments waiting for approval, for every partnership
    the user sees; the count holds every draft, not only those shown. A fixed number of
    queries whatever the number of partnerships (``notices_due_for``)."""
    items = []
    partnerships = list(Partnership.objects.visible_to(user).order_by("name"))
    owed = contract_selectors.notices_due_for(
        partnerships, today, drafts=scope_for(user).council_wide
    )
    for partnership in partnerships:
        due = next(iter(owed[partnership.pk]), None)  # the earliest
        if due is not None and (due.due_on - today).days <= NOTICE_DUE_AHEAD_DAYS:
            when = "overdue since" if due.overdue else "due"
            items.append(
                ToDoItem(
                    f"Assess {partnership.name} and publish its notice",
                    reverse("partnerships:contract", args=[partnership.pk]),
                    f"{when} {date_in_words(due.due_on)} ({due.reason})",
                )
            )
    notices = len(items)
    drafts = Assessment.objects.visible_to(user).filter(state=AssessmentState.DRAFT)
    for draft in drafts.select_related("partnership").order_by("period_end")[:SHOWN]:
        items.append(
            ToDoItem(
                f"Review and approve the assessment of {draft.partnership.name}",
                reverse("partnerships:assessment", args=[draft.pk]),
                f"{date_in_words(draft.period_start)} to {date_in_words(draft.period_end)}",
            )
        )
    return ToDoList(
        "contract_notices_due",
        "Contract performance notices",
        "notice",
        notices + drafts.count(),
        items[:SHOWN],
        f"No contract assessment is due within {NOTICE_DUE_AHEAD_DAYS} days.",
        lead="Assess each contract's KPIs at least every 12 months (Procurement Act 2023).",
    )


def _sign_off_status(user, month) -> ToDoList:
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
        more=_more(len(waiting), f"Sign off {month.in_words}", url),
    )


def _sla_results_due(partnership_ids, today: date | None) -> ToDoList:
    due = sla_results_due(partnership_ids, today)
    month = due["month"]
    several = len(due["partnerships"]) > 1
    return ToDoList(
        "sla_results_due",
        f"SLA results due for {month.in_words}",
        "result",
        len(due["slas"]),
        [
            ToDoItem(
                f"Enter the {plural(missing, 'missing result')} for {month.in_words}"
                + (f" ({partnership.name})" if several else ""),
                reverse("partnerships:sla-results", args=[partnership.pk, month.key]),
                partnership.name,
                count=missing,
            )
            for partnership, missing in due["partnerships"]
        ],
        "Every result for this month is in.",
        lead=(
            f"Due by {date_in_words(due['deadline'])} "
            f"({periods.SLA_RESULT_DEADLINE_WORKING_DAYS} working days after the month ends)."
        ),
        flag=f"Overdue by {plural(due['days_late'], 'day')}" if due["overdue"] else "",
    )


def _milestones_due(user, partnership_ids, today: date) -> ToDoList:
    """Milestones of ``partnership_ids`` neither delivered nor cancelled, due within
    ``MILESTONE_HORIZON_DAYS`` or already past their date, soonest first, each linking to
    its progress form."""
    due = (
        Milestone.objects.visible_to(user)
        .filter(partnership__in=partnership_ids)
        .exclude(state__in=(MilestoneState.DELIVERED, MilestoneState.CANCELLED))
        .filter(due_date__lte=today + timedelta(days=MILESTONE_HORIZON_DAYS))
        .order_by("due_date", "title")
    )
    count = due.count()
    items = []
    for m in due[:SHOWN]:
        late = (today - m.due_date).days
        when = f"due by {date_in_words(m.due_date)}"
        detail = f"Late by {plural(late, 'day')} ({when})" if late > 0 else f"D{when[1:]}"
        url = reverse("partnerships:records", args=[m.partnership_id]) + f"#state-{m.pk}"
        items.append(ToDoItem(f"Record progress on {m.title}", url, detail, record=m))
    return ToDoList(
        "milestones_due",
        "Milestones due",
        "milestone",
        count,
        items,
        f"No milestone is due in the next {MILESTONE_HORIZON_DAYS} days.",
        lead=f"Past their due date, or due in the next {MILESTONE_HORIZON_DAYS} days.",
    )


def _recent_report_runs(user) -> ToDoList:
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
        more=_more(count, "Every report run", reverse("reporting:reports")),
    )


def _time_in_words(instant: datetime) -> str:
    local = timezone.localtime(instant)
    return f"{local:%H:%M} on {date_in_words(local.date())}"


def _changes_since_last_visit(user) -> ToDoList:
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
        for entry in trail.page(1, CHANGES_SHOWN)
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


def _scrutiny_to_answer(user, today: date) -> ToDoList:
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
        more=_more(count, "Every scrutiny item", reverse("scrutiny:items") + "?state=open"),
    )


def _scrutiny_awaiting_member(user, today: date) -> ToDoList:
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
        more=_more(count, "Every scrutiny item", reverse("scrutiny:items")),
    )


def home_lists(user, today: date | None = None) -> Home:
    """The to-do lists of ``user``'s home, each cut to the user's scope (``roles.Scope``
    and the ``visible_to`` querysets), in a fixed number of queries whatever the data.

    Officer: returns due, missing, sent back. Head of service: returns waiting for their
    approval, their departments' returns missing for the latest closed month. SMT: SLA
    results to verify, disputes open, early warnings to acknowledge, the latest closed
    month's sign-off by department, approvals. Partner manager: the month's SLA results
    due or overdue, disputes to answer, milestones due. Auditor: recent report runs and
    the changes since their previous visit. An administrator gets the SMT's and the
    auditor's. Heads of service, the SMT and administrators: members' scrutiny questions
    to answer, overdue ones flagged; an elected member: their own questions not closed.
    ``today`` (default: today in Europe/London) decides the periods and deadlines. The
    page and ``GET /api/v1/home/`` both show this."""
    today = today or timezone.localdate()
    scope = scope_for(user)
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    my_returns = reverse("departments:my-returns")
    lists: list[ToDoList] = []
    rows = None
    department_roles = scope.roles & {Role.OFFICER, Role.HEAD}
    if department_roles and scope.department_ids:
        rows = returns_due(department_ids=scope.department_ids, today=today)
        if Role.OFFICER in scope.roles:
            lists += _officer_lists(rows, scope.department_ids, my_returns)
        if Role.HEAD in scope.roles and not (scope.is_smt or scope.is_admin):
            lists.append(_approvals(user, my_returns))
            head_rows = [r for r in rows if r.indicator.department_id in scope.head_department_ids]
            lists.append(_missing_for_department(head_rows, month, my_returns))
            lists.append(_forecasts_to_check(head_rows))
    if scope.is_smt or scope.is_admin:
        lists += [
            _results_to_verify(user),
            _disputes(user),
            _warnings_to_acknowledge(user),
            _sign_off_status(user, month),
            _approvals(user, my_returns),
            _contract_notices_due(user, today),
        ]
    if Role.PARTNER in scope.roles:
        lists += [
            _sla_results_due(scope.partnership_ids, today),
            _disputes(user, partnership_ids=scope.partnership_ids),
            _milestones_due(user, scope.partnership_ids, today),
        ]
    if scope.head_department_ids or scope.is_smt or scope.is_admin:
        lists.append(_scrutiny_to_answer(user, today))
    if scope.is_member:
        lists.append(_scrutiny_awaiting_member(user, today))
    if scope.is_auditor or scope.is_admin:
        lists += [_recent_report_runs(user), _changes_since_last_visit(user)]
    return Home(scope.primary_role and Role(scope.primary_role).label, lists, rows)


def home_context(user, today: date | None = None) -> dict:
    """What the home page shows: who the user is and their to-do lists (``home_lists``)."""
    scope = scope_for(user)
    return {
        "scope": scope,
        "home": home_lists(user, today),
        "role": scope.primary_role and Role(scope.primary_role).label,
        "no_role_message": roles.NO_ROLE_MESSAGE,
        "memberships": list(
            Membership.objects.filter(user=user).select_related("department", "partnership")
        ),
    }
