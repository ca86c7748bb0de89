"""One FilterSet of scrutiny items for the list page and the API."""

from __future__ import annotations

import django_filters

from scrutiny.models import ItemState, ScrutinyItem, Subject


class ScrutinyItemFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ItemState.choices)
    subject = django_filters.ChoiceFilter(choices=Subject.choices)
    indicator = django_filters.NumberFilter(field_name="indicator_id")
    department = django_filters.NumberFilter(field_name="department_id")
    committee = django_filters.NumberFilter(field_name="committee_id")
    period = django_filters.CharFilter()

    class Meta:
        model = ScrutinyItem
        fields = ["state", "subject", "indicator", "department", "committee", "period"]
