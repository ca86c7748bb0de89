"""Each role's home: which to-do lists it shows, in which order (``home_lists``), and
what the home page adds around them (``home_context``)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from departments import periods, roles
from departments.models import Membership
from departments.returns.selectors import returns_due
from departments.roles import Role, scope_for
from reporting.todo.audit import changes_since_last_visit_list, recent_report_runs_list
from reporting.todo.contracts import contract_notices_list, milestones_due_list
from reporting.todo.early_warnings import warnings_list
from reporting.todo.lists import Home, ToDoList
from reporting.todo.returns import (
    approvals_list,
    department_missing_list,
    forecasts_to_check_list,
    officer_lists,
    sign_off_list,
)
from reporting.todo.scrutiny import scrutiny_awaiting_member_list, scrutiny_to_answer_list
from reporting.todo.sla_results import disputes_list, results_to_verify_list, sla_results_due_list


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
            lists += officer_lists(rows, scope.department_ids, my_returns)
        if Role.HEAD in scope.roles and not (scope.is_smt or scope.is_admin):
            lists.append(approvals_list(user, my_returns))
            head_rows = [r for r in rows if r.indicator.department_id in scope.head_department_ids]
            lists.append(department_missing_list(head_rows, month, my_returns))
            lists.append(forecasts_to_check_list(head_rows))
    if scope.is_smt or scope.is_admin:
        lists += [
            results_to_verify_list(user),
            disputes_list(user),
            warnings_list(user),
            sign_off_list(user, month),
            approvals_list(user, my_returns),
            contract_notices_list(user, today),
        ]
    if Role.PARTNER in scope.roles:
        lists += [
            sla_results_due_list(scope.partnership_ids, today),
            disputes_list(user, partnership_ids=scope.partnership_ids),
            milestones_due_list(user, scope.partnership_ids, today),
        ]
    if scope.head_department_ids or scope.is_smt or scope.is_admin:
        lists.append(scrutiny_to_answer_list(user, today))
    if scope.is_member:
        lists.append(scrutiny_awaiting_member_list(user, today))
    if scope.is_auditor or scope.is_admin:
        lists += [recent_report_runs_list(user), changes_since_last_visit_list(user)]
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
