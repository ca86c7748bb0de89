"""Breach and poor-performance notices (section 71(4) of the Procurement Act 2023)
through the API: the same services, scope and notice files as their pages. The SMT
records and approves them; the partner's manager sees approved ones, never a draft."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import STATE_CONFLICT as CONFLICT
from core.api.errors import request_example
from departments.api.fields import TypedInputsMixin, VisibleChoicesMixin, WholeNumberRelatedField
from partnerships.contracts import breach_notices, breaches, services
from partnerships.contracts.api_shared import (
    assessor_input,
    notice_download,
    notice_download_schema,
)
from partnerships.contracts.filters import PerformanceNoticeFilter
from partnerships.contracts.models import (
    ActionTaken,
    NoticeKind,
    PerformanceNotice,
    RectificationPlan,
)
from partnerships.models import Partnership


class PerformanceNoticeSerializer(TypedInputsMixin, serializers.ModelSerializer):
    publish_by = serializers.DateField(read_only=True, help_text="30 days after occurred_on.")

    class Meta:
        model = PerformanceNotice
        fields = [
            "id",
            "partnership",
            "kind",
            "what_happened",
            "occurred_on",
            "action_taken",
            "action_details",
            "damages",
            "plan",
            "state",
            "publish_by",
            "recorded_by",
            "approved_by",
            "approved_at",
            "version",
        ]
        read_only_fields = fields


class PerformanceNoticeRecordSerializer(VisibleChoicesMixin, serializers.Serializer):
    visible_choices = {"partnership": Partnership, "plan": RectificationPlan}

    partnership = WholeNumberRelatedField(queryset=Partnership.objects.none())
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    what_happened = serializers.CharField()
    occurred_on = serializers.DateField()
    action_taken = serializers.ChoiceField(choices=ActionTaken.choices)
    action_details = serializers.CharField(required=False, allow_blank=True, default="")
    damages = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        error_messages={"min_value": breaches.DAMAGES_NEGATIVE},
    )
    plan = WholeNumberRelatedField(
        queryset=RectificationPlan.objects.none(), required=False, allow_null=True
    )


class PerformanceNoticeWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PerformanceNoticeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Breach and poor-performance notices (section 71(4)): recorded and approved by the
    SMT; the partner's manager sees approved ones only."""

    serializer_class = PerformanceNoticeSerializer
    filterset_class = PerformanceNoticeFilter
    ordering = ["partnership", "-occurred_on", "-id"]

    def get_queryset(self):
        return PerformanceNotice.objects.visible_to(self.request.user)

    @extend_schema(
        request=PerformanceNoticeRecordSerializer,
        responses={201: PerformanceNoticeSerializer},
        examples=[
            request_example(
                "A breach settled",
                {
                    "partnership": 1,
                    "kind": "breach",
                    "what_happened": "Backups not taken for six weeks; two days of data lost.",
                    "occurred_on": "2026-03-02",
                    "action_taken": "settlement",
                    "action_details": "The partner paid £40,000 under a settlement agreement.",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Record a breach or a failure to perform, as a draft notice (SMT)."""
        incoming = assessor_input(request, PerformanceNoticeRecordSerializer)
        notice = breaches.record_notice(actor=request.user, **incoming)
        return Response(PerformanceNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PerformanceNoticeSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the record for publication: the contract's details are kept, it locks."""
        notice = self.get_object()
        services.check_may_assess(request.user)
        return Response(
            PerformanceNoticeSerializer(
                breaches.approve_notice(notice=notice, actor=request.user)
            ).data
        )

    @extend_schema(
        request=PerformanceNoticeWithdrawSerializer,
        responses={204: None, 409: CONFLICT},
        examples=[request_example("Withdraw", {"reason": "Recorded against the wrong contract."})],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a draft recorded in error, with a reason (SMT); the audit trail keeps it."""
        notice = self.get_object()
        incoming = assessor_input(request, PerformanceNoticeWithdrawSerializer)
        breaches.withdraw_notice(notice=notice, actor=request.user, reason=incoming["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @notice_download_schema(breach_notices.NOTICE_FORMATS)
    @action(detail=True, methods=["get"])
    def notice(self, request, pk=None):
        """The notice of an approved record as JSON, CSV or a tagged PDF; its SHA-256 in
        the X-Content-SHA256 header."""
        return notice_download(request, self.get_object(), breach_notices.NOTICE_FORMATS)
