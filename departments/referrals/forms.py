"""Forms of the referral pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms

from core.form_fields import WholeNumberField
from departments.form_fields import LondonDateField
from departments.models import Department
from departments.referrals import services as referral_services
from departments.referrals.selectors import source_departments


class RaiseReferralForm(forms.Form):
    from_department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="From department"
    )
    to_department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label="To department"
    )
    category = forms.CharField(
        max_length=80, help_text="The kind of work, never a resident's name or case details."
    )
    raised_on = LondonDateField(label="Raised on")
    agreed_days = WholeNumberField(
        min_value=1, max_value=365, label="Agreed response time (calendar days)"
    )
    channel = forms.ChoiceField(label="Channel")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_department"].queryset = Department.objects.filter(
            pk__in=[department.pk for department in source_departments(user)]
        )
        self.fields["to_department"].queryset = Department.objects.filter(is_active=True)
        choices = referral_services.channel_choices()
        self.fields["channel"].choices = [
            (name, name.replace("-", " ").capitalize()) for name in sorted(choices)
        ]
