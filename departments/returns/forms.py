"""Forms of the returns pages. They collect input; the services decide what is valid."""

from __future__ import annotations

from django import forms

from departments import periods
from departments.models import Department, ReturnState
from departments.rating import Timeliness
from departments.returns.selectors import ROW_STATE_LABELS

# One select, two groups: where a return is in the workflow, and where it stands against
# its deadline (the one "missing" rule's vocabulary, departments.rating.Timeliness).
STATE_CHOICES = [
    ("", "Any state"),
    ("Workflow", list(ROW_STATE_LABELS.items())),
    ("Against the deadline", [(t.value, t.label) for t in Timeliness]),
]


class ReturnForm(forms.Form):
    """Figures and explanation of one return.

    Numbers are taken as text so the services' plain-English messages reach the officer
    instead of the generic "Enter a number". Texts have no max_length here: the services
    refuse one over TEXT_LIMIT with the same message as the API and imports, and a browser
    would otherwise cut a longer pasted text without a word.
    """

    value = forms.CharField(required=False, max_length=40)
    numerator = forms.CharField(required=False, max_length=40)
    denominator = forms.CharField(required=False, max_length=40)
    commentary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Explain the result. Required when the result is red.",
    )
    improvement_action = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Improvement action",
        help_text="What will be done, by whom and by when. Required when the result is red.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("save", "Save draft"), ("submit", "Submit")],
        widget=forms.HiddenInput,
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class ReturnsFilterForm(forms.Form):
    """The filters of "My returns", kept in the URL so a link can be shared."""

    period = forms.CharField(
        required=False, label="Period", help_text="For example 2026-27-P07, 2026-27-Q2 or 2025-26"
    )
    state = forms.ChoiceField(required=False, choices=STATE_CHOICES)
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments

    def clean_period(self) -> periods.Period:
        key = self.cleaned_data.get("period")
        if not key:
            return periods.latest_closed(periods.PeriodKind.MONTH)
        try:
            return periods.Period.parse(key.strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class SignOffForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        empty_label="The whole council",
        label="Sign off for",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason (needed to reopen)",
    )
    action = forms.ChoiceField(choices=[("sign_off", "Sign off"), ("reopen", "Reopen")])

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments


__all__ = [
    "ReasonForm",
    "ReturnForm",
    "ReturnState",
    "ReturnsFilterForm",
    "SignOffForm",
]
