"""SLA results through the API: the same services and scopes as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.actions import RecordActionMixin
from core.api.errors import error_responses, request_example
from departments.api.fields import WholeNumberField, WholeNumberRelatedField
from departments.imports.api import (
    IMPORT_EXAMPLES,
    IMPORT_PARSERS,
    IMPORT_REQUEST,
    IMPORT_RESPONSES,
    start_import_response,
)
from partnerships.models import Sla, SlaResult, Verification
from partnerships.outcomes import sla_outcome
from partnerships.sla_results import services
from partnerships.sla_results.filters import SlaResultFilter

CONFLICT = error_responses(409)[409]


class SlaResultSerializer(serializers.ModelSerializer):
    sla_code = serializers.CharField(source="sla.code", read_only=True)
    value_in_force = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)
    outcome = serializers.SerializerMethodField()
    disputed = serializers.SerializerMethodField()

    class Meta:
        model = SlaResult
        fields = [
            "id",
            "sla",
            "sla_code",
            "period",
            "reported_value",
            "agreed_value",
            "value_in_force",
            "outcome",
            "disputed",
            "commentary",
            "verification",
            "dispute_reason",
            "resolution_reason",
            "entered_by",
            "entered_at",
            "verified_by",
            "verified_at",
            "version",
        ]
        read_only_fields = fields

    def get_outcome(self, result: SlaResult) -> str:
        return sla_outcome(result.sla, result).value

    def get_disputed(self, result: SlaResult) -> bool:
        return result.verification == Verification.DISPUTED


class SlaResultWriteSerializer(serializers.Serializer):
    sla = WholeNumberRelatedField(queryset=Sla.objects.none())
    period = serializers.CharField(max_length=11, help_text="Month key, e.g. 2025-26-P06.")
    value = serializers.CharField(help_text="The month's result, e.g. 99.62.")
    commentary = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Left out: the stored commentary is kept (as an import without the column).",
    )
    version = WholeNumberField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["sla"].queryset = Sla.objects.visible_to(request.user)


class ResultVersionSerializer(serializers.Serializer):
    version = WholeNumberField(required=False, allow_null=True)


class ResultToVerifySerializer(ResultVersionSerializer):
    id = WholeNumberField(min_value=1, max_value=2**31 - 1)


class BulkVerifySerializer(serializers.Serializer):
    results = ResultToVerifySerializer(
        many=True, allow_empty=False, max_length=1000, help_text="Each result and its version."
    )


class BulkVerifiedSerializer(serializers.Serializer):
    verified = serializers.IntegerField()
    results = SlaResultSerializer(many=True)


class DisputeSerializer(ResultVersionSerializer):
    reason = serializers.CharField()


class ResolveSerializer(DisputeSerializer):
    agreed_value = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Empty confirms the partner's figure.",
    )


class SlaResultViewSet(
    RecordActionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SlaResultSerializer
    filterset_class = SlaResultFilter
    ordering_fields = ["period_start", "entered_at"]
    ordering = ["-period_start", "sla__code"]

    def get_queryset(self):
        return SlaResult.objects.visible_to(self.request.user).select_related("sla")

    @extend_schema(
        request=SlaResultWriteSerializer,
        responses={201: SlaResultSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "A month's result",
                {
                    "sla": 4,
                    "period": "2025-26-P06",
                    "value": "99.62",
                    "commentary": "Two short outages.",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Enter (or correct, until verified) one month's result of one SLA."""
        incoming = SlaResultWriteSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        result = services.enter_sla_result(
            sla=data["sla"],
            period_key=data["period"],
            actor=request.user,
            value=data["value"],
            commentary=data.get("commentary", services.KEEP),
            expected_version=data.get("version"),
        )
        return Response(SlaResultSerializer(result).data, status=status.HTTP_201_CREATED)

    def _act(self, request, serializer_class, service):
        return self.record_action(
            request,
            service,
            serializer_class,
            record_argument="result",
            shown_as=lambda result: SlaResultSerializer(result).data,
        )

    @extend_schema(
        request=ResultVersionSerializer,
        responses={200: SlaResultSerializer, 409: CONFLICT},
        examples=[request_example("Verify", {"version": 1})],
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act(request, ResultVersionSerializer, services.verify_sla_result)

    @extend_schema(
        operation_id="v1_sla_results_verify_many",
        request=BulkVerifySerializer,
        responses={200: BulkVerifiedSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "Verify two", {"results": [{"id": 7, "version": 1}, {"id": 8, "version": 2}]}
            )
        ],
    )
    @action(detail=False, methods=["post"], url_path="verify")
    def verify_many(self, request):
        """Verify many results at once, all or nothing (the page's bulk verification)."""
        incoming = BulkVerifySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        versions = {item["id"]: item.get("version") for item in incoming.validated_data["results"]}
        verified = services.verify_sla_results(versions=versions, actor=request.user)
        return Response(
            {"verified": len(verified), "results": SlaResultSerializer(verified, many=True).data}
        )

    @extend_schema(
        request=DisputeSerializer,
        responses={200: SlaResultSerializer, 409: CONFLICT},
        examples=[
            request_example("Dispute", {"reason": "Our monitoring shows 97.9.", "version": 1})
        ],
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        return self._act(request, DisputeSerializer, services.dispute_sla_result)

    @extend_schema(
        request=ResolveSerializer,
        responses={200: SlaResultSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "Agreed figure",
                {"reason": "Agreed at the contract board.", "agreed_value": "98.4", "version": 2},
            ),
            request_example(
                "Partner's figure stands", {"reason": "Monitoring gap confirmed.", "version": 2}
            ),
        ],
    )
    @action(detail=True, methods=["post"], url_path="resolve-dispute")
    def resolve_dispute(self, request, pk=None):
        return self._act(request, ResolveSerializer, services.resolve_sla_dispute)

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=IMPORT_EXAMPLES)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import SLA results from a CSV or XLSX file, or JSON rows: all or nothing."""
        return start_import_response(request, "sla_results")
