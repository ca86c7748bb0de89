"""Scrutiny through the API: the same services, permissions and scope as the pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import error_responses, request_example
from scrutiny import services
from scrutiny.api.serializers import (
    AgendaItemSerializer,
    AnswerSerializer,
    AskSerializer,
    CommitteeSerializer,
    ScrutinyItemSerializer,
)
from scrutiny.filters import ScrutinyItemFilter
from scrutiny.models import AgendaItem, ScrutinyCommittee, ScrutinyItem


class ScrutinyItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Members' questions and comments, and the officers' written answers."""

    serializer_class = ScrutinyItemSerializer
    filterset_class = ScrutinyItemFilter
    ordering_fields = ["asked_at", "due_on"]
    ordering = ["-asked_at", "-id"]

    def get_queryset(self):
        return ScrutinyItem.objects.visible_to(self.request.user).select_related(
            "indicator", "department", "partnership"
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        request=AskSerializer,
        responses={201: ScrutinyItemSerializer, **error_responses(400, 403)},
        examples=[
            request_example(
                "A question on an indicator",
                {
                    "subject": "indicator",
                    "indicator": 4,
                    "period": "2026-27-P06",
                    "text": "Why has the time to re-let fallen behind target?",
                },
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """An elected member asks a question or makes a comment."""
        incoming = AskSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        item = services.ask(
            actor=request.user,
            subject=data["subject"],
            period_key=data["period"],
            text=data["text"],
            kind=data["kind"],
            indicator=data.get("indicator"),
            department=data.get("department"),
            partnership=data.get("partnership"),
            committee=data.get("committee"),
        )
        body = self.get_serializer(item).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswerSerializer,
        responses={200: ScrutinyItemSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The owning head of service (the SMT for the partnership) answers in writing."""
        incoming = AnswerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        item = services.answer(
            item=self.get_object(), actor=request.user, text=incoming.validated_data["answer"]
        )
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=None, responses={200: ScrutinyItemSerializer, **error_responses(403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The member who asked closes an answered item."""
        item = services.close(item=self.get_object(), actor=request.user)
        return Response(self.get_serializer(item).data)


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    """Scrutiny committees: their members see them and their agenda."""

    serializer_class = CommitteeSerializer

    def get_queryset(self):
        return ScrutinyCommittee.objects.visible_to(self.request.user).prefetch_related("members")

    @extend_schema(responses={200: AgendaItemSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def agenda(self, request, pk=None):
        """The months and indicators put to the committee, by meeting."""
        committee = self.get_object()
        rows = AgendaItem.objects.filter(committee=committee).select_related("indicator")
        return Response(AgendaItemSerializer(rows, many=True).data)
