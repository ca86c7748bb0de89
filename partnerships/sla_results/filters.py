"""The one FilterSet of SLA results, for /api/v1/sla-results/. The SLA results page of a
partnership's month (/partnerships/<pk>/sla-results/<month>/) holds the same results as
``?partnership=<pk>&period=<month>``."""

from __future__ import annotations

from core.filters import FilterSet, WholeNumberFilter
from departments.filters import PeriodFilter
from partnerships.models import SlaResult


class SlaResultFilter(FilterSet):
    partnership = WholeNumberFilter(field_name="sla__service__partnership")
    service = WholeNumberFilter(field_name="sla__service")
    period = PeriodFilter(help_text="Month key, e.g. 2025-26-P06.")

    class Meta:
        model = SlaResult
        fields = ["period", "financial_year", "sla", "verification"]
