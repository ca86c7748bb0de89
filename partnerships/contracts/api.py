"""Contract KPIs and their assessments through the API: the same services, scopes and
notice files as the pages. The partner's manager sees the contract's KPIs and approved
assessments (with their notices), never a draft; departments see none of it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import STATE_CONFLICT, request_example
from departments import roles
from departments.api.fields import (
    TypedInputsMixin,
    VisibleChoicesMixin,
    WholeNumberField,
    WholeNumberRelatedField,
)
from partnerships.contracts import notices, plans, services
from partnerships.contracts.api_shared import (
    assessor_input,
    notice_download,
    notice_download_schema,
)
from partnerships.contracts.filters import (
    AssessmentFilter,
    ContractKpiFilter,
    RectificationPlanFilter,
)
from partnerships.contracts.models import (
    KPI_DEFINITION_FIELDS,
    Assessment,
    AssessmentKind,
    ContractKpi,
    KpiRating,
    PlanState,
    RectificationPlan,
)
from partnerships.contracts.ratings import DEFAULT_THRESHOLDS, THRESHOLD_DIGITS_MESSAGES, Rating
from partnerships.models import Partnership, Sla

# Approving an approved assessment, rating a locked one, reopening a draft: the
# assessment's state changed first; nothing is written.
CONFLICT = STATE_CONFLICT


class ThresholdSerializer(serializers.Serializer):
    rating = serializers.CharField()
    condition = serializers.CharField()


class ContractKpiSerializer(serializers.ModelSerializer):
    thresholds = serializers.SerializerMethodField()

    class Meta:
        model = ContractKpi
        fields = ["id", "partnership", *KPI_DEFINITION_FIELDS, "thresholds", "active"]
        read_only_fields = fields

    @extend_schema_field(ThresholdSerializer(many=True))
    def get_thresholds(self, kpi: ContractKpi) -> list[dict[str, str]]:
        return [
            {"rating": rating, "condition": condition}
            for rating, condition in kpi.thresholds.described()
        ]


class KpiRatingSerializer(serializers.ModelSerializer):
    kpi_title = serializers.CharField(source="kpi.title", read_only=True)
    # Blank until the evidence proposes one, and until the SMT rates.
    proposed_rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True)
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True)

    class Meta:
        model = KpiRating
        fields = [
            "id",
            "kpi",
            "kpi_title",
            "proposed_rating",
            "score",
            "serious_share",
            "evidence",
            "rating",
            "reason",
            "rated_by",
        ]
        read_only_fields = fields


class AssessmentSerializer(TypedInputsMixin, serializers.ModelSerializer):
    ratings = KpiRatingSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "partnership",
            "kind",
            "period_start",
            "period_end",
            "state",
            "proposed_on",
            "approved_by",
            "approved_at",
            "version",
            "ratings",
        ]
        read_only_fields = fields


class AssessmentStartSerializer(VisibleChoicesMixin, serializers.Serializer):
    visible_choices = {"partnership": Partnership}

    partnership = WholeNumberRelatedField(queryset=Partnership.objects.none())
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    period_start = serializers.DateField(
        required=False, allow_null=True, help_text="Ad hoc (and, optionally, termination)."
    )
    period_end = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The anniversary for an anniversary assessment; the last day otherwise.",
    )


class RateSerializer(serializers.Serializer):
    kpi = WholeNumberField(min_value=1, max_value=2**31 - 1)
    rating = serializers.ChoiceField(choices=Rating.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenAssessmentSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ContractKpiWriteSerializer(serializers.ModelSerializer):
    """What an administrator sends to set or change a KPI; the service decides."""

    slas = WholeNumberRelatedField(queryset=Sla.objects.all(), many=True, required=False)

    class Meta:
        model = ContractKpi
        fields = ["partnership", *KPI_DEFINITION_FIELDS, "active"]
        # The service checks (partnership, title) is unique, with the field named.
        validators = []
        extra_kwargs = {
            name: {"error_messages": THRESHOLD_DIGITS_MESSAGES} for name in DEFAULT_THRESHOLDS
        }


class ContractKpiViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The contract's section-52 KPIs: seen by those who see the contract; set and
    changed by administrators (``services.save_contract_kpi``, as the KPI page)."""

    serializer_class = ContractKpiSerializer
    filterset_class = ContractKpiFilter
    ordering = ["partnership", "title"]

    def get_queryset(self):
        return ContractKpi.objects.visible_to(self.request.user).prefetch_related("slas")

    @extend_schema(
        request=ContractKpiWriteSerializer,
        responses={201: ContractKpiSerializer},
        examples=[
            request_example(
                "Built from two SLAs",
                {
                    "partnership": 1,
                    "title": "Availability of core systems",
                    "measure": "slas",
                    "slas": [1, 2],
                    "linked_to_payment": True,
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Set a KPI of the contract (administrators)."""
        # Reference data: the role is checked before the record or the body is read.
        services.check_may_set_kpis(request.user)
        incoming = ContractKpiWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        slas = data.pop("slas", [])
        kpi = services.save_contract_kpi(kpi=ContractKpi(**data), actor=request.user, slas=slas)
        return Response(ContractKpiSerializer(kpi).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractKpiWriteSerializer, responses={200: ContractKpiSerializer})
    def update(self, request, *args, **kwargs):
        """Change a KPI (administrators): its title, measure, SLAs, thresholds, use."""
        # Reference data: the role is checked before the record or the body is read.
        services.check_may_set_kpis(request.user)
        kpi = self.get_object()
        incoming = ContractKpiWriteSerializer(
            kpi, data=request.data, partial=request.method == "PATCH"
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        slas = data.pop("slas", None)
        if data.pop("partnership", kpi.partnership) != kpi.partnership:
            raise serializers.ValidationError(
                {"partnership": ["A KPI stays with its contract: set a new one for another."]}
            )
        for name, value in data.items():
            setattr(kpi, name, value)
        slas = list(kpi.slas.all()) if slas is None else slas
        kpi = services.save_contract_kpi(kpi=kpi, actor=request.user, slas=slas)
        return Response(ContractKpiSerializer(kpi).data)


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assessments of the contract's performance against its KPIs (section 71(2))."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering = ["partnership", "-period_end", "-id"]

    def get_queryset(self):
        return Assessment.objects.visible_to(self.request.user).prefetch_related("ratings__kpi")

    def _answer(self, assessment: Assessment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().model.objects.prefetch_related("ratings__kpi")
        return Response(AssessmentSerializer(fresh.get(pk=assessment.pk)).data, status=code)

    @extend_schema(
        request=AssessmentStartSerializer,
        responses={201: AssessmentSerializer},
        examples=[
            request_example(
                "Ad hoc",
                {
                    "partnership": 1,
                    "kind": "ad_hoc",
                    "period_start": "2025-04-01",
                    "period_end": "2025-09-30",
                },
            ),
            request_example(
                "To the fifth anniversary",
                {"partnership": 1, "kind": "anniversary", "period_end": "2025-04-01"},
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        """Start an assessment (SMT): the ratings are proposed from the evidence."""
        incoming = assessor_input(request, AssessmentStartSerializer)
        assessment = services.start_assessment(actor=request.user, **incoming)
        return self._answer(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AssessmentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """Read the evidence again and propose the ratings (a draft only)."""
        return self._answer(services.propose(assessment=self.get_object(), actor=request.user))

    @extend_schema(
        request=RateSerializer,
        responses={200: AssessmentSerializer, 409: CONFLICT},
        examples=[
            request_example(
                "Changed", {"kpi": 3, "rating": "approaching", "reason": "Two disputed months."}
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        """Accept or change one KPI's rating; a reason when it differs, or for Other."""
        assessment = self.get_object()
        incoming = assessor_input(request, RateSerializer)
        row = get_object_or_404(assessment.ratings, kpi_id=incoming["kpi"])
        services.rate(
            rating=row, actor=request.user, value=incoming["rating"], reason=incoming["reason"]
        )
        return self._answer(assessment)

    @extend_schema(request=None, responses={200: AssessmentSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve (every KPI rated): the assessment locks and gives its notice."""
        return self._answer(services.approve(assessment=self.get_object(), actor=request.user))

    @extend_schema(
        request=ReopenAssessmentSerializer,
        responses={200: AssessmentSerializer, 409: CONFLICT},
        examples=[request_example("Reopen", {"reason": "The March figure was corrected."})],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Reopen an approved assessment, with a reason (its history keeps the approval)."""
        assessment = self.get_object()
        incoming = assessor_input(request, ReopenAssessmentSerializer)
        return self._answer(
            services.reopen(assessment=assessment, actor=request.user, reason=incoming["reason"])
        )

    @notice_download_schema(notices.NOTICE_FORMATS)
    @action(detail=True, methods=["get"])
    def notice(self, request, pk=None):
        """The Contract Performance Notice of an approved assessment (regulation 39(4)),
        as JSON, CSV or a tagged PDF; its SHA-256 in the X-Content-SHA256 header."""
        return notice_download(request, self.get_object(), notices.NOTICE_FORMATS)


class RectificationPlanSerializer(TypedInputsMixin, serializers.ModelSerializer):
    class Meta:
        model = RectificationPlan
        fields = [
            "id",
            "partnership",
            "kpi_rating",
            "sla",
            "action",
            "owner",
            "due_date",
            "progress",
            "state",
            "closed_on",
        ]
        read_only_fields = fields


class PlanRecordSerializer(VisibleChoicesMixin, serializers.Serializer):
    visible_choices = {"partnership": Partnership, "kpi_rating": KpiRating, "sla": Sla}

    partnership = WholeNumberRelatedField(queryset=Partnership.objects.none())
    kpi_rating = WholeNumberRelatedField(
        queryset=KpiRating.objects.none(), required=False, allow_null=True
    )
    sla = WholeNumberRelatedField(queryset=Sla.objects.none(), required=False, allow_null=True)
    action = serializers.CharField()
    owner = serializers.CharField(max_length=120)
    due_date = serializers.DateField()


class PlanProgressSerializer(serializers.Serializer):
    progress = serializers.CharField()


class PlanCloseSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[PlanState.MET, PlanState.FAILED])
    reason = serializers.CharField()


class RectificationPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Rectification plans: recorded and closed by the SMT, progressed by the partner."""

    serializer_class = RectificationPlanSerializer
    filterset_class = RectificationPlanFilter
    ordering = ["partnership", "due_date", "id"]

    def get_queryset(self):
        return RectificationPlan.objects.visible_to(self.request.user)

    @extend_schema(
        request=PlanRecordSerializer,
        responses={201: RectificationPlanSerializer},
        examples=[
            request_example(
                "For an SLA",
                {
                    "partnership": 1,
                    "sla": 4,
                    "action": "Restore availability above 99.5%.",
                    "owner": "Partner service director",
                    "due_date": "2026-03-31",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Record a plan for a KPI rated below target or an SLA in serious failure (SMT)."""
        incoming = assessor_input(request, PlanRecordSerializer)
        plan = plans.record_plan(actor=request.user, **incoming)
        return Response(RectificationPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PlanProgressSerializer,
        responses={200: RectificationPlanSerializer, 409: CONFLICT},
        examples=[request_example("Progress", {"progress": "Failover cluster in test."})],
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """The partner's manager (or the SMT) records the plan's progress."""
        plan = self.get_object()
        if not roles.may_manage_escalations(request.user, plan.partnership_id):
            raise PermissionDenied("Only the SMT and the partner's manager update a plan.")
        incoming = PlanProgressSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        plan = plans.update_progress(
            plan=plan, actor=request.user, progress=incoming.validated_data["progress"]
        )
        return Response(RectificationPlanSerializer(plan).data)

    @extend_schema(
        request=PlanCloseSerializer,
        responses={200: RectificationPlanSerializer, 409: CONFLICT},
        examples=[request_example("Met", {"state": "met", "reason": "Availability restored."})],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The SMT closes the plan as met or failed, with a reason."""
        plan = self.get_object()
        incoming = assessor_input(request, PlanCloseSerializer)
        plan = plans.close_plan(plan=plan, actor=request.user, **incoming)
        return Response(RectificationPlanSerializer(plan).data)
