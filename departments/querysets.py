"""Scoped querysets: ``visible_to(user)`` is the one place a row's visibility is decided."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q

from departments.roles import Role, scope_for


class DepartmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> DepartmentQuerySet:
        scope = scope_for(user)
        if scope.reads_council_figures:
            # An elected member reads every department's signed-off figures.
            return self.all()
        condition = Q(pk__in=scope.department_ids)
        if Role.PARTNER in scope.roles:
            # A partner manager sees the departments their partnership's services serve.
            served = Q(services__partnership__in=scope.partnership_ids)
            return self.filter(condition | served).distinct()
        return self.filter(condition)


class _DepartmentOwnedQuerySet(models.QuerySet):
    """Rows that belong to one department through ``department_lookup``."""

    department_lookup = "department"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        return self.filter(**{f"{self.department_lookup}__in": scope.department_ids})

    def for_department(self, department_id: int):
        return self.filter(**{self.department_lookup: department_id})


class IndicatorQuerySet(_DepartmentOwnedQuerySet):
    def visible_to(self, user) -> IndicatorQuerySet:
        """Indicators in scope; an elected member reads every indicator's signed-off
        figures (reporting.signed_off), never its returns."""
        if scope_for(user).is_member:
            return self.all()
        return super().visible_to(user)

    def active(self) -> IndicatorQuerySet:
        return self.filter(is_active=True)


class TargetQuerySet(_DepartmentOwnedQuerySet):
    department_lookup = "indicator__department"


class KpiReturnQuerySet(_DepartmentOwnedQuerySet):
    def in_period(self, period_key: str) -> KpiReturnQuerySet:
        return self.filter(period=period_key)


class SignOffQuerySet(models.QuerySet):
    def active(self) -> SignOffQuerySet:
        return self.filter(reopened_at__isnull=True)

    def visible_to(self, user) -> SignOffQuerySet:
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        if not scope.department_ids:
            return self.none()
        return self.filter(Q(department__in=scope.department_ids) | Q(department__isnull=True))


def overdue_on(today: date) -> Q:
    """The one "overdue" rule for referrals, as a filter that aggregates can use too: not
    resolved and past its due date (raised date + agreed days) on ``today``, a London date."""
    return Q(resolved_on__isnull=True, due_on__lt=today)


def resolved_on_time() -> Q:
    """Resolved on or before the due date (raised date + agreed days): "on time" in
    DESIGN.md section 3. ``departments.referrals.summaries.tally`` says the same in Python."""
    return Q(resolved_on__isnull=False, resolved_on__lte=F("due_on"))


def resolved_late() -> Q:
    """Resolved after the due date; with ``overdue_on`` it makes "late"."""
    return Q(resolved_on__isnull=False, resolved_on__gt=F("due_on"))


class _SentOrReceivedQuerySet(models.QuerySet):
    """Rows of referrals between two departments (``from_department``, ``to_department``):
    the referrals themselves and their monthly summaries, seen alike."""

    def visible_to(self, user):
        """A department sees what it sent and what it received; a partner sees none."""
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        ids = scope.department_ids
        return self.filter(Q(from_department__in=ids) | Q(to_department__in=ids))


class ReferralPairMonthQuerySet(_SentOrReceivedQuerySet):
    pass


class ReferralQuerySet(_SentOrReceivedQuerySet):
    # Where a referral stands, each rule written once (departments.referrals.filters).

    def open(self) -> ReferralQuerySet:
        """Not resolved yet, acknowledged or not."""
        return self.filter(resolved_on__isnull=True)

    def acknowledged(self) -> ReferralQuerySet:
        """Acknowledged by the receiving department and not resolved yet."""
        return self.open().filter(acknowledged_on__isnull=False)

    def resolved(self) -> ReferralQuerySet:
        return self.filter(resolved_on__isnull=False)

    def overdue(self, today: date) -> ReferralQuerySet:
        """Open past its due date (raised date + agreed days) on ``today``, a London date."""
        return self.filter(overdue_on(today))


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """Administrators, SMT and auditors see every membership (the audit trail names
        people on purpose); anyone else sees their own."""
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        if not scope.roles:
            return self.none()
        return self.filter(user=user)
