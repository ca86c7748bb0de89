"""One error shape for the API: the service layer's exceptions become DRF responses.

Django's ValidationError (raised by the services) answers 400 with DRF's standard body
(field name to a list of messages); a stale version answers 409 with what changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from departments.concurrency import StaleWrite


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        body = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, StaleWrite):
        return Response(
            {
                "detail": str(exc),
                "current_version": exc.current_version,
                "changes": exc.change_list(),
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
