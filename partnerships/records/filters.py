"""The FilterSets of a partnership's records: milestones, escalations and risks, for their
API lists. The records page of a partnership (/partnerships/<pk>/records/) holds the same
rows as each list's ``?partnership=<pk>``."""

from __future__ import annotations

from core.filters import FilterSet
from departments.filters import FinancialYearFilter
from partnerships.models import Escalation, Milestone, Risk


class MilestoneFilter(FilterSet):
    financial_year = FinancialYearFilter(field_name="due_date")

    class Meta:
        model = Milestone
        fields = ["partnership", "state", "financial_year"]


class EscalationFilter(FilterSet):
    financial_year = FinancialYearFilter(field_name="raised_on")

    class Meta:
        model = Escalation
        fields = ["partnership", "state", "severity", "financial_year"]


class RiskFilter(FilterSet):
    financial_year = FinancialYearFilter(field_name="raised_on")

    class Meta:
        model = Risk
        fields = ["partnership", "state", "financial_year"]
