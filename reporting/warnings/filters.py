"""The one FilterSet of early warnings: the list page (``reporting/warnings/views.py``) and
``GET /api/v1/early-warnings/`` filter with it, so both take the same parameters and
values. The page opens on the open warnings; the API without ``state`` lists them all."""

from __future__ import annotations

from django_filters import rest_framework as filters

from core.filters import ApiFilterSet
from reporting.models import EarlyWarning, WarningRule

STATES = {
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved by the data",
    "all": "All",
}


class EarlyWarningFilter(ApiFilterSet):
    state = filters.ChoiceFilter(
        choices=list(STATES.items()),
        method="by_state",
        help_text="open: neither acknowledged nor resolved by the data; acknowledged: by "
        "the SMT; resolved: a later evaluation found the condition no longer holds; all: "
        "every state.",
    )
    rule = filters.ChoiceFilter(choices=WarningRule.choices)
    period = filters.CharFilter(
        field_name="latest_period", help_text="The latest period the warning covers."
    )

    class Meta:
        model = EarlyWarning
        fields = ["rule", "department", "indicator", "partnership", "service", "starting_period"]

    def by_state(self, queryset, name, value):
        return queryset.in_state(value)
