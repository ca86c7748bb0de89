"""The public API: published figures, read-only, with no sign-in, at
``/api/v1/public/indicators/`` and ``/api/v1/public/indicators/{code}/``.

The bodies come from the portal (``publication.cache.cached_portal``), so the API holds
exactly what the portal and the open-data files show. Anonymous callers are counted per
client address (``PublicThrottle``), signed-in ones by the usual per-user throttle.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from core.api.errors import error_responses
from departments.tokens.throttling import UserThrottle
from publication.cache import cached_portal
from publication.open_data import LICENCE, LICENCE_URL, open_to_any_site


class PublicThrottle(AnonRateThrottle):
    """Anonymous requests to the public API, counted per client address; the rate is
    ``API_THROTTLE_PUBLIC`` (read per request, so a changed setting takes effect)."""

    scope = "public"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def _figure(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=None, **kwargs)


class PublicFigureSerializer(serializers.Serializer):
    period = serializers.CharField(source="period.key", help_text="Such as 2025-26-P06.")
    period_in_words = serializers.CharField(source="period.in_words")
    value = _figure(help_text="Rounded to the indicator's decimal places.")
    target = _figure(allow_null=True, help_text="The period's target; null without one.")
    rating = serializers.CharField(source="rag.value", help_text="green, amber, red or not_rated.")
    rating_in_words = serializers.CharField(source="rag_words")
    direction_of_travel = serializers.CharField(
        source="direction.value",
        help_text="improved, unchanged, worse or no_comparison, against a year earlier.",
    )
    commentary = serializers.CharField(help_text="The council's commentary, as signed off.")
    signed_off_on = serializers.DateField()


class PublicIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    theme = serializers.CharField(source="theme_label")
    department = serializers.CharField()
    unit = serializers.CharField(source="unit_label")
    polarity = serializers.CharField(source="polarity_label")
    last_updated = serializers.DateField()
    licence = serializers.SerializerMethodField()
    figures = PublicFigureSerializer(many=True, help_text="Signed-off periods, oldest first.")

    def get_licence(self, indicator) -> str:
        return f"{LICENCE} ({LICENCE_URL})"


CODE_PARAMETER = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)


class PublicIndicatorViewSet(viewsets.GenericViewSet):
    """Published indicators with every signed-off figure (the public portal's data)."""

    permission_classes = [AllowAny]
    serializer_class = PublicIndicatorSerializer
    filter_backends: list = []
    throttle_classes = [PublicThrottle, UserThrottle]
    lookup_field = "code"
    lookup_value_converter = "str"  # any code: every character but a slash

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return open_to_any_site(response)

    @extend_schema(
        responses={200: PublicIndicatorSerializer(many=True), **error_responses(400, 404, 429)},
        auth=[],
    )
    def list(self, request):
        indicators = cached_portal().indicators
        page = self.paginate_queryset(indicators)
        return self.get_paginated_response(PublicIndicatorSerializer(page, many=True).data)

    @extend_schema(
        parameters=[CODE_PARAMETER],
        responses={200: PublicIndicatorSerializer, **error_responses(400, 404, 429)},
        auth=[],
    )
    def retrieve(self, request, code=None):
        indicator = cached_portal().by_code(code)
        if indicator is None:
            raise NotFound("No published indicator has this code.")
        return Response(PublicIndicatorSerializer(indicator).data)
