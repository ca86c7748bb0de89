"""The combined view and early warnings through the API: the same functions as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from departments import roles
from partnerships.models import Partnership
from reporting.api.metrics import PERIOD_PARAMETER, month_from, status_fields
from reporting.figures.combined import cached_combined_figures
from reporting.metrics.relation import CAVEAT, Relation
from reporting.models import EarlyWarning
from reporting.pages.parameters import narrowing_partnership
from reporting.selectors import readable_departments
from reporting.warnings import evaluation as early_warnings
from reporting.warnings.filters import EarlyWarningFilter

SCORE = {"max_digits": 5, "decimal_places": 1, "allow_null": True}


class LagSerializer(serializers.Serializer):
    lag = serializers.IntegerField(help_text="Months coordination lags health.")
    r = serializers.DecimalField(
        max_digits=3, decimal_places=2, allow_null=True, help_text="Null: not enough data."
    )
    pairs = serializers.IntegerField()
    strength = serializers.CharField(
        allow_null=True, help_text="The size of r in words (very weak to very strong)."
    )


class RelationSerializer(serializers.Serializer):
    lags = LagSerializer(many=True)
    best = LagSerializer(allow_null=True)
    finding = serializers.CharField(help_text="What the figures say, in plain English.")
    statistics = serializers.CharField(help_text="The r and pairs behind the finding.")
    caveat = serializers.CharField(help_text="Why a link is not proof of cause.")


class MonthFigureSerializer(serializers.Serializer):
    period = serializers.CharField()
    partner_health = serializers.DecimalField(**SCORE)
    partner_health_status, partner_health_status_reason = status_fields("health_status")
    coordination_index = serializers.DecimalField(**SCORE)
    coordination_index_status, coordination_index_status_reason = status_fields(
        "coordination_status"
    )


class SpellSerializer(serializers.Serializer):
    first = serializers.CharField()
    last = serializers.CharField()
    months = serializers.IntegerField()


class ChangePointSerializer(serializers.Serializer):
    month = serializers.CharField()
    later = serializers.CharField()
    health_change = serializers.DecimalField(max_digits=6, decimal_places=1)
    coordination_change = serializers.DecimalField(max_digits=6, decimal_places=1)
    provisional = serializers.BooleanField(
        help_text="The health change is to or from a provisional month."
    )


class DepartmentRelationSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    name = serializers.CharField()
    coordination_index = serializers.DecimalField(**SCORE)
    coordination_index_status, coordination_index_status_reason = status_fields(
        "coordination_status"
    )
    dependency_health = serializers.DecimalField(**SCORE)
    dependency_health_status, dependency_health_status_reason = status_fields("dependency_status")
    relation = RelationSerializer()


# One object per request, although the viewset answers it from ``list``.
@extend_schema_serializer(many=False)
class CombinedMetricsSerializer(serializers.Serializer):
    period = serializers.CharField()
    partnership = serializers.IntegerField(allow_null=True)
    months = MonthFigureSerializer(many=True, allow_null=True)
    spells = SpellSerializer(many=True)
    relation = RelationSerializer(allow_null=True)
    changes = ChangePointSerializer(many=True)
    departments = DepartmentRelationSerializer(many=True)


def _relation(relation: Relation, finding: str) -> dict:
    return {
        "lags": relation.lags,
        "best": relation.best,
        "finding": finding,
        "statistics": relation.statistics(),
        "caveat": CAVEAT,
    }


class CombinedMetricsViewSet(viewsets.ViewSet):
    """Partner health against coordination over 24 months, and how one follows the other.

    SMT, auditors and administrators get the council series, the relation and every
    department; a head or officer only their own departments' rows."""

    @extend_schema(
        parameters=[
            PERIOD_PARAMETER,
            OpenApiParameter(
                "partnership",
                OpenApiTypes.INT,
                description="Narrow partner health to one partnership (council-wide users).",
                required=False,
            ),
        ],
        responses={200: CombinedMetricsSerializer},
    )
    def list(self, request):
        if not roles.may_see_combined(request.user):
            raise PermissionDenied("The combined view is for departments, the SMT and auditors.")
        scope = roles.scope_for(request.user)
        month = month_from(request)
        try:
            partnership = narrowing_partnership(
                request.query_params.get("partnership"), council_wide=scope.reads_council_figures
            )
        except Partnership.DoesNotExist as error:
            raise NotFound("No such partnership.") from error
        departments = readable_departments(request.user)
        figures, _ = cached_combined_figures(
            month, departments=departments, partnership=partnership
        )
        council = scope.reads_council_figures
        coordination = {c.period: c for c in figures.coordination}
        body = {
            "period": month.key,
            "partnership": partnership.pk if partnership else None,
            "months": [
                {
                    "period": m.key,
                    "partner_health": value,
                    "health_status": status,
                    "coordination_index": coordination[m].index,
                    "coordination_status": coordination[m].status,
                }
                for (m, value), status in zip(figures.health, figures.health_statuses, strict=True)
            ]
            if council
            else None,
            "spells": [
                {"first": s.first.key, "last": s.last.key, "months": s.months}
                for s in figures.spells
            ]
            if council
            else [],
            "relation": _relation(figures.relation, figures.finding()) if council else None,
            "changes": [
                {
                    "month": p.month.key,
                    "later": p.later.key,
                    "health_change": p.health_change,
                    "coordination_change": p.coordination_change,
                    "provisional": p.provisional,
                }
                for p in figures.change_points()
            ]
            if council
            else [],
            "departments": [
                {
                    "department": row.department.pk,
                    "name": row.department.name,
                    "coordination_index": row.coordination.index,
                    "coordination_status": row.coordination.status,
                    "dependency_health": row.dependency.score,
                    "dependency_status": row.dependency.status,
                    "relation": _relation(row.relation, row.finding()),
                }
                for row in figures.departments
            ],
        }
        return Response(CombinedMetricsSerializer(body).data)


class EarlyWarningSerializer(serializers.ModelSerializer):
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    # Null until acknowledged: said so, or the schema would promise a string.
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = EarlyWarning
        fields = [
            "id",
            "rule",
            "rule_label",
            "subject_key",
            "subject_label",
            "starting_period",
            "latest_period",
            "department",
            "indicator",
            "partnership",
            "service",
            "evidence",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
            "resolved_by_data_on",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(
        allow_blank=True, help_text="What the SMT will do about the warning (required)."
    )


class EarlyWarningViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Early warnings in the reader's scope; the SMT acknowledges them with a note."""

    serializer_class = EarlyWarningSerializer
    filterset_class = EarlyWarningFilter
    ordering_fields = ["raised_at", "latest_period"]
    ordering = ["-raised_at", "-id"]

    def get_queryset(self):
        return EarlyWarning.objects.visible_to(self.request.user).select_related("acknowledged_by")

    @extend_schema(
        request=AcknowledgeSerializer,
        responses={200: EarlyWarningSerializer},
        examples=[
            OpenApiExample(
                "Acknowledge",
                value={"note": "Raised at the contract board; the partner's plan due Friday."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        incoming = AcknowledgeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        warning = early_warnings.acknowledge(
            self.get_object(), user=request.user, note=incoming.validated_data["note"]
        )
        return Response(EarlyWarningSerializer(warning).data)
