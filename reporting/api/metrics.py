"""Read-only metrics endpoints: the same metric functions as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from departments import periods, roles
from partnerships.models import Partnership
from reporting.figures.coordination import cached_coordination_figures
from reporting.figures.overview import cached_overview_figures
from reporting.metrics.health import contract_health, credits_year_to_date
from reporting.metrics.status import REASON_HELP, STATE_CHOICES, STATE_HELP
from reporting.selectors import partnership_with_figures, readable_departments
from reporting.signed_off import NotSignedOff, month_for_reader

PERIOD_PARAMETER = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    description=(
        "Month key such as 2025-26-P06; default: the latest closed month. A month that "
        "has not ended (the current one or a future one) answers 400: only ended months "
        "have figures."
    ),
    required=False,
)


def month_from(request, *, department_id: int | None = None) -> periods.Period:
    """The ``?period=`` month (default: the latest closed); 400 naming the problem, for
    a bad key and for a month that has not ended alike ({"period": [message]}). An
    elected member gets signed-off months only (``reporting.signed_off``): 404 for any
    other, as the pages answer."""
    try:
        return month_for_reader(
            request.user, request.query_params.get("period"), department_id=department_id
        )
    except NotSignedOff as error:
        raise NotFound(str(error)) from error
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from error


def status_fields(source: str) -> tuple[serializers.ChoiceField, serializers.CharField]:
    """The ``status`` and ``status_reason`` fields of a figure whose ``FigureStatus`` is
    at ``source`` (DESIGN.md section 3, "Which months are rated")."""
    return (
        serializers.ChoiceField(
            choices=STATE_CHOICES,
            source=f"{source}.state",
            help_text=STATE_HELP,
        ),
        serializers.CharField(source=f"{source}.reason", help_text=REASON_HELP),
    )


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
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Null when the month is outside the contract term or has no data.",
    )
    rag = serializers.CharField()
    status, status_reason = status_fields("status")
    components = ComponentSerializer(many=True)
    credits = serializers.DecimalField(max_digits=12, decimal_places=2)
    credits_year_to_date = serializers.DecimalField(max_digits=12, decimal_places=2)
    services = ServiceMonthSerializer(many=True)


class PartnershipMetricsViewSet(viewsets.ViewSet):
    """Contract health of a partnership for a month, its components, credits and services."""

    queryset = Partnership.objects.none()  # tells the schema the id is an integer

    @extend_schema(parameters=[PERIOD_PARAMETER], responses={200: PartnershipMetricsSerializer})
    def retrieve(self, request, pk=None):
        partnership = partnership_with_figures(request.user, pk)
        if partnership is None:
            raise NotFound("No such partnership.")
        month = month_from(request)
        health = contract_health(partnership=partnership, period=month)
        ytd = credits_year_to_date(partnership=partnership, period=month)
        body = {
            "partnership": partnership.pk,
            "period": month.key,
            "score": health.score,
            "rag": health.rag.value,
            "status": health.status,
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


class CoordinationSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id", allow_null=True)
    period = serializers.CharField(source="period.key")
    received = serializers.IntegerField()
    sent = serializers.IntegerField()
    volume = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    pending = serializers.IntegerField()
    on_time_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    median_days = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    digital = serializers.IntegerField()
    counterparts = serializers.IntegerField()
    index = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    rag = serializers.CharField(source="rag.value")
    status, status_reason = status_fields("status")
    components = ComponentSerializer(many=True)


# One object per request, although the viewset answers it from ``list``.
@extend_schema_serializer(many=False)
class CoordinationMetricsSerializer(serializers.Serializer):
    period = serializers.CharField()
    council = CoordinationSerializer(allow_null=True)
    departments = CoordinationSerializer(many=True)


class CoordinationMetricsViewSet(viewsets.ViewSet):
    """Coordination for a month: council-wide (SMT, auditors) and per department in scope."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses={200: CoordinationMetricsSerializer})
    def list(self, request):
        scope = roles.scope_for(request.user)
        if not scope.sees_departments:
            raise PermissionDenied("Coordination is for the council's departments and SMT.")
        month = month_from(request)
        # The page's departments and its cached figures: the page and the API answer alike.
        departments = readable_departments(request.user)
        figures, _ = cached_coordination_figures(
            month, departments, council_wide=scope.council_wide
        )
        body = {
            "period": month.key,
            "council": figures.council[-1] if figures.council else None,
            "departments": [figures.by_department[(d.pk, month.key)] for d in departments],
        }
        return Response(CoordinationMetricsSerializer(body).data)


class DepartmentRagSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    name = serializers.CharField()
    green = serializers.IntegerField()
    amber = serializers.IntegerField()
    red = serializers.IntegerField()
    not_rated = serializers.IntegerField()
    missing = serializers.IntegerField()


class TrendPointSerializer(serializers.Serializer):
    """One month of a score's trend (``CouncilPartnerHealth`` or ``Coordination``)."""

    period = serializers.CharField(source="period.key")
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Null when the month is not rated or outside every contract.",
    )
    status, status_reason = status_fields("status")


class MissingReturnSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    department = serializers.IntegerField()
    period = serializers.CharField()
    deadline = serializers.DateField()


@extend_schema_serializer(many=False)
class OverviewSerializer(serializers.Serializer):
    period = serializers.CharField()
    rag_by_department = DepartmentRagSerializer(many=True)
    statutory_direction = serializers.DictField(child=serializers.IntegerField())
    returns_status, returns_status_reason = status_fields("returns")
    partner_health = TrendPointSerializer(
        many=True,
        help_text="Council partner health over 24 months: the contract-value-weighted mean "
        "of the partnerships' exact contract health, rounded once; a partnership outside "
        "its contract term that month is left out.",
    )
    coordination_index = TrendPointSerializer(many=True)
    missing_returns = MissingReturnSerializer(many=True)


class OverviewMetricsViewSet(viewsets.ViewSet):
    """The council overview's figures for a month (SMT, auditors and admins)."""

    @extend_schema(parameters=[PERIOD_PARAMETER], responses={200: OverviewSerializer})
    def list(self, request):
        if not roles.scope_for(request.user).reads_council_figures:
            raise PermissionDenied("The council overview is for SMT and auditors.")
        month = month_from(request)
        figures, _ = cached_overview_figures(month)
        body = {
            "period": month.key,
            "rag_by_department": [
                {
                    "department": d.pk,
                    "name": d.name,
                    **{
                        k: figures.counts[d.pk].get(k, 0)
                        for k in ("green", "amber", "red", "not_rated", "missing")
                    },
                }
                for d in figures.departments
            ],
            "statutory_direction": {d.value: n for d, n in figures.travel},
            "returns": figures.returns_status,
            "partner_health": figures.health,
            "coordination_index": [
                {"period": c.period, "score": c.index, "status": c.status}
                for c in figures.coordination
            ],
            "missing_returns": [
                {
                    "indicator": r.indicator.code,
                    "department": r.department_id,
                    "period": r.period.key,
                    "deadline": r.deadline,
                }
                for r in figures.missing
            ],
        }
        return Response(OverviewSerializer(body).data)
