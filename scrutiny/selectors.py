"""Scrutiny's reads: what waits for whom, and an indicator's items."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from departments.roles import scope_for
from scrutiny.models import ItemState, ScrutinyItem


def items_to_answer(user) -> QuerySet[ScrutinyItem]:
    """Open items ``user`` answers (``roles.may_answer_scrutiny`` as a filter): their
    departments' as head of service, the partnership's as SMT, every one as administrator;
    the ones due first first."""
    scope = scope_for(user)
    items = ScrutinyItem.objects.filter(state=ItemState.OPEN)
    if not scope.is_admin:
        routed = Q(department__in=scope.head_department_ids)
        if scope.is_smt:
            routed |= Q(department__isnull=True)
        items = items.filter(routed)
    return items.select_related("indicator", "department", "partnership").order_by("due_on", "pk")


def items_awaiting_member(user) -> QuerySet[ScrutinyItem]:
    """A member's own items not yet closed: answered ones first (theirs to close)."""
    return (
        ScrutinyItem.objects.filter(asked_by=user)
        .exclude(state=ItemState.CLOSED)
        .select_related("indicator", "department", "partnership")
        .order_by("state", "due_on", "pk")
    )


def items_on_indicator(user, indicator_id: int) -> list[ScrutinyItem]:
    """The items about one indicator that ``user`` may see, newest first."""
    return list(
        ScrutinyItem.objects.visible_to(user)
        .filter(indicator_id=indicator_id)
        .select_related("asked_by", "answered_by", "indicator")
    )
