"""Reads of the departments app, always through the user's scope."""

from __future__ import annotations

from django.apps import apps
from django.db.models import Count

from departments import periods
from departments.models import Department, KpiReturn, Membership, PerformanceIndicator
from departments.roles import Role, scope_for


def home_summary(user) -> dict:
    """Who the user is and what their scope holds, for their home page.

    Partnerships are read through the app registry so that this base app does not
    import ``partnerships``.
    """
    scope = scope_for(user)
    memberships = list(
        Membership.objects.filter(user=user).select_related("department", "partnership")
    )
    departments = list(Department.objects.visible_to(user).only("id", "name", "code"))
    partnership_model = apps.get_model("partnerships", "Partnership")
    partnerships = list(partnership_model.objects.visible_to(user).only("id", "name"))
    latest = periods.latest_closed(periods.PeriodKind.MONTH)
    returns_by_state = dict(
        KpiReturn.objects.visible_to(user)
        .filter(period=latest.key)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {
        "scope": scope,
        "role": scope.primary_role and Role(scope.primary_role).label,
        "memberships": memberships,
        "departments": departments,
        "partnerships": partnerships,
        "indicator_count": PerformanceIndicator.objects.visible_to(user).active().count(),
        "latest_period": latest,
        "returns_by_state": returns_by_state,
    }
