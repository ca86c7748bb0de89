"""Form fields shared by the pages of every app."""

from __future__ import annotations

from datetime import date, datetime

from django import forms

from departments import dates


class LondonDateField(forms.DateField):
    """A date as ``dates.london_date`` reads it, the one date rule of every entry point
    (DESIGN.md section 3, "Periods"). A date picker (``<input type=date>``) sends ISO
    dates; typed text may also be 01/04/2026 (day first, four-digit year) or a date-time,
    an offset or ``Z`` being converted to Europe/London. Django's own en-GB formats are
    not used: they would take 01/04/26 as 2026 and refuse a date-time."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            value = value.isoformat()  # an aware one is converted like typed text
        elif isinstance(value, date):
            return value
        try:
            return dates.london_date(str(value))
        except ValueError as error:
            # The summary at the top of the page lists it away from its field: name it.
            message = f"{self.label}: {error}" if self.label else str(error)
            raise forms.ValidationError(message, code="invalid") from None
