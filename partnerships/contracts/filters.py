"""The FilterSets of contract KPIs, assessments, rectification plans and breach or
poor-performance notices, for their API lists and pages."""

from __future__ import annotations

import django_filters

from partnerships.contracts.models import (
    Assessment,
    ContractKpi,
    PerformanceNotice,
    RectificationPlan,
)


class ContractKpiFilter(django_filters.FilterSet):
    class Meta:
        model = ContractKpi
        fields = ["partnership", "measure", "linked_to_payment", "active"]


class AssessmentFilter(django_filters.FilterSet):
    class Meta:
        model = Assessment
        fields = ["partnership", "kind", "state"]


class PerformanceNoticeFilter(django_filters.FilterSet):
    class Meta:
        model = PerformanceNotice
        fields = ["partnership", "kind", "state"]


class RectificationPlanFilter(django_filters.FilterSet):
    class Meta:
        model = RectificationPlan
        fields = ["partnership", "state"]
