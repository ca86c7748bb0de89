"""The returns API: the same services and selectors as the pages, scoped the same way."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from core.api.actions import RecordActionMixin
from core.api.errors import STATE_CONFLICT, error_responses, request_example
from departments.api.fields import WholeNumberField, WholeNumberRelatedField
from departments.forecasts import forecast_of
from departments.imports.api import (
    IMPORT_EXAMPLES,
    IMPORT_PARSERS,
    IMPORT_REQUEST,
    IMPORT_RESPONSES,
    start_import_response,
)
from departments.models import Department, ForecastConfidence, KpiReturn, PerformanceIndicator
from departments.rating import Rag, Timeliness, return_timeliness
from departments.returns import selectors, services, sign_off
from departments.returns.changes import ENTERED_FIELDS
from departments.returns.filters import ReturnFilter

TIMELINESS_HELP = (
    "Where the return stands against its deadline today (London time), by the one rule of "
    "every page, export and early warning: "
    + "; ".join(f"{t.value} ({t.label})" for t in Timeliness)
    + ". A draft, a sent-back return and a ratio return without numerator and denominator "
    "are not submitted; a return submitted again after being sent back is judged on that "
    "latest submission."
)


FORECAST_RAG_HELP = (
    "The year-end forecast rated against the annual target (for a sum indicator the whole "
    "year's total) by the rule of every figure; null without a forecast."
)
FORECAST_FLAG_HELP = (
    "Why the head of service should check the forecast (a red return forecast on track, a "
    "green one forecast off track, or a confidence contradicting the forecast's own rating "
    "against the annual target); empty when there is nothing to check."
)
FORECAST_WRITE_HELP = (
    "Only for an indicator with an annual target for the period's year. A forecast is its "
    "value, its confidence and a sentence, all three, or none."
)


class KpiReturnSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    rag = serializers.SerializerMethodField()
    deadline = serializers.DateField(
        read_only=True, help_text="The 15th working day after the period's last day."
    )
    timeliness = serializers.SerializerMethodField(help_text=TIMELINESS_HELP)
    forecast_confidence = serializers.ChoiceField(
        choices=[("", "No forecast"), *ForecastConfidence.choices],
        read_only=True,
        help_text="Given with a forecast; empty otherwise.",
    )
    forecast_rag = serializers.SerializerMethodField(help_text=FORECAST_RAG_HELP)
    forecast_flag = serializers.SerializerMethodField(help_text=FORECAST_FLAG_HELP)

    class Meta:
        model = KpiReturn
        fields = [
            "id",
            "indicator",
            "indicator_code",
            "department",
            "period",
            "period_start",
            "period_end",
            "financial_year",
            *ENTERED_FIELDS,
            "forecast_rag",
            "forecast_flag",
            "state",
            "version",
            "sent_back_reason",
            "submitted_by",
            "submitted_at",
            "approved_by",
            "approved_at",
            "locked_at",
            "created_at",
            "updated_at",
            "rag",
            "deadline",
            "timeliness",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "value": {
                "help_text": "The return's figure. For a ratio indicator it is worked out: "
                "numerator ÷ denominator, times 100 when the unit is percent, rounded "
                "half-up to the indicator's decimal places (DESIGN.md section 3)."
            },
            "numerator": {"help_text": "A ratio indicator's numerator; empty otherwise."},
            "denominator": {"help_text": "A ratio indicator's denominator; empty otherwise."},
            "forecast_value": {
                "help_text": "The year-end forecast of the indicator's year-to-date figure, "
                "in its unit; empty when none is given."
            },
            "forecast_note": {"help_text": "The sentence that explains the forecast."},
        }

    def _target(self, obj: KpiReturn):
        # A list gives the targets of its page's returns (ReturnViewSet.paginate_queryset),
        # so no query is made per row; a single return reads its own, once.
        key = (obj.indicator_id, obj.financial_year)
        targets = self.context.get("targets")
        if targets is not None:
            return targets.get(key)
        read = self.__dict__.setdefault("_targets_read", {})
        if key not in read:
            read[key] = services.target_for(obj.indicator, obj.period_obj)
        return read[key]

    def to_representation(self, instance: KpiReturn) -> dict:
        # The return's RAG and its forecast (whose RAG and flag are two fields) are
        # worked out once per return, here, and read by the fields below.
        target = self._target(instance)
        current = services.rag_of(instance.indicator, instance.period, instance.value, target)
        self._rated = (current, forecast_of(instance.indicator, instance, target, current))
        return super().to_representation(instance)

    def get_rag(self, obj: KpiReturn) -> str:
        return self._rated[0].value

    @extend_schema_field(
        serializers.ChoiceField(choices=[rag.value for rag in Rag], allow_null=True)
    )
    def get_forecast_rag(self, obj: KpiReturn) -> str | None:
        forecast = self._rated[1]
        return None if forecast is None else forecast.rag.value

    @extend_schema_field(serializers.CharField())
    def get_forecast_flag(self, obj: KpiReturn) -> str:
        forecast = self._rated[1]
        return "" if forecast is None else forecast.flag

    @extend_schema_field(serializers.ChoiceField(choices=[t.value for t in Timeliness]))
    def get_timeliness(self, obj: KpiReturn) -> str:
        return return_timeliness(
            indicator=obj.indicator,
            kpi_return=obj,
            period=obj.period_obj,
            today=timezone.localdate(),
        ).state.value


class ReturnWriteSerializer(serializers.Serializer):
    """Figures of a return. Numbers are taken as strings, checked by the services.

    In a PATCH a field left out keeps its stored value; in a POST or PUT it is empty. A
    percent-unit ratio indicator's value is 100 × numerator ÷ denominator, worked out
    and rounded half-up to the indicator's decimal places (DESIGN.md section 3)."""

    indicator = WholeNumberRelatedField(queryset=PerformanceIndicator.objects.none())
    period = serializers.CharField(max_length=11, help_text="Period key, e.g. 2025-26-P06.")
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    numerator = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    denominator = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    commentary = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    improvement_action = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    forecast_value = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=FORECAST_WRITE_HELP
    )
    forecast_confidence = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="One of " + ", ".join(ForecastConfidence.values) + "; empty for none.",
    )
    forecast_note = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    version = WholeNumberField(
        required=False, allow_null=True, help_text="The version your change is based on."
    )
    submit = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["indicator"].queryset = PerformanceIndicator.objects.visible_to(
                request.user
            )


