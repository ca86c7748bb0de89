"""Forms of the contract assessment pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from departments.form_fields import LondonDateField
from partnerships.contracts.models import AssessmentKind
from partnerships.contracts.ratings import Rating


class StartAssessmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AssessmentKind.choices, label="Assessment period")
    period_start = LondonDateField(
        required=False, label="First day", help_text="For an ad hoc period (or termination)."
    )
    period_end = LondonDateField(
        required=False,
        label="Last day, or the anniversary",
        help_text="For an anniversary: the anniversary of the contract start the 12 months "
        "run to. For termination: left blank, the contract's end.",
    )


class RateForm(forms.Form):
    rating = forms.ChoiceField(choices=Rating.choices, label="Rating")
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Required when the rating differs from the proposal, and for Other.",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for reopening")


class PlanForm(forms.Form):
    """A rectification plan for one SLA or one KPI rated below target (choices set by
    the view from the contract's own rows)."""

    answers = forms.ChoiceField(label="What the plan answers")
    action = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What the partner must do"
    )
    owner = forms.CharField(max_length=120, label="Owner")
    due_date = LondonDateField(label="Due by")


class PlanProgressForm(forms.Form):
    progress = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Progress")


class PlanCloseForm(forms.Form):
    state = forms.ChoiceField(choices=[("met", "Met"), ("failed", "Failed")], label="Outcome")
    reason = forms.CharField(label="Reason")
