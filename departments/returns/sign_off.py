"""Signing a period off and reopening it (DESIGN.md section 3, "Return workflow"): SMT
signs a month off for one department or the whole council, which locks its approved
returns, and reopens it with a reason, which unlocks them. A council-wide sign-off queues
the month's pack. Approval (``services.approve_return``) holds the same department rows
first, so an approval and a sign-off never miss each other (``hold_periods_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.concurrency import Conflict
from core.dispatch import send_task
from departments import periods, roles
from departments.models import Department, KpiReturn, PeriodSignOff, ReturnState
from departments.numbers import text_errors
from departments.returns.changes import save_new_version
from departments.returns.ratings import recount_ratings_of_returns


def hold_periods_of(department_id: int | None) -> None:
    """Lock the department's row (``None``: every department's, in id order) for the rest
    of the transaction, so that sign-off, reopening and approval of its returns happen
    one at a time.

    Why: DESIGN.md section 3 says a signed-off period's approved returns are locked. An
    approval reads "is the period signed off?" and a sign-off locks the approved returns
    it finds; run at the same moment, each misses the other's uncommitted write, and a
    return is left approved but unlocked in a signed-off period (issue 22). Holding the
    department first, before any return, gives every interleaving one order and no
    deadlock (nothing locks a department while holding a return)."""
    departments = Department.objects.select_for_update().order_by("pk")
    if department_id is not None:
        departments = departments.filter(pk=department_id)
    list(departments.values_list("pk", flat=True))


def is_signed_off(period_key: str, department_id: int) -> bool:
    """Whether SMT has signed the period off for this department or the whole council."""
    covering = Q(department_id=department_id) | Q(department__isnull=True)
    return PeriodSignOff.objects.active().filter(covering, period=period_key).exists()


@dataclass(frozen=True)
class SignOffOutcome:
    sign_off: PeriodSignOff
    locked: int
    not_signed_off: int  # returns still open: they lock when approved


@transaction.atomic
def sign_off_period(
    *, period_key: str, actor, department: Department | None = None, today: date | None = None
) -> SignOffOutcome:
    """SMT signs a period off for one department or the whole council.

    Approved returns lock; the others stay open, flagged "not signed off", and lock when
    they are approved.
    """
    if not roles.may_sign_off(actor):
        raise PermissionDenied("Only SMT can sign a period off.")
    period = _parse_period(period_key)
    if not period.has_ended(today or timezone.localdate()):
        raise ValidationError({"period": f"{period.label} has not ended yet."})
    hold_periods_of(department.pk if department else None)
    active = PeriodSignOff.objects.active().filter(period=period_key)
    if active.filter(department__isnull=True).exists() or (
        department and active.filter(department=department).exists()
    ):
        raise Conflict({"period": f"{period.label} is already signed off."})
    sign_off = PeriodSignOff(
        period=period_key, department=department, signed_off_by=actor, signed_off_at=timezone.now()
    )
    sign_off._history_user = actor
    sign_off.save()
    returns = KpiReturn.objects.filter(period=period_key)
    if department is not None:
        returns = returns.filter(department=department)
    locked = []
    for kpi_return in returns.filter(state=ReturnState.APPROVED).select_for_update():
        kpi_return.state, kpi_return.locked_at = ReturnState.LOCKED, timezone.now()
        locked.append(
            save_new_version(kpi_return, actor, f"Locked: {period.short_label} signed off")
        )
    # Approved and locked both count, so the ratings come out the same; recounted anyway,
    # once for the month, so that no write of returns leaves the read model unasked.
    recount_ratings_of_returns(locked)
    open_count = returns.exclude(state=ReturnState.LOCKED).count()
    if department is None:
        transaction.on_commit(lambda: _queue_monthly_pack(sign_off.pk))
    return SignOffOutcome(sign_off, len(locked), open_count)


# The name reporting's task takes (reporting.tasks imports it; this app never imports
# reporting), so the name is written once.
MONTHLY_PACK_TASK = "reporting.tasks.queue_monthly_pack"


def _queue_monthly_pack(sign_off_id: int) -> None:
    """A council-wide sign-off builds the month's pack. The task is found by name in the
    Celery registry because departments never imports reporting (DESIGN.md section 2).
    With the broker away the sign-off stands and the sweeper queues the pack later."""
    send_task(MONTHLY_PACK_TASK, sign_off_id)


@transaction.atomic
def reopen_period(
    *, period_key: str, actor, reason: str, department: Department | None = None
) -> int:
    """SMT reopens a signed-off period: its locked returns go back to approved."""
    if not roles.may_sign_off(actor):
        raise PermissionDenied("Only SMT can reopen a period.")
    period = _parse_period(period_key)
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for reopening the period"})
    if long_texts := text_errors(reason=(reason, "Reason for reopening")):
        raise ValidationError(long_texts)
    hold_periods_of(department.pk if department else None)
    active = PeriodSignOff.objects.active().filter(period=period_key)
    if department is not None:
        if active.filter(department__isnull=True).exists():
            raise ValidationError(
                {
                    "department": (
                        f"{period.label} is signed off for the whole council: reopen it for the "
                        "council instead"
                    )
                }
            )
        active = active.filter(department=department)
    if not active.exists():
        raise Conflict({"period": f"{period.label} is not signed off."})
    now = timezone.now()
    for sign_off in active:
        sign_off.reopened_by, sign_off.reopened_at = actor, now
        sign_off.reopen_reason = reason.strip()
        sign_off._history_user = actor
        sign_off.save()
    returns = KpiReturn.objects.filter(period=period_key, state=ReturnState.LOCKED)
    if department is not None:
        returns = returns.filter(department=department)
    reopened = []
    for kpi_return in returns.select_for_update():
        kpi_return.state, kpi_return.locked_at = ReturnState.APPROVED, None
        reopened.append(save_new_version(kpi_return, actor, f"Period reopened: {reason.strip()}"))
    recount_ratings_of_returns(reopened)  # as at sign-off: once for the month
    return len(reopened)


def _parse_period(period_key: str) -> periods.Period:
    try:
        return periods.Period.parse(period_key)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error
