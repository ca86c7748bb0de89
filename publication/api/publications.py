"""The SMT's publication choices over the API, at ``/api/v1/publications/``: list and
read them (scoped to the indicators the reader sees), publish an indicator (POST), change
its words for residents (PATCH) and withdraw it (POST ``withdraw``). Every write calls
``publication.services.set_publication``, as the page does; the role is checked first,
so anyone but SMT and administrators gets 403 before any record is looked up.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.errors import ErrorDetailSerializer, example_response, request_example
from departments import roles
from departments.api.fields import WholeNumberRelatedField
from departments.models import PerformanceIndicator
from publication.models import PublishedIndicator, Theme
from publication.services import PublicationWords, set_publication


class PublicationSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    is_published = serializers.BooleanField(read_only=True)

    class Meta:
        model = PublishedIndicator
        fields = [
            "id",
            "indicator",
            "indicator_code",
            "public_title",
            "public_description",
            "theme",
            "is_published",
            "published_at",
            "withdrawn_at",
            "withdraw_reason",
        ]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    indicator = WholeNumberRelatedField(queryset=PerformanceIndicator.objects.none())
    public_title = serializers.CharField(allow_blank=True)
    public_description = serializers.CharField(allow_blank=True)
    theme = serializers.ChoiceField(choices=Theme.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["indicator"].queryset = PerformanceIndicator.objects.visible_to(
                request.user
            )


class WordsSerializer(serializers.Serializer):
    public_title = serializers.CharField(allow_blank=True, required=False)
    public_description = serializers.CharField(allow_blank=True, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


ALREADY_PUBLISHED = example_response(
    409,
    ErrorDetailSerializer,
    "The indicator is already published (perhaps by someone else a moment ago): its words "
    "are not replaced unread; change them with PATCH.",
    "Already published",
    {
        "detail": "BV3 is already published (by Sam Smith): read the words residents now "
        "see, and change them there if need be"
    },
)


def _require_publisher(user) -> None:
    if not roles.may_sign_off(user):
        raise PermissionDenied("Only SMT and administrators choose what is published.")


class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PublicationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        indicators = PerformanceIndicator.objects.visible_to(self.request.user)
        return PublishedIndicator.objects.filter(indicator__in=indicators).select_related(
            "indicator"
        )

    @extend_schema(
        request=PublishSerializer,
        responses={201: PublicationSerializer, 409: ALREADY_PUBLISHED},
        examples=[
            request_example(
                "Publish recycling",
                {
                    "indicator": 12,
                    "public_title": "How much household waste is recycled",
                    "public_description": "The share of household waste sent for recycling.",
                    "theme": "environment",
                },
            )
        ],
    )
    def create(self, request):
        """Publish an indicator with its words for residents (again, if withdrawn). One
        already published is refused (409): change its words with ``PATCH``, having read
        them."""
        _require_publisher(request.user)
        incoming = PublishSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        record = set_publication(
            indicator=data["indicator"],
            actor=request.user,
            published=True,
            words=PublicationWords(data["public_title"], data["public_description"], data["theme"]),
            unpublished_only=True,
        )
        return Response(PublicationSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WordsSerializer, responses={200: PublicationSerializer})
    def partial_update(self, request, pk=None):
        """Change a published indicator's words for residents; a withdrawn one is refused
        (400): publish it again with ``POST`` instead."""
        _require_publisher(request.user)
        record = self.get_object()
        incoming = WordsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        words = PublicationWords(
            data.get("public_title", record.public_title),
            data.get("public_description", record.public_description),
            data.get("theme", record.theme),
        )
        record = set_publication(
            indicator=record.indicator,
            actor=request.user,
            published=True,
            words=words,
            words_only=True,
        )
        return Response(PublicationSerializer(record).data)

    @extend_schema(
        request=WithdrawSerializer,
        responses={200: PublicationSerializer},
        examples=[request_example("Withdraw", {"reason": "Definition under review."})],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a published indicator from the portal, with the reason."""
        _require_publisher(request.user)
        record = self.get_object()
        incoming = WithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        record = set_publication(
            indicator=record.indicator,
            actor=request.user,
            published=False,
            reason=incoming.validated_data["reason"],
        )
        return Response(PublicationSerializer(record).data)
