"""What an elected member may see: the one rule (issue 20, item 2).

A member reads the figures pages and the metrics API of a month only once that month is
signed off, so that no draft, submitted-but-unapproved return and no unverified SLA
result reaches them. A month is signed off for members when:

- the SMT's sign-off of the month is in force, for the whole council (council pages:
  overview, partnership health, the combined view) or for the council or the department
  (a department's dashboard and its indicators' pages);
- every return ending in that month (monthly, and quarterly or annual ones whose period
  ends in it), in the council or the department, is locked;
- no return of an earlier period is submitted but not yet approved: the month's figures
  also read earlier periods (the latest quarter or year, the year to date, a year
  earlier, the trend), and one reopened and submitted again would reach the member
  through them, unapproved, until its head approves it; and
- for council pages, every SLA result of that month is verified, or its dispute resolved.

Pages ask ``chosen_month`` (reporting.pages.parameters) and the API ``month_from``
(reporting.api.metrics); both call ``month_for_reader`` here, so they answer alike.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django.db.models import Q
from django.utils import timezone

from departments import periods, roles
from departments.models import KpiReturn, PeriodSignOff, ReturnState
from departments.rating import Rag
from partnerships.models import SlaResult, Verification
from reporting.figures.indicator import IndicatorHistory, TrendPoint

# How far back the default month is looked for: two financial years of months.
_MONTHS_LOOKED_BACK = 24
SETTLED_VERIFICATIONS = (Verification.VERIFIED, Verification.RESOLVED)


class NotSignedOff(LookupError):
    """A member asked for a month that is not signed off, or none is yet."""


def is_signed_off_for_members(month: periods.Period, *, department_id: int | None = None) -> bool:
    """Whether ``month``'s figures may be shown to elected members: for the council
    (``department_id`` None) or for one department (see the module's docstring)."""
    sign_offs = PeriodSignOff.objects.active().filter(period=month.key)
    if department_id is None:
        sign_offs = sign_offs.filter(department__isnull=True)
    else:
        sign_offs = sign_offs.filter(Q(department__isnull=True) | Q(department=department_id))
    if not sign_offs.exists():
        return False
    unsettled = KpiReturn.objects.filter(
        Q(period_end__range=(month.start, month.end)) & ~Q(state=ReturnState.LOCKED)
        | Q(period_end__lt=month.start, state=ReturnState.SUBMITTED)
    )
    if department_id is not None:
        unsettled = unsettled.filter(department=department_id)
    if unsettled.exists():
        return False
    if department_id is None:
        unsettled = SlaResult.objects.filter(period=month.key).exclude(
            verification__in=SETTLED_VERIFICATIONS
        )
        if unsettled.exists():
            return False
    return True


def latest_signed_off_month(
    *, department_id: int | None = None, today: date | None = None
) -> periods.Period | None:
    """The latest ended month signed off for members, within the last two years."""
    month = periods.latest_closed(periods.PeriodKind.MONTH, today or timezone.localdate())
    monthly = PeriodSignOff.objects.active().filter(period__contains="-P")
    signed = set(monthly.values_list("period", flat=True))
    for _ in range(_MONTHS_LOOKED_BACK):
        if month.key in signed and is_signed_off_for_members(month, department_id=department_id):
            return month
        month = month.previous()
    return None


def month_for_reader(
    user, key: str | None, *, department_id: int | None = None, today: date | None = None
) -> periods.Period:
    """The month a figures page or metrics endpoint shows ``user``: ``key``'s (default:
    the latest closed month). For an elected member, only a month signed off for them
    (default: the latest such month); otherwise ``NotSignedOff``. A bad key raises
    ``ValueError`` and a month not ended ``periods.MonthNotEnded``, for everyone alike."""
    if not roles.scope_for(user).signed_off_only_for(department_id):
        return periods.ended_month_or_latest(key, today)
    if not key:
        month = latest_signed_off_month(department_id=department_id, today=today)
        if month is None:
            raise NotSignedOff("No month has been signed off yet.")
        return month
    month = periods.ended_month_or_latest(key, today)
    if not is_signed_off_for_members(month, department_id=department_id):
        raise NotSignedOff(f"{month.label} has not been signed off yet.")
    return month


def history_for_reader(user, history: IndicatorHistory) -> IndicatorHistory:
    """An indicator's history as ``user`` may read it: whole for officers and the
    council-wide roles; for an elected member, the trend's points and the returns listed
    are those of locked returns only, so that a draft or unapproved figure of an earlier
    period (one reopened since, say) never reaches them."""
    if not roles.scope_for(user).signed_off_only_for(history.indicator.department_id):
        return history

    def settled(point: TrendPoint) -> TrendPoint:
        if point.kpi_return is not None and point.kpi_return.state == ReturnState.LOCKED:
            return point
        return dataclasses.replace(point, value=None, kpi_return=None, rag=Rag.NOT_RATED)

    return dataclasses.replace(
        history,
        trend=[settled(point) for point in history.trend],
        returns=[r for r in history.returns if r.state == ReturnState.LOCKED],
    )
