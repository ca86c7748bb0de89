"""FilterSets shared by list pages and API viewsets."""

from datetime import date

import django_filters

from departments.models import Department, PerformanceIndicator, Target


class FinancialYearFilter(django_filters.NumberFilter):
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


class DepartmentFilter(django_filters.FilterSet):
    class Meta:
        model = Department
        fields = ["code", "is_active"]


class IndicatorFilter(django_filters.FilterSet):
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


class TargetFilter(django_filters.FilterSet):
    department = django_filters.NumberFilter(field_name="indicator__department")

    class Meta:
        model = Target
        fields = ["indicator", "financial_year", "indicator__department"]
