"""Reads of referrals for the list page: one department's referrals in a state, in scope."""

from __future__ import annotations

from datetime import date

from django.db.models import F
from django.utils import timezone

REFERRAL_STATES = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "overdue": "Open past its due date",
}


def referral_list(
    *,
    user,
    department_id: int,
    direction: str,
    period_key: str | None,
    state: str | None,
    channel: str | None,
    counterpart_id: int | None,
    today: date | None = None,
):
    """A department's incoming or outgoing referrals, open ones first (one query)."""
    from departments.models import Referral

    today = today or timezone.localdate()
    own = "to_department" if direction == "incoming" else "from_department"
    other = "from_department" if direction == "incoming" else "to_department"
    rows = (
        Referral.objects.visible_to(user)
        .filter(**{own: department_id})
        .select_related("from_department", "to_department", "service")
    )
    if period_key:
        rows = rows.filter(period=period_key)
    if channel:
        rows = rows.filter(channel=channel)
    if counterpart_id:
        rows = rows.filter(**{other: counterpart_id})
    if state == "open":
        rows = rows.filter(resolved_on__isnull=True)
    elif state == "acknowledged":
        rows = rows.filter(resolved_on__isnull=True, acknowledged_on__isnull=False)
    elif state == "resolved":
        rows = rows.filter(resolved_on__isnull=False)
    elif state == "overdue":
        rows = rows.filter(resolved_on__isnull=True, due_on__lt=today)
    return rows.order_by(F("resolved_on").desc(nulls_first=True), "due_on", "-pk")
