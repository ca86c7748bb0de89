from rest_framework import viewsets

from departments.api.permissions import ReferenceDataPermission
from departments.api.views import ScopedViewSetMixin
from partnerships.api.serializers import (
    PartnerSerializer,
    PartnershipSerializer,
    ServiceSerializer,
    SlaSerializer,
)
from partnerships.filters import PartnershipFilter, ServiceFilter, SlaFilter
from partnerships.models import Partner, Partnership, Service, Sla


class PartnerViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Partner.objects.all()
    serializer_class = PartnerSerializer
    permission_classes = [ReferenceDataPermission]


class PartnershipViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Partnership.objects.select_related("partner")
    serializer_class = PartnershipSerializer
    permission_classes = [ReferenceDataPermission]
    filterset_class = PartnershipFilter


class ServiceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Service.objects.prefetch_related("departments")
    serializer_class = ServiceSerializer
    permission_classes = [ReferenceDataPermission]
    filterset_class = ServiceFilter


class SlaViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Sla.objects.select_related("service")
    serializer_class = SlaSerializer
    permission_classes = [ReferenceDataPermission]
    filterset_class = SlaFilter
