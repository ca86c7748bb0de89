"""The SMT's form for one indicator's publication."""

from __future__ import annotations

from django import forms

from departments.numbers import TEXT_LIMIT
from publication.models import TITLE_LIMIT, Theme


class PublicationForm(forms.Form):
    """Publish (or edit the words of) an indicator, or withdraw it with a reason. The
    limits are checked again, with the same messages, by ``set_publication``."""

    action = forms.ChoiceField(choices=[("publish", "Publish"), ("withdraw", "Withdraw")])
    public_title = forms.CharField(max_length=TITLE_LIMIT, required=False)
    public_description = forms.CharField(max_length=TEXT_LIMIT, required=False)
    # A select, but checked by the service (one message for the page and the API).
    theme = forms.CharField(
        required=False, widget=forms.Select(choices=[("", "Choose a theme"), *Theme.choices])
    )
    reason = forms.CharField(max_length=TEXT_LIMIT, required=False)
