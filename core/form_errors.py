"""Errors in the shape the error summary and the fields read: (field, anchor id, message).

The anchor is the id the summary's link jumps to: the field's input, or ``main`` for an
error of the whole form; an empty anchor is a message the summary shows without a link
(a problem that no field of the page can fix)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

ErrorRow = tuple[str, str, str]


def error_list(
    error: ValidationError, field_ids: Mapping[str, str] | None = None, *, anchor: str = "main"
) -> list[ErrorRow]:
    """(field, anchor id, message) of each message of a ValidationError raised by a
    service. ``field_ids`` maps a field to the id of its input on the page; a field not
    in it, and an error of no field, anchor to ``anchor``."""
    if not hasattr(error, "error_dict"):
        return [(NON_FIELD_ERRORS, anchor, message) for message in error.messages]
    field_ids = field_ids or {}
    return [
        (field, field_ids.get(field, anchor), message)
        for field, messages_ in error.message_dict.items()
        for message in messages_
    ]


def form_error_list(form, *, name_fields: bool = False) -> list[ErrorRow]:
    """Errors of a bound Django form: each links to its own field's input (``id_<name>``,
    with the form's prefix: ``id_risk-title``), an error of the whole form to ``main``.

    ``name_fields=True`` is for a form whose messages are Django's own, which do not name
    their field ("This field is required."): each message of a field starts with its
    label, and an error of the whole form (a wrong username or password) comes first and
    links to the first field.
    """
    if name_fields:
        bound_fields = list(form)
        first = bound_fields[0].id_for_label if bound_fields else "main"
        return [(NON_FIELD_ERRORS, first, message) for message in form.non_field_errors()] + [
            (bound.name, bound.id_for_label, f"{bound.label}: {message}")
            for bound in bound_fields
            for message in bound.errors
        ]
    return [
        (field, f"id_{form.add_prefix(field)}" if field != NON_FIELD_ERRORS else "main", message)
        for field, messages_ in form.errors.items()
        for message in messages_
    ]
