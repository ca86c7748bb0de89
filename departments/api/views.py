from django.db import transaction
from rest_framework import viewsets

from departments.api.permissions import ReferenceDataPermission
from departments.api.serializers import (
    DepartmentSerializer,
    IndicatorSerializer,
    TargetSerializer,
)
from departments.filters import DepartmentFilter, IndicatorFilter, TargetFilter
from departments.models import Department, PerformanceIndicator, Target


class ScopedViewSetMixin:
    """Rows come through ``visible_to(user)``: outside scope is a 404, never a leak."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class AtomicWritesMixin:
    """Each write in one transaction, with what its save keeps up to date: a target's or
    an indicator's saved row and the ratings recounted from it (the receivers of
    ``departments.returns.ratings``, which a model's save sends after its own write) are
    stored together or not at all. Without it a failed recount would answer 500 with the
    new target stored and the ratings still the old ones."""

    def perform_create(self, serializer):
        with transaction.atomic():
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            super().perform_destroy(instance)


class DepartmentViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["name", "code"]


class IndicatorViewSet(AtomicWritesMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = PerformanceIndicator.objects.select_related("department")
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["code", "title"]


class TargetViewSet(AtomicWritesMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Target.objects.select_related("indicator")
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["financial_year"]
