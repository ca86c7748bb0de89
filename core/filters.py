"""django-filter's FilterSets, reading whole numbers and record ids in plain digits.

django-filter reads a number through Django's ``DecimalField`` (a ``NumberFilter``) and a
record through ``ModelChoiceField``, so ``?department=1e1``, ``?department=1_0`` and
``?department=١٠`` all filtered by department 10, as ``Decimal`` and ``int`` read them. The
pages and the API list through the same FilterSets (one per resource), so both take a
whole number or an id only as ``core.form_fields.WholeNumberField`` does, and answer anything
else as an invalid value of that parameter.

Use ``FilterSet`` (pages and API alike) or ``ApiFilterSet`` (django-filter's DRF flavour,
whose boolean filters read ``true`` and ``false``) as a FilterSet's base, and
``WholeNumberFilter`` / ``RecordFilter`` where a filter is declared.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import rest_framework

from core.form_fields import WholeNumberField, typed_otherwise


class RecordChoiceField(django_filters.fields.ModelChoiceField):
    """django-filter's ``ModelChoiceField``, a record's id typed in plain digits only: any other
    text names no record ("Select a valid choice")."""

    def to_python(self, value):
        if typed_otherwise(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number or a record's id (``WholeNumberField``). Still a ``NumberFilter``,
    so the OpenAPI schema describes it as before."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        # Within a database's whole numbers (64 bits): SQLite's driver raised an
        # OverflowError, a server error, for a 23-digit id (the kind of shared case 11).
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class RecordFilter(django_filters.ModelChoiceFilter):
    """A record by its id (``RecordChoiceField``)."""

    field_class = RecordChoiceField


def _in_digits(defaults: dict) -> dict:
    """A FilterSet's ``FILTER_DEFAULTS`` with whole-number model fields read by
    ``WholeNumberFilter`` and foreign keys by ``RecordFilter``."""
    defaults = {**defaults}
    for field in defaults:
        if issubclass(field, (models.IntegerField, models.AutoField)):
            defaults[field] = {**defaults[field], "filter_class": WholeNumberFilter}
    for field in (models.ForeignKey, models.OneToOneField):
        defaults[field] = {**defaults[field], "filter_class": RecordFilter}
    return defaults


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet whose generated filters read numbers and ids in digits."""

    FILTER_DEFAULTS = _in_digits(django_filters.FilterSet.FILTER_DEFAULTS)


class ApiFilterSet(rest_framework.FilterSet):
    """django-filter's DRF FilterSet whose generated filters read numbers and ids in
    digits."""

    FILTER_DEFAULTS = _in_digits(rest_framework.FilterSet.FILTER_DEFAULTS)
