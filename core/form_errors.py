"""Errors in the shape the error summary and the fields read: (field, anchor id, message).

The anchor is the id the summary's link jumps to: the field's input, or ``main`` for an
error of the whole form."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError

ErrorRow = tuple[str, str, str]


def error_list(
    error: ValidationError, field_ids: Mapping[str, str] | None = None
) -> list[ErrorRow]:
    """(field, anchor id, message) of each message of a ValidationError raised by a
    service. ``field_ids`` maps a field to the id of its input on the page; a field not
    in it, and an error of no field, anchor to ``main``."""
    if not hasattr(error, "error_dict"):
        return [("__all__", "main", message) for message in error.messages]
    field_ids = field_ids or {}
    return [
        (field, field_ids.get(field, "main"), message)
        for field, messages_ in error.message_dict.items()
        for message in messages_
    ]


def form_error_list(form) -> list[ErrorRow]:
    """Errors of a bound Django form: each links to its own field (``id_<name>``)."""
    return [
        (field, f"id_{field}" if field != "__all__" else "main", message)
        for field, messages_ in form.errors.items()
        for message in messages_
    ]
