"""Reads of referrals for the list page."""

from __future__ import annotations

from django.db.models import F, Sum

from departments import roles
from departments.models import Department, ReferralPairMonth
from departments.querysets import ReferralQuerySet
from departments.referrals.filters import ReferralFilter

# The filters of the referrals list that the monthly summaries of pairs of departments
# answer too: they name departments and months only, which every summary row carries.
SUMMARY_FILTERS = {
    "department",
    "direction",
    "counterpart",
    "period",
    "from_department",
    "to_department",
}


def count_from_summaries(filters: ReferralFilter, user) -> int | None:
    """How many referrals ``user``'s list holds with the values of ``filters`` (a valid
    ``ReferralFilter``), read from the monthly summaries (``ReferralPairMonth``: one row
    per month and pair of departments, kept by every write of referrals) through the same
    filters and the same scope, when every filter given is one of ``SUMMARY_FILTERS``;
    None otherwise (a state, channel, service or financial year is counted from the
    referrals). One query, whatever the number of referrals."""
    given = {name for name, value in filters.form.cleaned_data.items() if value not in (None, "")}
    if given - SUMMARY_FILTERS:
        return None
    # The filters' values as already checked, applied to the summaries: not validated again.
    pairs = filters.filter_queryset(ReferralPairMonth.objects.visible_to(user))
    return pairs.aggregate(n=Sum("referrals", default=0))["n"]


def source_departments(user) -> list[Department]:
    """The active departments the user may raise referrals from (roles.may_raise_referral):
    their own, or every one for an administrator."""
    return [
        department
        for department in Department.objects.visible_to(user).filter(is_active=True)
        if roles.may_raise_referral(user, department.pk)
    ]


def open_first(referrals: ReferralQuerySet) -> ReferralQuerySet:
    """Open referrals first, the soonest due first; then the resolved ones, the latest
    resolved first (one query, with both departments and the service)."""
    return referrals.select_related("from_department", "to_department", "service").order_by(
        F("resolved_on").desc(nulls_first=True), "due_on", "-pk"
    )
