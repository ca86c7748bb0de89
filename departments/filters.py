"""FilterSets shared by list pages and API viewsets."""

import django_filters

from departments.models import Department, PerformanceIndicator, Target


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
    class Meta:
        model = Target
        fields = ["indicator", "financial_year", "indicator__department"]
