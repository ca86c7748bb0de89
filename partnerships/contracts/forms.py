"""Forms of the contract assessment pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from departments.form_fields import LondonDateField
from partnerships.contracts.breaches import DAMAGES_NEGATIVE
from partnerships.contracts.models import (
    KPI_DEFINITION_FIELDS,
    ActionTaken,
    AssessmentKind,
    ContractKpi,
    NoticeKind,
)
from partnerships.contracts.ratings import DEFAULT_THRESHOLDS, THRESHOLD_DIGITS_MESSAGES, Rating
from partnerships.models import Sla


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

    answers = forms.ChoiceField(
        label="What the plan answers",
        error_messages={"required": "Choose what the plan answers: a KPI rating or an SLA."},
    )
    action = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What the partner must do",
        error_messages={"required": "Enter what the partner must do."},
    )
    owner = forms.CharField(
        max_length=120,
        label="Owner",
        error_messages={
            "required": "Enter the plan's owner.",
            "max_length": "Owner must be 120 characters or fewer.",
        },
    )
    due_date = LondonDateField(
        label="Due by", error_messages={"required": "Enter the date the plan is due by."}
    )


class PlanProgressForm(forms.Form):
    progress = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Progress",
        error_messages={"required": "Describe the progress made."},
    )


class PlanCloseForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("met", "Met"), ("failed", "Failed")],
        label="Outcome",
        error_messages={"required": "Choose the outcome: met or failed."},
    )
    reason = forms.CharField(
        label="Reason", error_messages={"required": "Give the reason for closing the plan."}
    )


class PerformanceNoticeForm(forms.Form):
    """A breach of contract or a failure to perform (section 71(4)); the plan's choices
    are set by the view from the contract's plans not met."""

    kind = forms.ChoiceField(choices=NoticeKind.choices, label="What the notice is about")
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="What happened")
    occurred_on = LondonDateField(
        label="When",
        help_text="The day of the termination, the damages award or the settlement, or the "
        "day the failure to perform was established. The notice is due 30 days after.",
    )
    action_taken = forms.ChoiceField(
        choices=ActionTaken.choices,
        label="Action taken",
        help_text="Other action is for a failure to perform only: a breach is notifiable "
        "when termination, damages or a settlement followed.",
    )
    action_details = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Details of the action taken",
    )
    damages = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        label="Damages awarded, in pounds",
        help_text="Only when damages were awarded.",
        error_messages={"min_value": DAMAGES_NEGATIVE},
    )
    plan = forms.ChoiceField(
        required=False,
        label="Rectification plan the supplier did not meet",
        help_text="For a failure to perform: the proper opportunity to improve it was given.",
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Reason for withdrawing the draft"
    )


def say_threshold_range(form: forms.ModelForm) -> None:
    """A KPI form's thresholds refuse a number with too many digits (1000) with their range,
    as every other threshold out of range is refused (``THRESHOLD_DIGITS_MESSAGES``)."""
    for name in DEFAULT_THRESHOLDS:
        if name in form.fields:
            form.fields[name].error_messages.update(THRESHOLD_DIGITS_MESSAGES)


class ContractKpiForm(forms.ModelForm):
    """One of the contract's section-52 KPIs, for an administrator: the SLA choices are
    the partnership's own (set by the view); ``services.save_contract_kpi`` decides."""

    slas = forms.ModelMultipleChoiceField(
        queryset=Sla.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="SLAs it is built from",
        help_text="For a KPI of service levels: at least one. None for the other measures.",
    )

    class Meta:
        model = ContractKpi
        fields = [*KPI_DEFINITION_FIELDS, "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "good_from": "Good at or above (score 0 to 100)",
            "approaching_from": "Approaching target at or above",
            "improvement_from": "Requires improvement at or above (Inadequate below)",
            "serious_share_inadequate": "Inadequate with serious failures in this percentage "
            "of months or more (0: never)",
            "active": "In use (assessed)",
        }

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        say_threshold_range(self)
        self.fields["slas"].queryset = Sla.objects.filter(
            service__partnership=partnership
        ).order_by("code")
