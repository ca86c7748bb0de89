"""A workflow step on one record through its service (submit, approve, verify, dispute),
for the viewsets that offer such steps as actions.

The step's own fields are read and checked by its serializer; the record's ``version``, if
given, is handed to the service as ``expected_version`` (a step taken on a version since
changed is refused, 409); the service decides everything else, and the record is answered
as the API shows it.
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.response import Response


# For a DRF viewset: ``record_action`` takes one workflow step on ``get_object()``. (No
# docstring: drf-spectacular would describe every operation of a viewset without its own
# docstring with the mixin's.)
class RecordActionMixin:
    def record_action(
        self,
        request,
        service: Callable,
        serializer_class,
        *,
        record_argument: str,
        shown_as: Callable[[object], dict],
        **fixed,
    ) -> Response:
        """Check the request with ``serializer_class``, then call ``service`` with the
        record (as ``record_argument``), the user as ``actor``, ``expected_version``, the
        ``fixed`` arguments and the step's other fields; answer ``shown_as`` of what the
        service returns. The service's errors become the API's (``core/api/errors.py``)."""
        record = self.get_object()
        incoming = serializer_class(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        version = fields.pop("version", None)
        changed = service(
            **{record_argument: record},
            actor=request.user,
            expected_version=version,
            **fixed,
            **fields,
        )
        return Response(shown_as(changed))
