"""Forms of the partnership pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from partnerships.models import Escalation, MilestoneState, Risk


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    agreed_value = forms.CharField(
        required=False,
        max_length=30,
        label="Agreed figure",
        help_text="Leave empty to confirm the partner's figure.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MilestoneProgressForm(forms.Form):
    state = forms.ChoiceField(choices=MilestoneState.choices)
    delivered_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class EscalationForm(forms.ModelForm):
    class Meta:
        model = Escalation
        fields = [
            "title",
            "severity",
            "description",
            "owner",
            "raised_on",
            "due_date",
            "state",
            "resolved_on",
            "resolution",
        ]
        widgets = {
            "raised_on": forms.DateInput(attrs={"type": "date"}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "resolved_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 2}),
        }


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "title",
            "likelihood",
            "impact",
            "description",
            "mitigation",
            "owner",
            "raised_on",
            "due_date",
            "state",
            "resolved_on",
            "resolution",
        ]
        widgets = {
            "raised_on": forms.DateInput(attrs={"type": "date"}),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "resolved_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
            "resolution": forms.Textarea(attrs={"rows": 2}),
        }
