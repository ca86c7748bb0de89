"""The API's error bodies, described once for the OpenAPI schema.

400: DRF's standard validation body, a field name to a list of messages
(``non_field_errors`` for the request as a whole). 401, 403, 404, 405, 413, 415 and 429:
``{"detail": "..."}``. 409: a stale ``version``, with the current version and what
changed since. ``core.api.schema`` adds the ones that apply to every operation.
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


def example_response(
    code: int, serializer, description: str, example: str, value: dict
) -> OpenApiResponse:
    """A response for ``code`` with ``serializer``'s body and one named example of it."""
    return OpenApiResponse(
        serializer,
        description=description,
        examples=[
            OpenApiExample(example, value=value, status_codes=[str(code)], response_only=True)
        ],
    )


_RESPONSES = {
    400: example_response(
        400,
        ValidationErrorSerializer,
        "The request was refused: each field names what is wrong.",
        "A field is wrong",
        {"period": ["Use a period key such as 2025-26-P06."]},
    ),
    401: example_response(
        401,
        ErrorDetailSerializer,
        "No credentials, or a revoked or unknown token.",
        "Bad token",
        {"detail": "Invalid, revoked or expired token."},
    ),
    403: example_response(
        403,
        ErrorDetailSerializer,
        "The user's role does not allow this action.",
        "Not allowed",
        {"detail": "Only an administrator can change reference data."},
    ),
    404: example_response(
        404,
        ErrorDetailSerializer,
        "No such record in the user's scope (or no such page of a list).",
        "Not found",
        {"detail": "No KpiReturn matches the given query."},
    ),
    409: example_response(
        409,
        StaleVersionSerializer,
        "The version is stale: someone saved in between. Nothing was written.",
        "Stale version",
        {
            "detail": "Someone saved this return after you opened it.",
            "current_version": 3,
            "changes": [{"field": "value", "before": "91.5", "after": "88.0"}],
        },
    ),
    413: example_response(
        413,
        ErrorDetailSerializer,
        "The request body is larger than the API reads (5 MB); nothing was read.",
        "Too large",
        {"detail": "The request body is larger than the 5 MB the API reads: send less."},
    ),
    415: example_response(
        415,
        ErrorDetailSerializer,
        "The body's Content-Type is not one the operation reads; nothing was read.",
        "Unsupported media type",
        {"detail": 'Unsupported media type "text/plain" in request.'},
    ),
    429: example_response(
        429,
        ErrorDetailSerializer,
        "Too many requests; wait the seconds that Retry-After gives.",
        "Throttled",
        {"detail": "Request was throttled. Expected available in 42 seconds."},
    ),
}


IN_USE = example_response(
    409,
    ErrorDetailSerializer,
    "Other records still refer to this one, so it is kept; nothing was deleted.",
    "In use",
    {"detail": "It is still used by performance indicators (12), so it cannot be deleted."},
)


STATE_CONFLICT = example_response(
    409,
    ErrorDetailSerializer,
    "Someone changed the record's state first (for example signed the period off); "
    "nothing was written.",
    "Already signed off",
    {"detail": "October 2026 is already signed off."},
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The shared error responses for ``codes``, to merge into ``extend_schema(responses=)``."""
    return {code: _RESPONSES[code] for code in codes}


def request_example(name: str, value: dict) -> OpenApiExample:
    """An example request body for the schema and the interactive docs."""
    return OpenApiExample(name, value=value, request_only=True)
