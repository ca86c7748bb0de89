"""Model fields that are domain-free: they know Django, not the product.

``ExactDecimalField`` keeps a ``Decimal`` as its text. A figure the product works out
(a year-to-date sum, a target split into months) may carry more significant digits than
the figures it was worked out from, and SQLite keeps a decimal column as a float read back
through a 15-digit context: 12 × 1000000000000.01 would come back as 12000000000000.1
there and as 12000000000000.12 on PostgreSQL. Stored as text, the figure comes back as it
was written on both databases. Used only for figures that are read back, never summed or
compared in SQL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models


class ExactDecimalField(models.CharField):
    """A ``Decimal`` stored as its plain text (``format(value, "f")``), read back as the
    same ``Decimal``; None stays None. ``max_length`` defaults to 40 characters."""

    description = "A decimal number kept exactly, as text"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection) -> Decimal | None:
        return None if value is None else Decimal(value)

    def to_python(self, value) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"'{value}' is not a number", code="invalid") from None

    def get_prep_value(self, value) -> str | None:
        value = self.to_python(value)
        return None if value is None else format(value, "f")
