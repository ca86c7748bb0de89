"""Reads that combine both apps for the role home pages."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F

from departments import periods
from departments.models import Department, KpiReturn, Membership, Target
from departments.roles import Role, scope_for
from departments.selectors import awaiting_approval_by_department, returns_due
from partnerships.models import HIGH_RISK_SCORE, Escalation, Partnership, Risk, Sla, SlaResult
from reporting.models import ReportRun


@dataclass(frozen=True)
class AuditEntry:
    when: datetime
    who: str
    record: str
    action: str
    reason: str


def sla_results_due(partnership_ids, today: date | None = None) -> dict:
    """SLAs of the partnerships still without a result for the latest closed month."""
    month = periods.latest_closed(periods.PeriodKind.MONTH, today)
    slas = (
        Sla.objects.filter(service__partnership__in=partnership_ids)
        .exclude(results__period=month.key)
        .select_related("service")
        .order_by("service__name", "code")
    )
    return {
        "month": month,
        "deadline": month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS),
        "slas": list(slas),
    }


def recent_audit_entries(limit: int = 20) -> list[AuditEntry]:
    """The latest changes to returns, targets, SLA results and memberships, newest first.

    One query per audited model, each cut to ``limit`` rows, merged by time.
    """
    sources = [
        (KpiReturn.history.select_related("history_user", "indicator"), "KPI return"),
        (Target.history.select_related("history_user", "indicator"), "Target"),
        (SlaResult.history.select_related("history_user", "sla"), "SLA result"),
        (Membership.history.select_related("history_user"), "Membership"),
    ]
    actions = {"+": "Created", "~": "Changed", "-": "Deleted"}
    streams = []
    for queryset, label in sources:
        rows = queryset.order_by("-history_date")[:limit]
        streams.append(
            AuditEntry(
                when=row.history_date,
                who=row.history_user.get_full_name() if row.history_user else "System (import)",
                record=f"{label} {_describe(row)}",
                action=actions.get(row.history_type, row.history_type),
                reason=row.history_change_reason or "",
            )
            for row in rows
        )
    merged = heapq.merge(*streams, key=lambda entry: entry.when, reverse=True)
    return list(merged)[:limit]


def _describe(row) -> str:
    if hasattr(row, "indicator") and hasattr(row, "period"):
        return f"{row.indicator.code} {row.period}"
    if hasattr(row, "indicator"):
        return f"{row.indicator.code} {row.financial_year}"
    if hasattr(row, "sla"):
        return f"{row.sla.code} {row.period}"
    return str(row.instance_type.__name__ if hasattr(row, "instance_type") else row.pk)


def home_context(user, today: date | None = None) -> dict:
    """What each role's home page shows, from the raw records (metrics come later)."""
    scope = scope_for(user)
    context: dict = {
        "scope": scope,
        "role": scope.primary_role and Role(scope.primary_role).label,
        "memberships": list(
            Membership.objects.filter(user=user).select_related("department", "partnership")
        ),
        "latest_period": periods.latest_closed(periods.PeriodKind.MONTH, today),
    }
    if scope.department_ids:
        context["returns_due"] = returns_due(department_ids=scope.department_ids, today=today)
    if scope.head_department_ids or scope.is_smt or scope.is_admin:
        departments = Department.objects.visible_to(user)
        if not (scope.is_smt or scope.is_admin):
            departments = departments.filter(pk__in=scope.head_department_ids)
        context["awaiting_approval"] = awaiting_approval_by_department(departments)
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
        context["audit_entries"] = recent_audit_entries()
        context["recent_reports"] = list(
            ReportRun.objects.visible_to(user).select_related("requested_by")[:10]
        )
    return context
