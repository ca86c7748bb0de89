"""The API's error bodies, described once for the OpenAPI schema.

400: DRF's standard validation body, a field name to a list of messages
(``non_field_errors`` for the request as a whole). 401, 403, 404, 405 and 429:
``{"detail": "..."}``. 409: a stale ``version``, with the current version and what
changed since. ``departments.api.schema`` adds the ones that apply to every operation.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class ValidationErrorSerializer(serializers.Serializer):
    """A field name to a list of messages; the schema comes from the extension below."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": (
                "DRF's validation body: each field name maps to a list of messages "
                "(an import adds 'errors', the rejected rows with row, column and message); "
                "a body that is not JSON at all gets 'detail' instead."
            ),
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": {"oneOf": [{"type": "array", "items": {}}, {"type": "object"}]},
        }


class StaleVersionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    changes = serializers.ListField(
        child=serializers.DictField(), help_text="Each field changed since your version."
    )


_RESPONSES = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="The request was refused: each field names what is wrong.",
        examples=[
            OpenApiExample(
                "A field is wrong",
                value={"period": ["Use a period key such as 2025-26-P06."]},
                status_codes=["400"],
                response_only=True,
            )
        ],
    ),
    401: OpenApiResponse(
        ErrorDetailSerializer,
        description="No credentials, or a revoked or unknown token.",
        examples=[
            OpenApiExample(
                "Bad token",
                value={"detail": "Invalid, revoked or expired token."},
                status_codes=["401"],
                response_only=True,
            )
        ],
    ),
    403: OpenApiResponse(
        ErrorDetailSerializer,
        description="The user's role does not allow this action.",
        examples=[
            OpenApiExample(
                "Not allowed",
                value={"detail": "Only an administrator can change reference data."},
                status_codes=["403"],
                response_only=True,
            )
        ],
    ),
    404: OpenApiResponse(
        ErrorDetailSerializer,
        description="No such record in the user's scope (or no such page of a list).",
        examples=[
            OpenApiExample(
                "Not found",
                value={"detail": "No KpiReturn matches the given query."},
                status_codes=["404"],
                response_only=True,
            )
        ],
    ),
    409: OpenApiResponse(
        StaleVersionSerializer,
        description="The version is stale: someone saved in between. Nothing was written.",
        examples=[
            OpenApiExample(
                "Stale version",
                value={
                    "detail": "Someone saved this return after you opened it.",
                    "current_version": 3,
                    "changes": [{"field": "value", "before": "91.5", "after": "88.0"}],
                },
                status_codes=["409"],
                response_only=True,
            )
        ],
    ),
    429: OpenApiResponse(
        ErrorDetailSerializer,
        description="Too many requests; wait the seconds that Retry-After gives.",
        examples=[
            OpenApiExample(
                "Throttled",
                value={"detail": "Request was throttled. Expected available in 42 seconds."},
                status_codes=["429"],
                response_only=True,
            )
        ],
    ),
}


IN_USE = OpenApiResponse(
    ErrorDetailSerializer,
    description="Other records still refer to this one, so it is kept; nothing was deleted.",
    examples=[
        OpenApiExample(
            "In use",
            value={
                "detail": "It is still used by performance indicators (12), so it cannot be "
                "deleted."
            },
            status_codes=["409"],
            response_only=True,
        )
    ],
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The shared error responses for ``codes``, to merge into ``extend_schema(responses=)``."""
    return {code: _RESPONSES[code] for code in codes}


def request_example(name: str, value: dict) -> OpenApiExample:
    """An example request body for the schema and the interactive docs."""
    return OpenApiExample(name, value=value, request_only=True)
