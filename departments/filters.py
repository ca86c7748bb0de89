"""FilterSets of the reference data, and the filters every capability's FilterSet shares.

Each capability keeps its one FilterSet in its own ``filters.py`` (``returns/filters.py``,
``referrals/filters.py``...), read by its list page and its API viewset alike, so both
take the same parameter names and values."""

from datetime import date

import django_filters
from django import forms

from core.filters import FilterSet, WholeNumberFilter
from departments import periods
from departments.models import Department, PerformanceIndicator, Target


class PeriodKeyField(forms.CharField):
    """A period key (``2025-26``, ``2025-26-P06``, ``2025-26-Q2``), cleaned to a Period;
    empty is None. A key that is not one is refused with the periods module's message."""

    def clean(self, value) -> periods.Period | None:
        key = super().clean(value)
        if not key:
            return None
        try:
            return periods.Period.parse(key.strip())
        except ValueError as error:
            # The message quotes what was typed, which may hold a "%": as a parameter it
            # is never read as a format (django-filters formats every message).
            raise forms.ValidationError("%(reason)s", params={"reason": str(error)}) from error


class PeriodFilter(django_filters.CharFilter):
    """Rows of exactly one period, given by its key."""

    field_class = PeriodKeyField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Period key: 2025-26-P06 (a month), 2025-26-Q2 or 2025-26.")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{self.field_name: value.key})


class FinancialYearFilter(WholeNumberFilter):
    """Rows whose date field falls in a financial year, given by its start year (2025 for
    2025-26: 1 April 2025 to 31 March 2026, inclusive)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Financial year by its start year: 2025 for 2025-26.")
        # Bounded, so a year no date can hold answers 400 rather than failing.
        super().__init__(*args, min_value=1900, max_value=2999, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        year = int(value)
        return qs.filter(
            **{
                f"{self.field_name}__gte": date(year, 4, 1),
                f"{self.field_name}__lt": date(year + 1, 4, 1),
            }
        )


class DepartmentFilter(FilterSet):
    class Meta:
        model = Department
        fields = ["code", "is_active"]


class IndicatorFilter(FilterSet):
    class Meta:
        model = PerformanceIndicator
        fields = [
            "department",
            "frequency",
            "dimension",
            "statutory",
            "polarity",
            "is_active",
            "code",
        ]


class TargetFilter(FilterSet):
    department = WholeNumberFilter(field_name="indicator__department")

    class Meta:
        model = Target
        fields = ["indicator", "financial_year", "indicator__department"]
