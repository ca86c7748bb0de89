"""The months a scrutiny item or an agenda item may point at: those open to members.

Whether a month's figures are open to elected members is reporting's one rule
(``reporting.signed_off.is_signed_off_for_members``). Scrutiny may not import reporting
(DESIGN.md section 2), so the rule is named here by its dotted path, as partnerships names
its contract-health reader (``partnerships.contracts.evidence.MEASURE_READERS``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.module_loading import import_string

from departments import periods
from departments.models import Department, PerformanceIndicator
from scrutiny.models import Subject

# (month, department_id=None or an id) -> whether members may read it; loaded when first read.
SIGNED_OFF_RULE = "reporting.signed_off.is_signed_off_for_members"


@cache
def signed_off_rule() -> Callable[..., bool]:
    """The function that says whether a month is signed off for members."""
    return import_string(SIGNED_OFF_RULE)


def ended_month(key: str, today: date) -> periods.Period:
    """The month ``key`` names, if it has ended on ``today``
    (``periods.ended_month_or_latest``, the rule of every figures page); else a
    ``ValidationError`` on ``period`` saying why. A question or an agenda item always
    names its month: an empty key is refused, not taken as the latest."""
    if not key:
        raise ValidationError({"period": ["Give a month, such as 2026-27-P06."]})
    try:
        return periods.ended_month_or_latest(key, today)
    except ValueError as error:  # a bad key, not a month, or a month not ended yet
        raise ValidationError({"period": [str(error)]}) from error


def month_open_to_members(
    period_key: str, *, department_id: int | None, today: date | None = None
) -> periods.Period:
    """The month ``period_key`` names, if members may be asked about or shown it: an ended
    month signed off for members, for the council (``department_id`` None) or for that
    department. Otherwise a ``ValidationError`` on ``period`` naming the month, so that no
    question or agenda item points at figures its members cannot open."""
    month = ended_month(period_key, today or timezone.localdate())
    if not signed_off_rule()(month, department_id=department_id):
        raise ValidationError(
            {"period": [f"{month.in_words} has not been signed off for members yet."]}
        )
    return month


def department_asked_about(
    subject: str,
    *,
    indicator: PerformanceIndicator | None = None,
    department: Department | None = None,
    **_other,
) -> int | None:
    """The department whose sign-off opens an item's month to members: the indicator's or
    the department asked about; None (the whole council) for the partnership."""
    if subject == Subject.INDICATOR and indicator is not None:
        return indicator.department_id
    if subject == Subject.DEPARTMENT and department is not None:
        return department.pk
    return None
