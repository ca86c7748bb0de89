"""The OpenAPI schema generator: every operation documents the errors it can answer.

Each view declares its own success bodies (and 409 where a version can be stale); the
errors every endpoint shares are added here once rather than repeated on each view.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from core.api.errors import IN_USE, error_responses

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    description="Seconds to wait before trying again.",
    response=["429"],
)


class GovernanceAutoSchema(AutoSchema):
    def _error_codes(self) -> list[int]:
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = [400, 429] if public else [400, 401, 403, 429]
        if "{" in self.path or self._is_list_view():
            # A record outside scope, or a page past the end of a list.
            codes.append(404)
        if self.method in ("POST", "PUT", "PATCH"):
            # A body over the size limit (core.api.exceptions), or in a format the
            # operation does not read (DRF, before any field is looked at).
            codes.extend([413, 415])
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code, response in error_responses(*self._error_codes()).items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(response, str(code))
        if self.method == "DELETE" and "409" not in bodies:
            bodies["409"] = self._get_response_for_code(IN_USE, "409")
        return bodies

    def get_override_parameters(self):
        return [*super().get_override_parameters(), RETRY_AFTER]
