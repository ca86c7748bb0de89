"""The API of the partnership's records: milestones (progress only), escalations and risks.
Every write goes through partnerships.records.services, as the records page does."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import request_example
from core.digits import whole_number
from departments.api.fields import LondonDateField, TypedInputsMixin
from partnerships.models import Escalation, Milestone, Risk
from partnerships.records import services
from partnerships.records.filters import EscalationFilter, MilestoneFilter, RiskFilter
from partnerships.records.selectors import MilestoneRow


class MilestoneSerializer(TypedInputsMixin, serializers.ModelSerializer):
    late = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "owner",
            "due_date",
            "delivered_date",
            "state",
            "late",
        ]
        read_only_fields = ["id", "late"]

    def get_late(self, milestone: Milestone) -> bool:
        return MilestoneRow(milestone, timezone.localdate()).late


class MilestoneProgressSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Milestone._meta.get_field("state").choices)
    delivered_date = LondonDateField(required=False, allow_null=True)


class MilestoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "delivered_date"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return Milestone.objects.visible_to(self.request.user)

    @extend_schema(
        request=MilestoneProgressSerializer,
        responses={200: MilestoneSerializer},
        examples=[
            request_example("Delivered", {"state": "delivered", "delivered_date": "2025-09-30"})
        ],
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """The partner records a milestone's state and delivery date."""
        incoming = MilestoneProgressSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        milestone = services.update_milestone(
            milestone=self.get_object(), actor=request.user, **incoming.validated_data
        )
        return Response(MilestoneSerializer(milestone).data)


class _RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Escalations and risks: raised and updated through ``services.save_record``."""

    model = None
    ordering_fields = ["raised_on", "due_date"]
    ordering = ["-raised_on", "-id"]

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def update(self, request, *args, **kwargs):
        # The permission before the body, as on the records page.
        services.check_may_manage_records(request.user, self.get_object().partnership_id)
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        record = serializer.instance
        for name, value in serializer.validated_data.items():
            if name != "partnership":
                setattr(record, name, value)
        services.save_record(record=record, actor=self.request.user, reason="Updated")

    def create(self, request, *args, **kwargs):
        # The permission before the body, as on the records page: the partnership named in
        # it (none, or not a number, is one nobody but SMT and admins manages).
        partnership = request.data.get("partnership") if hasattr(request.data, "get") else None
        services.check_may_manage_records(request.user, whole_number(str(partnership)))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = self.model(**serializer.validated_data)
        services.save_record(record=record, actor=request.user)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class EscalationSerializer(TypedInputsMixin, serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "severity",
            "owner",
            "raised_on",
            "raised_by",
            "due_date",
            "state",
            "resolved_on",
            "resolution",
        ]
        read_only_fields = ["id", "raised_by"]


class RiskSerializer(TypedInputsMixin, serializers.ModelSerializer):
    score = serializers.IntegerField(read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "partnership",
            "title",
            "description",
            "likelihood",
            "impact",
            "score",
            "mitigation",
            "owner",
            "raised_on",
            "raised_by",
            "due_date",
            "state",
            "resolved_on",
            "resolution",
        ]
        read_only_fields = ["id", "raised_by", "score"]


class EscalationViewSet(_RecordViewSet):
    model = Escalation
    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter


class RiskViewSet(_RecordViewSet):
    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
