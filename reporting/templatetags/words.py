"""Template filters that write what the evidence of an early warning stores as keys
(period keys, ISO dates, states) in the words people read (DESIGN.md section 3,
"Periods": "October 2026", "20 November 2026")."""

from __future__ import annotations

from datetime import date

from django import template

from departments.periods import Period, date_in_words
from departments.rating import Timeliness
from departments.returns.selectors import ROW_STATE_LABELS

register = template.Library()


@register.filter
def period_words(key) -> str:
    """``"2026-27-P07"|period_words`` → ``October 2026``; anything else as it is."""
    try:
        return Period.parse(str(key)).in_words
    except ValueError:
        return key


@register.filter
def date_words(value) -> str:
    """``"2026-11-20"|date_words`` (or a date) → ``20 November 2026``; else as it is."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return value
    return date_in_words(day)


@register.filter
def return_words(key) -> str:
    """A return's stored workflow state or timeliness key in words: ``"sent_back"`` →
    ``Sent back``, ``"missing"`` → ``Missing``."""
    if key in ROW_STATE_LABELS:
        return ROW_STATE_LABELS[key]
    try:
        return Timeliness(key).label
    except ValueError:
        return key
