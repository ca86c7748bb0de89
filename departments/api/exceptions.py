"""One error shape for the API: the service layer's exceptions become DRF responses.

Django's ValidationError (raised by the services) answers 400 with DRF's standard body
(field name to a list of messages); a stale version answers 409 with what changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from departments.services import StaleVersion


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        body = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, StaleVersion):
        return Response(
            {
                "detail": str(exc),
                "current_version": exc.current.version,
                "changes": [
                    {
                        "field": c.field,
                        "old": _plain(c.old),
                        "new": _plain(c.new),
                        "by": c.who,
                        "at": c.when.isoformat() if c.when else None,
                    }
                    for c in exc.changes
                ],
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)


def _plain(value):
    return None if value is None else str(value)
