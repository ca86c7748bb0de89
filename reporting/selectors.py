"""Reads that combine both apps: the departments a reader's figures cover, and the role
home pages."""

from __future__ import annotations

from datetime import date

from django.db.models import F
from django.utils import timezone

from departments import periods, roles
from departments.models import Department, Membership
from departments.returns.selectors import awaiting_approval_by_department, returns_due
from departments.roles import Role, scope_for
from partnerships.models import HIGH_RISK_SCORE, Escalation, Partnership, Risk, Sla
from reporting.audit.selectors import AuditTrail, TrailEntry
from reporting.models import ReportRun


def readable_departments(user, *, active_only: bool = True) -> list[Department]:
    """The departments whose own figures and records ``user`` may read, by name: every one
    for the council-wide roles, their own for a head or officer. A partner manager's scope
    names the departments their services serve (``visible_to``) but opens none of them
    (``roles.may_see_department``). Inactive ones too when ``active_only`` is False."""
    departments = Department.objects.visible_to(user).order_by("name")
    if active_only:
        departments = departments.filter(is_active=True)
    return [d for d in departments if roles.may_see_department(user, d.pk)]


def sla_results_due(partnership_ids, today: date | None = None) -> dict:
    """The partner's to-do for the latest closed month: each partnership's SLAs still
    without a result, the deadline in words and whether it has passed (London date).

    Shape: ``month`` (Period), ``deadline`` (date), ``overdue`` (bool: results are still
    missing after the deadline), ``days_late`` (whole days past it, 0 before), ``slas``
    (every SLA still without a result) and ``partnerships`` ((Partnership, missing count)
    for the entry form's links, one per partnership with results missing)."""
    today = today or timezone.localdate()
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    deadline = month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)
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


def recent_audit_entries(user, limit: int = 20) -> list[TrailEntry]:
    """The latest changes the user may read, newest first: the audit trail's first page,
    each labelled by its kind of record and with its values before and after."""
    return AuditTrail(user=user).page(1, limit)


def home_context(user, today: date | None = None) -> dict:
    """What each role's home page shows, from the raw records (metrics come later)."""
    scope = scope_for(user)
    context: dict = {
        "scope": scope,
        "role": scope.primary_role and Role(scope.primary_role).label,
        "no_role_message": roles.NO_ROLE_MESSAGE,
        "memberships": list(
            Membership.objects.filter(user=user).select_related("department", "partnership")
        ),
        "latest_period": periods.latest_closed(periods.PeriodKind.MONTH, today),
    }
    if scope.department_ids:
        context["returns_due"] = returns_due(department_ids=scope.department_ids, today=today)
    awaiting = [
        (department, waiting)
        for department, waiting in awaiting_approval_by_department(
            Department.objects.visible_to(user)
        )
        if roles.may_approve_return(user, department_id=department.pk, submitted_by_id=None)
    ]
    if awaiting:  # the departments whose returns the user approves
        context["awaiting_approval"] = awaiting
    if scope.council_wide or Role.PARTNER in scope.roles:
        partnerships = Partnership.objects.visible_to(user)
        context["open_escalations"] = list(
            Escalation.objects.filter(partnership__in=partnerships, state="open")
            .select_related("partnership")
            .order_by("-severity", "raised_on")
        )
        context["high_risks"] = list(
            Risk.objects.filter(partnership__in=partnerships, state="open")
            .annotate(score_value=F("likelihood") * F("impact"))
            .filter(score_value__gte=HIGH_RISK_SCORE)
            .order_by("-score_value")
        )
    if Role.PARTNER in scope.roles:
        context["sla_results_due"] = sla_results_due(scope.partnership_ids, today)
    if scope.is_auditor or scope.is_admin:
        context["audit_entries"] = recent_audit_entries(user)
        context["recent_reports"] = list(
            ReportRun.objects.visible_to(user).select_related("requested_by")[:10]
        )
    return context
