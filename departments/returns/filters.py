"""The one FilterSet of KPI returns: "My returns" (/returns/) and /api/v1/returns/ take the
same parameters with the same values.

``state`` is one vocabulary in two groups: where a return is in the workflow (with "not
started", for a return nobody has begun), and where it stands against its deadline
(``departments.rating.Timeliness``, the one "missing" rule, asked of each return).
"""

from __future__ import annotations

import django_filters
from django.utils import timezone

from core.filters import FilterSet, RecordFilter, WholeNumberFilter
from departments.filters import PeriodFilter
from departments.models import Department, KpiReturn, PerformanceIndicator, ReturnState
from departments.rating import Timeliness, return_timeliness
from departments.returns.selectors import NOT_STARTED, ROW_STATE_LABELS

STATE_CHOICES = [
    ("Workflow", list(ROW_STATE_LABELS.items())),
    ("Against the deadline", [(t.value, t.label) for t in Timeliness]),
]
# The schema's description of ``state``. As the label, not help text: the page renders
# the select alone, and help text would point it at a hint the page does not have.
STATE_DESCRIPTION = (
    "A workflow state (" + ", ".join(ROW_STATE_LABELS) + "; no stored return is "
    "not_started), or where the return stands against its deadline today, by the one rule "
    "of every page, export and early warning (" + ", ".join(Timeliness) + ")."
)


# My returns' period that lists one workflow state's stored returns across every period
# (the API's list does so with no period given).
EVERY_PERIOD = "all"


class ReturnFilter(FilterSet):
    period = PeriodFilter()
    financial_year = WholeNumberFilter(help_text="Start year: 2025 for 2025-26.")
    department = RecordFilter(queryset=Department.objects.all(), empty_label="All departments")
    indicator = RecordFilter(queryset=PerformanceIndicator.objects.all())
    # Last, so the deadline rule is asked only of the returns the other filters keep.
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, empty_label="Any state", method="in_state", label=STATE_DESCRIPTION
    )

    class Meta:
        model = KpiReturn
        fields = ["period", "financial_year", "department", "indicator", "state"]

    def in_state(self, queryset, name, value):
        if value in ReturnState.values:
            return queryset.filter(state=value)
        if value == NOT_STARTED:
            # A return not started is a row of the page with no stored return.
            return queryset.none()
        today = timezone.localdate()
        kept = [
            kpi_return.pk
            for kpi_return in queryset.select_related("indicator")
            if return_timeliness(
                indicator=kpi_return.indicator,
                kpi_return=kpi_return,
                period=kpi_return.period_obj,
                today=today,
            ).state
            == value
        ]
        return queryset.filter(pk__in=kept)
