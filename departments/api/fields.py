"""Serializer fields shared by the API's writes."""

from __future__ import annotations

from datetime import date, datetime

from django.db import models
from rest_framework import serializers

from core.digits import typed_in_digits
from departments.dates import london_date


class WholeNumberField(serializers.IntegerField):
    """DRF's ``IntegerField``, a text typed in plain digits only
    (``core.digits.typed_in_digits``): "1_0" or "١٢" is refused, not read as 10 or 12."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not typed_in_digits(data):
            raise serializers.ValidationError("Enter a whole number in digits, such as 5.")
        return super().to_internal_value(data)


class WholeNumberRelatedField(serializers.PrimaryKeyRelatedField):
    """DRF's ``PrimaryKeyRelatedField``, a record's id typed in plain digits only
    (``core.digits.typed_in_digits``): "1_0" or "١٠" names no record, rather than
    record 10 as Python's int would read it."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not typed_in_digits(data):
            raise serializers.ValidationError("Enter the record's id in digits, such as 12.")
        return super().to_internal_value(data)


class LondonDateField(serializers.DateField):
    """A date as ``dates.london_date`` reads it, the one date rule of every entry point
    (DESIGN.md section 3, "Periods"): ``2026-04-01``, or a date-time whose offset or ``Z``
    is converted to Europe/London before the date is taken (``2026-03-31T23:30:00Z`` is
    1 April), or without an offset London time. Answers give ISO dates, and the OpenAPI
    schema still says ``format: date``, which every accepted ISO date satisfies.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "A date, 2026-04-01; a date and time with an offset or Z is converted to "
            "Europe/London before its date is taken, one without is London time.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, value: object) -> date:
        if isinstance(value, datetime):  # from Python callers only: JSON has no datetimes
            value = value.isoformat()
        elif isinstance(value, date):
            return value
        if not isinstance(value, str):
            raise serializers.ValidationError("Enter the date as text, such as 2026-04-01")
        try:
            return london_date(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


# For a ModelSerializer: every model date field is a ``LondonDateField``, every
# whole-number field a ``WholeNumberField`` and every related record's id a
# ``WholeNumberRelatedField``, so records written through the API
# (escalations, risks, milestones, contracts, indicators, targets, partnerships' weights)
# read dates and whole numbers by the same rules as referrals. Said in a comment, not a
# docstring, since the OpenAPI schema takes a serializer's first docstring found as its
# description (this one described a dozen of the API's records).
class TypedInputsMixin:
    serializer_related_field = WholeNumberRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: LondonDateField,
        models.IntegerField: WholeNumberField,
        models.SmallIntegerField: WholeNumberField,
        models.BigIntegerField: WholeNumberField,
        models.PositiveIntegerField: WholeNumberField,
        models.PositiveSmallIntegerField: WholeNumberField,
        models.PositiveBigIntegerField: WholeNumberField,
    }


# For a serializer whose related fields choose among scoped records: each field named in
# ``visible_choices`` offers only the records the requesting user sees (the model's
# ``objects.visible_to``), so a record outside scope reads as one that does not exist.
# The fields themselves declare ``queryset=Model.objects.none()``: without a request in
# the serializer's context they offer nothing. Said in a comment, not a docstring, since
# the OpenAPI schema takes a serializer's first docstring found as its description.
class VisibleChoicesMixin:
    visible_choices: dict[str, type[models.Model]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            for name, model in self.visible_choices.items():
                self.fields[name].queryset = model.objects.visible_to(request.user)
