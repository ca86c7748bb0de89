"""Referrals through the API: the same services, checks and scope as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import request_example
from departments.api.fields import LondonDateField, WholeNumberField, WholeNumberRelatedField
from departments.imports.api import (
    IMPORT_EXAMPLES,
    IMPORT_PARSERS,
    IMPORT_REQUEST,
    IMPORT_RESPONSES,
    start_import_response,
)
from departments.models import Department, Referral
from departments.referrals import selectors
from departments.referrals import services as referral_services
from departments.referrals.filters import ReferralFilter


class ReferralSerializer(serializers.ModelSerializer):
    days_open = serializers.IntegerField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "from_department",
            "to_department",
            "category",
            "raised_on",
            "acknowledged_on",
            "resolved_on",
            "agreed_days",
            "due_on",
            "channel",
            "service",
            "period",
            "days_open",
            "resolution_days",
            "reference",
        ]
        read_only_fields = fields


class RaiseReferralSerializer(serializers.Serializer):
    from_department = WholeNumberRelatedField(queryset=Department.objects.all())
    to_department = WholeNumberRelatedField(queryset=Department.objects.all())
    category = serializers.CharField(max_length=80)
    raised_on = LondonDateField()
    agreed_days = WholeNumberField()
    channel = serializers.CharField(help_text="A partner service's code, or email, phone, paper.")


class DateSerializer(serializers.Serializer):
    on = LondonDateField(
        required=False,
        allow_null=True,
        help_text="The date, default today (Europe/London); a date and time with an offset "
        "or Z is converted to Europe/London before its date is taken.",
    )


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    ordering_fields = ["raised_on", "due_on"]
    ordering = ["-raised_on", "-id"]

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        # The count, where the monthly summaries hold it, is read from them rather than
        # counted over the referrals (a department's can be a quarter of a million).
        # The filters as the filter backend built and checked them (core.api.filters).
        filters = getattr(self, "filterset", None)
        if filters is not None and filters.is_valid():
            self.paginator.known_count = selectors.count_from_summaries(filters, self.request.user)
        return super().paginate_queryset(queryset)

    @extend_schema(
        request=RaiseReferralSerializer,
        responses={201: ReferralSerializer},
        examples=[
            request_example(
                "A referral",
                {
                    "from_department": 3,
                    "to_department": 5,
                    "category": "Rent arrears",
                    "raised_on": "2025-09-10",
                    "agreed_days": 5,
                    "channel": "case-management",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Raise a referral from one's own department to another."""
        incoming = RaiseReferralSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = referral_services.raise_referral(actor=request.user, **incoming.validated_data)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DateSerializer,
        responses={200: ReferralSerializer},
        examples=[
            request_example("Acknowledged today", {}),
            request_example("On a date", {"on": "2025-09-11"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        incoming = DateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = referral_services.acknowledge_referral(
            actor=request.user, referral=self.get_object(), on=incoming.validated_data.get("on")
        )
        return Response(ReferralSerializer(referral).data)

    @extend_schema(
        request=DateSerializer,
        responses={200: ReferralSerializer},
        examples=[
            request_example("Resolved today", {}),
            request_example("On a date", {"on": "2025-09-15"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        incoming = DateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = referral_services.resolve_referral(
            actor=request.user, referral=self.get_object(), on=incoming.validated_data.get("on")
        )
        return Response(ReferralSerializer(referral).data)

    @extend_schema(request=IMPORT_REQUEST, responses=IMPORT_RESPONSES, examples=IMPORT_EXAMPLES)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=IMPORT_PARSERS)
    def import_rows(self, request):
        """Import referrals from a CSV or XLSX file, or JSON rows: all or nothing."""
        return start_import_response(request, "referrals")
