"""The FilterSets of contract KPIs and assessments, for their API lists and pages."""

from __future__ import annotations

import django_filters

from partnerships.contracts.models import Assessment, ContractKpi


class ContractKpiFilter(django_filters.FilterSet):
    class Meta:
        model = ContractKpi
        fields = ["partnership", "measure", "linked_to_payment", "active"]


class AssessmentFilter(django_filters.FilterSet):
    class Meta:
        model = Assessment
        fields = ["partnership", "kind", "state"]
