"""The one FilterSet of referrals: the referrals page (/referrals/) and /api/v1/referrals/
take the same parameters with the same values.

``department`` is a department's referrals, sent or received; ``direction`` narrows it to
those it received (``incoming``) or sent (``outgoing``), and ``counterpart`` names the
department at the other end. The page always shows one department in one direction; the
API may leave either out. ``from_department`` and ``to_department`` (the API's first
names) say the same with the sides fixed: ``department=3&direction=incoming`` is
``to_department=3``.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from core.filters import FilterSet, WholeNumberFilter
from departments.filters import FinancialYearFilter, PeriodFilter
from departments.models import Channel, Referral

REFERRAL_STATES = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "overdue": "Open past its due date",
}
DIRECTIONS = {"incoming": "Received", "outgoing": "Sent"}
# For each direction, the side of the chosen department and the side of the counterpart.
SIDES = {
    "incoming": ("to_department", "from_department"),
    "outgoing": ("from_department", "to_department"),
}


def _either_side(department_id: int) -> Q:
    return Q(from_department=department_id) | Q(to_department=department_id)


class ReferralFilter(FilterSet):
    department = WholeNumberFilter(
        method="by_department",
        label="Sent or received by this department (with direction: only one of the two).",
    )
    direction = django_filters.ChoiceFilter(
        choices=list(DIRECTIONS.items()),
        method="read_with_departments",
        label="incoming: received by the department; outgoing: sent by it.",
    )
    counterpart = WholeNumberFilter(
        method="by_counterpart",
        label="The department at the other end (with direction: the sender of an incoming "
        "referral, the receiver of an outgoing one).",
    )
    period = PeriodFilter(help_text="Month key of the raised date, e.g. 2025-26-P06.")
    state = django_filters.ChoiceFilter(
        choices=list(REFERRAL_STATES.items()),
        method="in_state",
        label="open (not resolved), acknowledged (and not resolved), resolved, or overdue "
        "(open past its due date today, London time).",
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    financial_year = FinancialYearFilter(field_name="raised_on")

    class Meta:
        model = Referral
        fields = ["period", "from_department", "to_department", "channel", "service"]

    def _direction(self) -> str | None:
        return self.form.cleaned_data.get("direction") or None

    def by_department(self, queryset, name, value):
        if (direction := self._direction()) is None:
            return queryset.filter(_either_side(value))
        own, _ = SIDES[direction]
        return queryset.filter(**{own: value})

    def by_counterpart(self, queryset, name, value):
        if (direction := self._direction()) is None:
            return queryset.filter(_either_side(value))
        _, other = SIDES[direction]
        return queryset.filter(**{other: value})

    def read_with_departments(self, queryset, name, value):
        # The direction only says which side ``department`` and ``counterpart`` stand on.
        return queryset

    def in_state(self, queryset, name, value):
        if value == "overdue":
            return queryset.overdue(timezone.localdate())
        return {
            "open": queryset.open,
            "acknowledged": queryset.acknowledged,
            "resolved": queryset.resolved,
        }[value]()
