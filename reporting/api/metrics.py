"""Read-only metrics endpoints: the same metric functions as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from departments import periods, roles
from partnerships.models import Partnership
from reporting.metrics.health import contract_health, credits_year_to_date

PERIOD_PARAMETER = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    description="Month key such as 2025-26-P06; default: the latest closed month.",
    required=False,
)


def month_from(request) -> periods.Period:
    key = request.query_params.get("period")
    if not key:
        return periods.latest_closed(periods.PeriodKind.MONTH)
    try:
        period = periods.Period.parse(key)
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from error
    if period.kind != periods.PeriodKind.MONTH:
        raise ValidationError({"period": ["Use a month such as 2025-26-P06."]})
    return period


class ComponentSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    weight = serializers.IntegerField()
    effective_weight = serializers.DecimalField(max_digits=5, decimal_places=1)
    detail = serializers.CharField()


class ServiceMonthSerializer(serializers.Serializer):
    service = serializers.IntegerField(source="service_id")
    expected = serializers.IntegerField()
    entered = serializers.IntegerField()
    met = serializers.IntegerField()
    minor = serializers.IntegerField()
    serious = serializers.IntegerField()
    missing = serializers.IntegerField()
    health = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rag = serializers.CharField()
    credits = serializers.DecimalField(max_digits=12, decimal_places=2)
    cap = serializers.DecimalField(max_digits=12, decimal_places=2)
    capped = serializers.BooleanField()
    credit_rule = serializers.CharField()


class PartnershipMetricsSerializer(serializers.Serializer):
    partnership = serializers.IntegerField()
    period = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rag = serializers.CharField()
    components = ComponentSerializer(many=True)
    credits = serializers.DecimalField(max_digits=12, decimal_places=2)
    credits_year_to_date = serializers.DecimalField(max_digits=12, decimal_places=2)
    services = ServiceMonthSerializer(many=True)


class PartnershipMetricsViewSet(viewsets.ViewSet):
    """Contract health of a partnership for a month, its components, credits and services."""

    queryset = Partnership.objects.none()  # tells the schema the id is an integer
    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[PERIOD_PARAMETER], responses={200: PartnershipMetricsSerializer})
    def retrieve(self, request, pk=None):
        partnership = Partnership.objects.visible_to(request.user).filter(pk=pk).first()
        if partnership is None or not roles.may_see_partnership(request.user, partnership.pk):
            raise NotFound("No such partnership.")
        month = month_from(request)
        health = contract_health(partnership=partnership, period=month)
        ytd = credits_year_to_date(partnership=partnership, period=month)
        body = {
            "partnership": partnership.pk,
            "period": month.key,
            "score": health.score,
            "rag": health.rag.value,
            "components": health.components,
            "credits": health.credits,
            "credits_year_to_date": sum(ytd.values()),
            "services": [
                {
                    **vars(s),
                    "missing": s.missing,
                    "health": s.health,
                    "rag": s.rag.value,
                    "credits": s.credits,
                    "cap": s.cap,
                    "capped": s.capped,
                    "credit_rule": s.credit_rule,
                }
                for s in health.services
            ],
        }
        return Response(PartnershipMetricsSerializer(body).data)
