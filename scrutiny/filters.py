"""One FilterSet of scrutiny items for the list page and the API."""

from __future__ import annotations

import django_filters

from core.filters import FilterSet, WholeNumberFilter
from scrutiny.models import ItemState, ScrutinyItem, Subject


class ScrutinyItemFilter(FilterSet):
    state = django_filters.ChoiceFilter(choices=ItemState.choices)
    subject = django_filters.ChoiceFilter(choices=Subject.choices)
    indicator = WholeNumberFilter(field_name="indicator_id")
    department = WholeNumberFilter(field_name="department_id")
    committee = WholeNumberFilter(field_name="committee_id")
    period = django_filters.CharFilter()

    class Meta:
        model = ScrutinyItem
        fields = ["state", "subject", "indicator", "department", "committee", "period"]
