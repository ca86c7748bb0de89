"""The FilterSets of contract KPIs, assessments, rectification plans and breach or
poor-performance notices, for their API lists and pages."""

from __future__ import annotations

from core.filters import FilterSet
from partnerships.contracts.models import (
    Assessment,
    ContractKpi,
    PerformanceNotice,
    RectificationPlan,
)


class ContractKpiFilter(FilterSet):
    class Meta:
        model = ContractKpi
        fields = ["partnership", "measure", "linked_to_payment", "active"]


class AssessmentFilter(FilterSet):
    class Meta:
        model = Assessment
        fields = ["partnership", "kind", "state"]


class PerformanceNoticeFilter(FilterSet):
    class Meta:
        model = PerformanceNotice
        fields = ["partnership", "kind", "state"]


class RectificationPlanFilter(FilterSet):
    class Meta:
        model = RectificationPlan
        fields = ["partnership", "state"]
