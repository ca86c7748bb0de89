"""The FilterSets of a partnership's reference data: partnerships, services and SLAs, for
their API lists (/api/v1/partnerships/, /api/v1/services/, /api/v1/slas/) and the pages
that list them. The SLA results page of a partnership's month holds its SLAs as
/api/v1/slas/?partnership=<pk> does."""

from __future__ import annotations

from core.filters import FilterSet, WholeNumberFilter
from partnerships.models import Partnership, Service, Sla


class PartnershipFilter(FilterSet):
    class Meta:
        model = Partnership
        fields = ["partner"]


class ServiceFilter(FilterSet):
    class Meta:
        model = Service
        fields = {"partnership": ["exact"], "departments": ["exact"]}


class SlaFilter(FilterSet):
    partnership = WholeNumberFilter(field_name="service__partnership")

    class Meta:
        model = Sla
        fields = ["service", "service__partnership", "partnership", "polarity"]
