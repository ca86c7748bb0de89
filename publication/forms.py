"""The SMT's form for one indicator's publication."""

from __future__ import annotations

from django import forms

from publication.models import Theme


class PublicationForm(forms.Form):
    """Publish (or edit the words of) an indicator, or withdraw it with a reason. The
    limits are checked by ``set_publication`` alone, whose messages name the field and
    the limit (a form's own max_length would answer first, in Django's generic words)."""

    action = forms.ChoiceField(choices=[("publish", "Publish"), ("withdraw", "Withdraw")])
    public_title = forms.CharField(required=False)
    public_description = forms.CharField(required=False)
    # A select, but checked by the service (one message for the page and the API).
    theme = forms.CharField(
        required=False, widget=forms.Select(choices=[("", "Choose a theme"), *Theme.choices])
    )
    reason = forms.CharField(required=False)
