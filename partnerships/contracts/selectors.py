"""Reads for the contract pages: a partnership's KPIs with their SLAs, its assessments as
the reader may see them, and an assessment's ratings with their KPIs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max

from departments.periods import date_in_words, years_after
from partnerships.contracts.models import (
    Assessment,
    AssessmentState,
    ContractKpi,
    KpiRating,
    NoticeKind,
    PerformanceNotice,
    RectificationPlan,
)
from partnerships.contracts.plans import PoorPerformanceFlag, poor_performance_flags_for
from partnerships.contracts.ratings import Thresholds
from partnerships.models import Partnership


def contract_kpis(partnership_id: int) -> list[ContractKpi]:
    """The partnership's KPIs (active first), each with its SLAs (two queries)."""
    return list(
        ContractKpi.objects.filter(partnership_id=partnership_id)
        .prefetch_related("slas")
        .order_by("-active", "title")
    )


def plans_of(partnership_id: int) -> list[RectificationPlan]:
    """The partnership's rectification plans, by due date, with what each answers."""
    return list(
        RectificationPlan.objects.filter(partnership_id=partnership_id)
        .select_related("sla", "kpi_rating__kpi")
        .order_by("due_date", "pk")
    )


def assessments_for(user, partnership_id: int) -> list[Assessment]:
    """The partnership's assessments the user may see (a partner: approved ones only)."""
    return list(
        Assessment.objects.visible_to(user)
        .filter(partnership_id=partnership_id)
        .select_related("approved_by")
        .order_by("-period_end", "-pk")
    )


def performance_notices_for(user, partnership_id: int) -> list[PerformanceNotice]:
    """The partnership's breach and poor-performance notices the user may see (a
    partner: approved ones only), latest first."""
    return list(
        PerformanceNotice.objects.visible_to(user)
        .filter(partnership_id=partnership_id)
        .order_by("-occurred_on", "-pk")
    )


def ratings_of(assessment: Assessment) -> list[KpiRating]:
    """The assessment's KPI ratings, by KPI title, with the KPI and who rated it."""
    return list(
        assessment.ratings.select_related("kpi", "rated_by").order_by("kpi__title", "kpi__pk")
    )


@dataclass(frozen=True)
class KpiAsAssessed:
    """A KPI as an assessment shows it: as it stood at approval once approved (a later
    edit of the KPI never changes an approved assessment), as it stands for a draft."""

    title: str
    description: str
    thresholds: Thresholds


def kpi_as_assessed(assessment: Assessment, rating: KpiRating) -> KpiAsAssessed:
    """The KPI of ``rating`` as ``assessment`` shows it: from the approval's snapshot
    (``Assessment.notice_details``) when approved; approvals older than the snapshot of
    thresholds, and drafts, read the KPI as it is."""
    kpi = rating.kpi
    kept = assessment.notice_details.get("kpis", {}).get(str(kpi.pk)) or {}
    if not assessment.is_approved or not kept:
        return KpiAsAssessed(kpi.title, kpi.description, kpi.thresholds)
    thresholds = (
        Thresholds(**{name: Decimal(value) for name, value in kept["thresholds"].items()})
        if "thresholds" in kept
        else kpi.thresholds
    )
    return KpiAsAssessed(kept["title"], kept["description"], thresholds)


@dataclass(frozen=True)
class NoticeDue:
    """When one of the contract's notices is due, and why. ``draft`` marks a deadline owed
    for a breach or failure to perform the council has recorded but not yet approved: a
    draft is the council's own, so only those who see drafts are told of it."""

    due_on: date
    reason: str
    overdue: bool
    draft: bool = False


