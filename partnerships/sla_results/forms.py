"""Forms of the SLA results pages. They collect input; the services decide."""

from __future__ import annotations

from django import forms


class ReasonForm(forms.Form):
    # No max_length: the service refuses a reason over TEXT_LIMIT with its own message.
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    agreed_value = forms.CharField(
        required=False,
        max_length=30,
        label="Agreed figure",
        help_text="Leave empty to confirm the partner's figure.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
