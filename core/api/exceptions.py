"""One error shape for the API: the service layer's exceptions become DRF responses.

Django's ValidationError (raised by the services) answers 400 with DRF's standard body
(field name to a list of messages); a stale version answers 409 with what changed; a
``Conflict`` (the record's state changed first, as a period signed off by someone else)
answers 409 with ``detail``; deleting a record that others still refer to answers 409
naming them, never a server error. A body too large for the server to read answers 413
and one with too many form fields 400, both as ``{"detail": ...}``, the API's shape,
instead of Django's HTML error page.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.concurrency import Conflict, StaleWrite


def body_too_large_message() -> str:
    """What a client whose body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is told."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return (
        f"The request body is larger than the {limit:g} MB the API reads: send less (an "
        "import of many rows as a CSV or XLSX file, or in smaller batches)."
    )


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django refuses it from the Content-Length, before reading it.
        return Response(
            {"detail": body_too_large_message()},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):  # before ValidationError, which it is
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
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
    if isinstance(exc, ProtectedError | RestrictedError):
        objects = (
            exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        )
        used_by = Counter(str(o._meta.verbose_name_plural) for o in objects)
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(used_by.items()))
        return Response(
            {"detail": f"It is still used by {listed}, so it cannot be deleted."},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
