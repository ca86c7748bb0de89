"""Forms of the returns pages. They collect input; the services decide what is valid."""

from __future__ import annotations

from django import forms

from departments.models import Department, ReturnState


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
    "SignOffForm",
]
