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


class DepartmentViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["name", "code"]


class IndicatorViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = PerformanceIndicator.objects.select_related("department")
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["code", "title"]


class TargetViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Target.objects.select_related("indicator")
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    permission_classes = [ReferenceDataPermission]
    ordering_fields = ["financial_year"]
