"""The months a scrutiny item or an agenda item may point at: those open to members.

Whether a month's figures are open to elected members is reporting's one rule
(``reporting.signed_off.is_signed_off_for_members``). Scrutiny may not import reporting
(DESIGN.md section 2), so reporting registers the rule here at start-up, as it registers
its contract-health reader with partnerships.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from departments import periods
from departments.models import Department, PerformanceIndicator
from scrutiny.models import Subject

# (month, department_id=None or an id) -> whether members may read it.
SignedOffRule = Callable[..., bool]
_signed_off_rule: list[SignedOffRule] = []


def register_signed_off_rule(rule: SignedOffRule) -> None:
    """Name the function that says whether a month is signed off for members (called once,
    at start-up, by reporting)."""
    _signed_off_rule[:] = [rule]


def _is_signed_off(month: periods.Period, department_id: int | None) -> bool:
    if not _signed_off_rule:
        # Failing closed: with no rule, no month can be shown to be open to members.
        raise RuntimeError("No signed-off rule is registered: is the reporting app installed?")
    return _signed_off_rule[0](month, department_id=department_id)


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
    if not _is_signed_off(month, department_id):
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
