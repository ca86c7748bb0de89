"""Reads of referrals for the list page."""

from __future__ import annotations

from django.db.models import F

from departments import roles
from departments.models import Department
from departments.querysets import ReferralQuerySet


def source_departments(user) -> list[Department]:
    """The active departments the user may raise referrals from (roles.may_raise_referral):
    their own, or every one for an administrator."""
    return [
        department
        for department in Department.objects.visible_to(user).filter(is_active=True)
        if roles.may_raise_referral(user, department.pk)
    ]


def open_first(referrals: ReferralQuerySet) -> ReferralQuerySet:
    """Open referrals first, the soonest due first; then the resolved ones, the latest
    resolved first (one query, with both departments and the service)."""
    return referrals.select_related("from_department", "to_department", "service").order_by(
        F("resolved_on").desc(nulls_first=True), "due_on", "-pk"
    )
