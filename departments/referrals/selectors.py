"""Reads of referrals for the list page."""

from __future__ import annotations

from django.db.models import F

from departments.querysets import ReferralQuerySet


def open_first(referrals: ReferralQuerySet) -> ReferralQuerySet:
    """Open referrals first, the soonest due first; then the resolved ones, the latest
    resolved first (one query, with both departments and the service)."""
    return referrals.select_related("from_department", "to_department", "service").order_by(
        F("resolved_on").desc(nulls_first=True), "due_on", "-pk"
    )