def notices_due_for(
    partnerships: Iterable[Partnership],
    today: date,
    *,
    drafts: bool,
    flags: dict[int, list[PoorPerformanceFlag]] | None = None,
) -> dict[int, list[NoticeDue]]:
    """Every notice each contract owes, by partnership id, earliest first: section 71(2),
    the performance assessed at least once every 12 months and when the contract ends (12
    months after the period of the last approved assessment ends, or after the contract
    starts before any; at the contract's end if sooner); and section 71(5), 30 days after
    a breach or failure to perform recorded but not yet approved (only with ``drafts``),
    or after a rectification plan flagged under section 71(4)(b) with no notice the
    reader may see recorded for it. A partnership's list is empty when the contract's
    whole term is assessed and nothing else is owed.

    A fixed number of queries whatever the number of partnerships (the daily reminders,
    the early warnings and the SMT's home ask for every contract at once): the last
    assessed period of each, their draft notices, and their plans flagged
    (``poor_performance_flags_for``) unless ``flags`` gives them already, as the
    contract page does, which shows the flags too."""
    partnerships = list(partnerships)
    ids = [p.pk for p in partnerships]
    last_ends = dict(
        Assessment.objects.filter(partnership_id__in=ids, state=AssessmentState.APPROVED)
        .values("partnership_id")
        .annotate(last_end=Max("period_end"))
        .order_by()
        .values_list("partnership_id", "last_end")
    )
    draft_notices: dict[int, list[PerformanceNotice]] = defaultdict(list)
    if drafts:
        for notice in PerformanceNotice.objects.filter(
            partnership_id__in=ids, state=AssessmentState.DRAFT
        ).order_by("occurred_on", "pk"):
            draft_notices[notice.partnership_id].append(notice)
    if flags is None:
        flags = poor_performance_flags_for(ids, today)
    return {
        p.pk: _notices_owed(
            p,
            today,
            last_end=last_ends.get(p.pk),
            draft_notices=draft_notices[p.pk],
            flags=flags.get(p.pk, []),
            drafts=drafts,
        )
        for p in partnerships
    }


def _notices_owed(
    partnership: Partnership,
    today: date,
    *,
    last_end: date | None,
    draft_notices: list[PerformanceNotice],
    flags: list[PoorPerformanceFlag],
    drafts: bool,
) -> list[NoticeDue]:
    """One contract's notices owed (``notices_due_for``) from what was read for it: the
    end of its last approved assessment's period, its draft notices and its flags."""
    candidates = []
    if last_end is None:
        due, reason = (
            years_after(partnership.start_date, 1) - timedelta(days=1),
            "12 months after the contract started",
        )
    else:
        due, reason = years_after(last_end, 1), "12 months after the last assessed period"
    if due >= partnership.end_date:
        due, reason = partnership.end_date, "at the end of the contract"
    if last_end is None or last_end < partnership.end_date:
        candidates.append((due, reason, False))
    for notice in draft_notices:
        what = "breach" if notice.kind == NoticeKind.BREACH else "failure to perform"
        candidates.append(
            (
                notice.publish_by,
                f"30 days after the {what} of {date_in_words(notice.occurred_on)}",
                True,
            )
        )
    for flag in flags:
        # A plan whose notice is still a draft stays owed for a reader who cannot see
        # the draft: the plan itself is the partner's to see.
        if flag.notice is None or (not drafts and not flag.notice.is_approved):
            candidates.append(
                (flag.publish_by, f"30 days after a rectification plan was {flag.why}", False)
            )
    return [
        NoticeDue(due_on=due, reason=reason, overdue=due < today, draft=draft)
        for due, reason, draft in sorted(candidates, key=lambda c: c[0])
    ]


def notices_due(
    partnership: Partnership,
    today: date,
    *,
    drafts: bool,
    flags: list[PoorPerformanceFlag] | None = None,
) -> list[NoticeDue]:
    """Every notice one contract owes, earliest first (``notices_due_for``); ``flags``:
    its ``poor_performance_flags`` when the caller has read them already."""
    given = None if flags is None else {partnership.pk: flags}
    return notices_due_for([partnership], today, drafts=drafts, flags=given)[partnership.pk]


def next_notice_due(
    partnership: Partnership,
    today: date,
    *,
    drafts: bool,
    flags: list[PoorPerformanceFlag] | None = None,
) -> NoticeDue | None:
    """The earliest of ``notices_due``, or None when nothing is owed."""
    due = notices_due(partnership, today, drafts=drafts, flags=flags)
    return due[0] if due else None
