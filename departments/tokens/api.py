"""API tokens through the API: obtain one with a username and password, list and revoke
one's own. The web page (``/account/tokens/``) calls the same services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_responses
from core.signin import (
    LOCAL_SIGN_IN_REFUSED,
    PASSWORD_MAX_LENGTH,
    password_sign_in_refused,
    username_max_length,
)
from departments.models import ApiToken
from departments.tokens import services as token_services
from departments.tokens.filters import ApiTokenFilter
from departments.tokens.throttling import TokenCreationThrottle


class ApiTokenSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields


class NewTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The token itself. Shown this once: keep it safe."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ObtainTokenSerializer(serializers.Serializer):
    # Bounded as the sign-in page bounds them (core.signin), before any account is read.
    username = serializers.CharField(max_length=username_max_length())
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"}, trim_whitespace=False
    )
    name = serializers.CharField(max_length=100, help_text="What the token is for.")


def _cool_off_seconds() -> int:
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None)
    return int(cool_off.total_seconds()) if isinstance(cool_off, timedelta) else 900


class ObtainTokenView(APIView):
    """Exchange a username and password for a new named token (shown once)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenCreationThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=ObtainTokenSerializer,
        responses={201: NewTokenSerializer, **error_responses(400, 403, 429)},
        auth=[],
        examples=[
            OpenApiExample(
                "Obtain a token",
                value={"username": "officer", "password": "demo-council-2025", "name": "Excel"},
                request_only=True,
            ),
            OpenApiExample(
                "The new token",
                value={
                    "id": 7,
                    "name": "Excel",
                    "prefix": "Xq3v9LzA",
                    "created_at": "2026-11-28T12:00:00Z",
                    "last_used_at": None,
                    "revoked_at": None,
                    "active": True,
                    "key": "Xq3v9LzA4nK0lY7b2hS8cR5tW1mP6dJ3eG9fU0aQzVo",
                },
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        incoming = ObtainTokenSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # The Django request, so django-axes counts a failure and refuses a locked-out
        # username exactly as on the sign-in page.
        http_request = request._request
        try:
            user = authenticate(http_request, username=data["username"], password=data["password"])
        except DjangoPermissionDenied:
            user = None
        if getattr(http_request, "axes_locked_out", False):
            # Answer in the API's own shape rather than axes' HTML lockout page.
            http_request.axes_locked_out = False
            return Response(
                {"detail": "Too many failed attempts: this username is locked for a while."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(_cool_off_seconds())},
            )
        if password_sign_in_refused(http_request):
            # A right password of an account that must use the council account (the
            # password check's rule, as on the sign-in page).
            return Response({"detail": LOCAL_SIGN_IN_REFUSED}, status=status.HTTP_403_FORBIDDEN)
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["The username or password is not right."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        created = token_services.create_token(user=user, name=data["name"])
        body = NewTokenSerializer(created.token).data
        body["key"] = created.key
        return Response(body, status=status.HTTP_201_CREATED)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """One's own API tokens (administrators: everyone's); DELETE revokes one."""

    # Not HasRole: an account that has lost its role must still be able to revoke its own
    # tokens (the queryset holds only those); making one needs a role (create_token).
    permission_classes = [IsAuthenticated]
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "last_used_at", "name"]

    def get_queryset(self):
        return ApiToken.objects.visible_to(self.request.user)

    @extend_schema(responses={204: None, **error_responses(403, 404)})
    def destroy(self, request, *args, **kwargs):
        token_services.revoke_token(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
