"""Scrutiny's forms: a member's question, a head's answer."""

from __future__ import annotations

from django import forms

from departments.form_fields import LondonDateField
from departments.models import PerformanceIndicator
from scrutiny.models import ITEM_TEXT_LIMIT, ItemKind, ScrutinyCommittee


class AskForm(forms.Form):
    kind = forms.ChoiceField(
        label="Question or comment",
        choices=ItemKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose question or comment."},
    )
    # Neither required nor capped here: the service's messages name the field and its
    # limit, and the API gives the same ones.
    text = forms.CharField(
        label="Your question or comment",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            f"Up to {ITEM_TEXT_LIMIT:,} characters. The owning head of service answers in writing."
        ),
    )
    committee = forms.ModelChoiceField(
        label="For the committee",
        queryset=ScrutinyCommittee.objects.none(),
        required=False,
        help_text="Needed when you sit on more than one committee.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        theirs = ScrutinyCommittee.objects.filter(members=user)
        self.fields["committee"].queryset = theirs
        only = list(theirs[:2])
        if len(only) == 1:
            self.initial.setdefault("committee", only[0].pk)


class AgendaForm(forms.Form):
    # The one date rule of every entry point (dates.london_date), which takes the words
    # the hint gives; an unreadable date is refused naming the field and the forms taken.
    # Typed as text, as before, so the words of the hint can be typed (a date picker
    # would take none).
    meeting_on = LondonDateField(
        label="Meeting date",
        widget=forms.TextInput,
        help_text="For example, 14 January 2027, 14/01/2027 or 2027-01-14.",
        error_messages={"required": "Give the meeting date."},
    )
    # Not capped here: the service says what is wrong with a month, naming it.
    period = forms.CharField(
        label="Month",
        help_text="The month's key, such as 2026-27-P06.",
        error_messages={"required": "Give the month, such as 2026-27-P06."},
    )
    indicator = forms.ModelChoiceField(
        label="Indicator (optional: leave empty for the whole month)",
        queryset=PerformanceIndicator.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    # Not capped here: the service's message names the field and its limit.
    note = forms.CharField(label="Note (optional)", required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your written answer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Up to 10,000 characters. The member sees it and closes the item.",
    )
