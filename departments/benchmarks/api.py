"""Comparator groups, benchmark metrics and their imports through the API.

Read by whoever sees departments' figures (``visible_to``); changed by administrators
only, through the same importer as the import page.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from core.api.errors import request_example
from departments import roles
from departments.api.permissions import ReferenceDataPermission
from departments.imports.api import (
    IMPORT_PARSERS,
    IMPORT_REQUEST,
    IMPORT_RESPONSES,
    start_import_response,
)
from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
    Unit,
)


class ComparatorMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComparatorMember
        fields = ["area_code", "area_name"]
        read_only_fields = fields


class ComparatorGroupSerializer(serializers.ModelSerializer):
    members = ComparatorMemberSerializer(many=True, read_only=True)

    class Meta:
        model = ComparatorGroup
        fields = ["id", "name", "kind", "model_year", "members"]
        read_only_fields = fields


class BenchmarkMetricSerializer(serializers.ModelSerializer):
    """A metric; its ``indicator`` is given only to those who see that indicator's
    department (the metric is council-wide, the indicator is not), null otherwise; its
    ``unit`` is null when the publisher's file did not state one."""

    unit = serializers.ChoiceField(
        choices=Unit.choices,
        read_only=True,
        allow_null=True,
        help_text="What the figures measure; null when not stated.",
    )

    class Meta:
        model = BenchmarkMetric
        fields = [
            "id",
            "code",
            "title",
            "indicator",
            "polarity",
            "midpoint",
            "unit",
            "decimal_places",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["unit"] = data["unit"] or None
        request = self.context.get("request")
        indicator = instance.indicator
        if indicator is not None and not (
            request and roles.may_see_department(request.user, indicator.department_id)
        ):
            data["indicator"] = None
        return data


GROUP_ROWS = request_example(
    "Members of a group as JSON rows",
    {
        "rows": [
            {
                "group": "CIPFA nearest neighbours",
                "kind": "nearest_neighbours",
                "model_year": "2021",
                "area_code": "E06000030",
                "area_name": "Swindon",
            }
        ]
    },
)
METRIC_ROWS = request_example(
    "A metric as JSON rows",
    {
        "rows": [
            {
                "code": "CORP11",
                "title": "Welfare fund spent",
                "polarity": "midpoint",
                "midpoint": "1.0",
            }
        ]
    },  # fmt: skip
)
VALUE_ROWS = request_example(
    "Values in the LG Inform layout",
    {
        "rows": [
            {
                "metric": "NI192",
                "area_code": "E08000009",
                "area_name": "Trafford",
                "period": "2021/22",
                "value": "58.8",
            },
            {
                "metric": "NI192",
                "area_code": "E08000002",
                "area_name": "Bury",
                "period": "2021/22",
                "value": "suppressed",
            },
        ]
    },
)


class ComparatorGroupViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Comparator groups with their member councils; each model year is its own group."""

    serializer_class = ComparatorGroupSerializer
    permission_classes = [ReferenceDataPermission]

    def get_queryset(self):
        return ComparatorGroup.objects.visible_to(self.request.user).prefetch_related("members")

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=[GROUP_ROWS])
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import comparator groups (one row per member council): all or nothing."""
        return start_import_response(request, "comparator_groups")


class BenchmarkMetricViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Published measures the council is compared on, with their polarity."""

    serializer_class = BenchmarkMetricSerializer
    permission_classes = [ReferenceDataPermission]

    def get_queryset(self):
        return BenchmarkMetric.objects.visible_to(self.request.user).select_related("indicator")

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=[METRIC_ROWS])
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import benchmark metrics: all or nothing."""
        return start_import_response(request, "benchmark_metrics")


class BenchmarkValueViewSet(viewsets.GenericViewSet):
    """Published values come in through imports; they are read as comparison figures
    (``metrics/indicators/{id}/benchmark/``)."""

    permission_classes = [ReferenceDataPermission]
    queryset = BenchmarkValue.objects.none()
    serializer_class = serializers.Serializer

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=[VALUE_ROWS])
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import published values (area, period, metric, value): all or nothing; a blank
        or suppressed value is kept as missing, never zero."""
        return start_import_response(request, "benchmark_values")
