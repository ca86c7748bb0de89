"""Form fields with no domain in them, for pages and FilterSets alike."""

from __future__ import annotations

from django import forms

from core.digits import typed_in_digits

WHOLE_NUMBER_MESSAGE = "Enter a whole number in digits, such as 5."


def typed_otherwise(value: object) -> bool:
    """Whether a value typed as text is not a whole number in plain digits
    (``core.digits.typed_in_digits``); an empty value is left to the field."""
    return isinstance(value, str) and bool(value.strip()) and not typed_in_digits(value)


class WholeNumberField(forms.IntegerField):
    """Django's ``IntegerField``, typed in plain digits only: "1_0" or "١٢" is refused,
    not read as 10 or 12."""

    def to_python(self, value):
        if typed_otherwise(value):
            raise forms.ValidationError(WHOLE_NUMBER_MESSAGE, code="invalid")
        return super().to_python(value)
