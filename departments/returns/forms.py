"""Forms of the returns pages. They collect input; the services decide what is valid."""

from __future__ import annotations

from django import forms

from departments.models import Department, ForecastConfidence, ReturnState


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
    # Offered only for an indicator with an annual target (the template decides); the
    # service refuses a forecast without one, as it does from the API and imports.
    forecast_value = forms.CharField(required=False, max_length=40)
    forecast_confidence = forms.CharField(required=False, max_length=20)
    forecast_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
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
    """Sign a period off, or reopen it, for the whole council or one department: chosen
    each time, never by default. A sign-off is confirmed on a second step (``confirmed``)
    after the page says what it will lock."""

    WHOLE_COUNCIL = "council"

    department = forms.ChoiceField(
        label="Sign off or reopen for",
        error_messages={"required": "Choose the whole council or one department"},
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason (needed to reopen)",
    )
    action = forms.ChoiceField(choices=[("sign_off", "Sign off"), ("reopen", "Reopen")])
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {str(d.pk): d for d in departments}
        self.fields["department"].choices = [
            ("", "Choose the whole council or a department"),
            (self.WHOLE_COUNCIL, "The whole council"),
            *((pk, d.name) for pk, d in self.departments.items()),
        ]

    def clean_department(self) -> Department | None:
        """The chosen department, or None for the whole council."""
        chosen = self.cleaned_data["department"]
        return None if chosen == self.WHOLE_COUNCIL else self.departments[chosen]


FORECAST_CONFIDENCE_CHOICES = ForecastConfidence.choices

__all__ = [
    "FORECAST_CONFIDENCE_CHOICES",
    "ReasonForm",
    "ReturnForm",
    "ReturnState",
    "SignOffForm",
]