class VersionSerializer(serializers.Serializer):
    version = WholeNumberField(required=False, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    version = WholeNumberField(required=False, allow_null=True)


CONFLICT = error_responses(409)[409]


class ReturnViewSet(
    RecordActionMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """KPI returns in the user's scope. Writes and transitions go through the services."""

    serializer_class = KpiReturnSerializer
    filterset_class = ReturnFilter
    ordering_fields = ["period_start", "updated_at", "state"]
    ordering = ["-period_start", "indicator__code"]

    def get_queryset(self):
        return KpiReturn.objects.visible_to(self.request.user).select_related("indicator")

    def paginate_queryset(self, queryset):
        """The page, with the targets that rate its returns read in one query."""
        page = super().paginate_queryset(queryset)
        self._targets = selectors.targets_of(page if page is not None else queryset)
        return page

    def get_serializer_context(self) -> dict:
        targets = getattr(self, "_targets", None)
        return super().get_serializer_context() | ({} if targets is None else {"targets": targets})

    def _save(self, request, instance: KpiReturn | None, partial: bool = False):
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if instance is not None:
            # A return stays the return of its indicator and period: a change there is
            # a different return, made with POST.
            for name, current in (
                ("indicator", instance.indicator_id),
                ("period", instance.period),
            ):
                if name in data and str(data[name]) != str(current):
                    raise DRFValidationError(
                        {
                            name: [
                                f"A return's {name} cannot be changed; create a new return instead."
                            ]
                        }
                    )
                data[name] = current
        incoming = ReturnWriteSerializer(data=data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        figures = incoming.validated_data
        # PATCH keeps what it does not name (services.KEEP); POST and PUT give the whole
        # return, so a field they leave out is empty.
        absent = services.KEEP if partial else None
        saved = services.save_return(
            indicator=figures["indicator"],
            period_key=figures["period"],
            actor=request.user,
            value=figures.get("value", absent),
            numerator=figures.get("numerator", absent),
            denominator=figures.get("denominator", absent),
            commentary=figures.get("commentary", services.KEEP if partial else ""),
            improvement_action=figures.get("improvement_action", services.KEEP if partial else ""),
            forecast_value=figures.get("forecast_value", absent),
            forecast_confidence=figures.get("forecast_confidence", absent),
            forecast_note=figures.get("forecast_note", absent),
            expected_version=figures.get("version"),
            submit=figures["submit"],
        )
        return KpiReturnSerializer(saved, context={"request": request})

    @extend_schema(
        request=ReturnWriteSerializer,
        responses={201: KpiReturnSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "A return",
                {
                    "indicator": 12,
                    "period": "2025-26-P06",
                    "value": "91.5",
                    "commentary": "Above target after the new triage rota.",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        return Response(self._save(request, None).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReturnWriteSerializer,
        responses={200: KpiReturnSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "New figures",
                {
                    "indicator": 12,
                    "period": "2025-26-P06",
                    "value": "88.0",
                    "commentary": "Corrected after the audit.",
                    "version": 2,
                },
            )
        ],
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.get("partial", False)
        return Response(self._save(request, self.get_object(), partial).data)

    def _transition(self, request, service, serializer_class=VersionSerializer):
        return self.record_action(
            request,
            service,
            serializer_class,
            record_argument="kpi_return",
            shown_as=lambda saved: KpiReturnSerializer(saved, context={"request": request}).data,
        )

    @extend_schema(
        request=VersionSerializer,
        responses={200: KpiReturnSerializer, 409: CONFLICT},
        examples=[request_example("Based on version 2", {"version": 2})],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, services.submit_return)

    @extend_schema(
        request=VersionSerializer,
        responses={200: KpiReturnSerializer, 409: CONFLICT},
        examples=[request_example("Based on version 3", {"version": 3})],
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, services.approve_return)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: KpiReturnSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "Send back",
                {"reason": "The figure excludes the last week of the month.", "version": 3},
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._transition(request, services.send_back_return, ReasonSerializer)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: KpiReturnSerializer},
        examples=[request_example("Reopen", {"reason": "The supplier restated its figures."})],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        kpi_return = self.get_object()
        incoming = ReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        saved = services.reopen_return(
            kpi_return=kpi_return, actor=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(KpiReturnSerializer(saved, context={"request": request}).data)

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=IMPORT_EXAMPLES)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import returns from a CSV or XLSX file, or JSON rows: all or nothing."""
        return start_import_response(request, "returns")


class PeriodActionSerializer(serializers.Serializer):
    department = WholeNumberRelatedField(
        queryset=Department.objects.none(), required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["department"].queryset = Department.objects.visible_to(request.user)


class SignOffResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    department = serializers.IntegerField(allow_null=True)
    locked = serializers.IntegerField()
    not_signed_off = serializers.IntegerField()


class ReopenResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    department = serializers.IntegerField(allow_null=True)
    reopened = serializers.IntegerField()


class PeriodViewSet(viewsets.ViewSet):
    """SMT signs a period off, or reopens it, for one department or the whole council."""

    lookup_field = "key"
    lookup_value_converter = "period_key"  # departments.api.urls.PeriodKeyConverter

    def _incoming(self, request) -> dict:
        incoming = PeriodActionSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        return incoming.validated_data

    @extend_schema(
        request=PeriodActionSerializer,
        responses={201: SignOffResultSerializer, 409: STATE_CONFLICT},
        examples=[
            request_example("Sign off Housing", {"department": 3}),
            request_example("Sign off the council", {}),
        ],
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, key=None):
        data = self._incoming(request)
        outcome = sign_off.sign_off_period(
            period_key=key, actor=request.user, department=data.get("department")
        )
        return Response(
            {
                "period": key,
                "department": getattr(data.get("department"), "pk", None),
                "locked": outcome.locked,
                "not_signed_off": outcome.not_signed_off,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=PeriodActionSerializer,
        responses={200: ReopenResultSerializer, 409: STATE_CONFLICT},
        examples=[
            request_example("Reopen the council", {"reason": "Late correction from Finance."})
        ],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, key=None):
        data = self._incoming(request)
        reopened = sign_off.reopen_period(
            period_key=key,
            actor=request.user,
            department=data.get("department"),
            reason=data.get("reason", ""),
        )
        return Response(
            {
                "period": key,
                "department": getattr(data.get("department"), "pk", None),
                "reopened": reopened,
            }
        )


__all__ = ["PeriodViewSet", "ReturnViewSet"]
