"""Monthly summaries of referrals: the read models that coordination figures come from.

A million referrals cannot be re-aggregated on every request, so the counts that the
coordination metrics of DESIGN.md section 3 need are kept per month as the referrals are
written (``departments.referrals.summaries``) and rebuilt from scratch by
``manage.py rebuild_referral_summaries``. Three tables, each at the coarsest grain that
still gives every figure exactly:

- per pair of departments: volume, digital share, reach, and the outcome of resolved
  referrals (on time or late);
- per pair and due date, the referrals still open: "late" as the data stands on any day
  is the open ones due before it, so no nightly job has to move counts;
- per receiving department and days to resolve: the histogram the median is read from.

They hold counts only, never a referral's own fields, and are never edited by hand. The
counts are plain integers without a CHECK constraint: a change is added with
``INSERT … ON CONFLICT DO UPDATE``, and both databases check the proposed row (which
carries the change, negative when referrals are counted out) before they see the
conflict; ``record_referral_changes`` checks afterwards that no count fell below zero.
"""

from __future__ import annotations

from django.db import models

from departments.models.organisation import Department
from departments.querysets import ReferralPairMonthQuerySet


class ReferralPairMonth(models.Model):
    """The referrals raised in one month from one department to another."""

    period = models.CharField(max_length=11)
    from_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    referrals = models.IntegerField(default=0)
    through_service = models.IntegerField(
        default=0, help_text="Referrals through one of the partner's services (digital)."
    )
    resolved_on_time = models.IntegerField(
        default=0, help_text="Resolved on or before the due date."
    )
    resolved_late = models.IntegerField(default=0, help_text="Resolved after the due date.")

    objects = ReferralPairMonthQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "from_department", "to_department"],
                name="referral_pair_month_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.from_department_id} → {self.to_department_id}"


class ReferralOpenMonth(models.Model):
    """The referrals raised in one month between a pair of departments that are still open,
    by the date they fall due (raised date + agreed days)."""

    period = models.CharField(max_length=11)
    from_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    referrals = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "from_department", "to_department", "due_on"],
                name="referral_open_month_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.from_department_id} → {self.to_department_id} open"


class ReferralDaysMonth(models.Model):
    """The referrals raised in one month to one department and resolved, by calendar days
    from raised to resolved: the histogram the median days is read from."""

    period = models.CharField(max_length=11)
    to_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    days = models.IntegerField()
    referrals = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "to_department", "days"], name="referral_days_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.to_department_id}, {self.days} days"
