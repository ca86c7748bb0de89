"""Forms of the records page (milestones, escalations, risks). They collect input; the
services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator

from departments.form_fields import LondonDateField
from partnerships.models import Escalation, MilestoneState, Risk
from partnerships.records.services import RECORD_TEXTS


class MilestoneProgressForm(forms.Form):
    state = forms.ChoiceField(choices=MilestoneState.choices)
    delivered_date = LondonDateField(required=False, label="Delivered on")


class _TextsLimitedByTheService:
    """The model's max_length on a free text would give the form Django's generic message
    and the browser a maxlength that cuts a longer pasted text without a word; leave the
    limit to ``services.save_record``, whose message names the field and the limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RECORD_TEXTS:
            if field := self.fields.get(name):
                field.max_length = None
                field.validators = [
                    v for v in field.validators if not isinstance(v, MaxLengthValidator)
                ]
                field.widget.attrs.pop("maxlength", None)


# The dates every escalation and risk has: date pickers whose value is in the picker's own
# format (an en-GB "30/11/2026" default would show blank), read by the one date rule.
_RECORD_DATE_FIELDS = dict.fromkeys(("raised_on", "due_date", "resolved_on"), LondonDateField)


class EscalationForm(_TextsLimitedByTheService, forms.ModelForm):
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
        field_classes = _RECORD_DATE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 2}),
        }


class RiskForm(_TextsLimitedByTheService, forms.ModelForm):
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
        field_classes = _RECORD_DATE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 2}),
            "resolution": forms.Textarea(attrs={"rows": 2}),
        }
