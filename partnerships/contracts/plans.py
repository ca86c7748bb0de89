"""Rectification plans: written by the SMT for an SLA in serious failure or a KPI rated
Requires improvement or Inadequate; the partner's manager records progress; the SMT
closes a plan as met or failed. A failed plan, or an open one past its due date, is what
section 71(4) of the Procurement Act 2023 asks about (a supplier not performing to the
authority's satisfaction after a proper opportunity to improve): the product flags it,
with the 30 days the authority then has to publish a notice (section 71(5))."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.concurrency import Conflict
from departments import history, roles
from departments.numbers import format_figure, text_errors
from departments.periods import Period, date_in_words
from partnerships.contracts.models import (
    PUBLICATION_DAYS,
    AssessmentState,
    KpiRating,
    NoticeKind,
    PerformanceNotice,
    PlanState,
    RectificationPlan,
)
from partnerships.contracts.ratings import Rating
from partnerships.models import Partnership, Sla, SlaResult
from partnerships.outcomes import Outcome, sla_outcome

PLAN_TEXTS = {
    "action": "What the partner must do",
    "progress": "Progress",
    "reason": "Reason for closing the plan",
}
RATINGS_NEEDING_A_PLAN = (Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE)


def plannable_ratings(partnership_id: int):
    """The KPI ratings a plan may answer: rated Requires improvement or Inadequate in an
    approved assessment. A draft's rating is the council's own until approved, and the
    partner sees every plan, so a plan never answers one."""
    return KpiRating.objects.filter(
        assessment__partnership_id=partnership_id,
        assessment__state=AssessmentState.APPROVED,
        rating__in=RATINGS_NEEDING_A_PLAN,
    ).select_related("kpi", "assessment")


@transaction.atomic
def record_plan(
    *,
    partnership: Partnership,
    actor,
    action: str,
    owner: str,
    due_date: date,
    kpi_rating: KpiRating | None = None,
    sla: Sla | None = None,
    today: date | None = None,
) -> RectificationPlan:
    """The SMT records a plan for a KPI rated Requires improvement or Inadequate, or for
    an SLA of the partnership (in serious failure), due today or later (``today``: a
    London date, today by default)."""
    if not roles.may_assess_contract(actor):
        raise PermissionDenied("Only the SMT (or an administrator) records rectification plans.")
    if kpi_rating is None and sla is None:
        raise ValidationError({"kpi_rating": "Name the KPI rating or the SLA the plan answers."})
    if kpi_rating is not None:
        if kpi_rating.assessment.partnership_id != partnership.pk:
            raise ValidationError({"kpi_rating": "That KPI rating is of another partnership."})
        if not plannable_ratings(partnership.pk).filter(pk=kpi_rating.pk).exists():
            raise ValidationError(
                {
                    "kpi_rating": "A plan answers a KPI rated Requires improvement or "
                    "Inadequate in an approved assessment."
                }
            )
    if sla is not None and sla.service.partnership_id != partnership.pk:
        raise ValidationError({"sla": "That SLA belongs to another partnership."})
    if long_texts := text_errors(action=(action, PLAN_TEXTS["action"])):
        raise ValidationError(long_texts)
    today = today or timezone.localdate()
    if due_date < today:
        raise ValidationError(
            {"due_date": f"Due by cannot be before today ({date_in_words(today)})."}
        )
    plan = RectificationPlan(
        partnership=partnership,
        kpi_rating=kpi_rating,
        sla=sla,
        action=action.strip(),
        owner=owner.strip(),
        due_date=due_date,
    )
    plan.full_clean()
    history.attribute(plan, actor, "Recorded")
    plan.save()
    return plan


@transaction.atomic
def update_progress(*, plan: RectificationPlan, actor, progress: str) -> RectificationPlan:
    """The partner's manager (or the SMT, or an administrator) records progress."""
    if not roles.may_manage_escalations(actor, plan.partnership_id):
        raise PermissionDenied("Only the SMT and the partner's manager update a plan's progress.")
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.OPEN:
        raise Conflict("The plan is closed: its progress can no longer change.")
    if long_texts := text_errors(progress=(progress, PLAN_TEXTS["progress"])):
        raise ValidationError(long_texts)
    plan.progress = progress.strip()
    history.attribute(plan, actor, "Progress updated")
    plan.save()
    return plan


@transaction.atomic
def close_plan(*, plan: RectificationPlan, actor, state: str, reason: str) -> RectificationPlan:
    """The SMT closes a plan as met or failed, with a reason."""
    if not roles.may_assess_contract(actor):
        raise PermissionDenied("Only the SMT (or an administrator) closes a rectification plan.")
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.OPEN:
        raise Conflict("The plan is already closed.")
    if state not in (PlanState.MET, PlanState.FAILED):
        raise ValidationError({"state": "Close the plan as met or failed."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for closing the plan."})
    if long_texts := text_errors(reason=(reason, PLAN_TEXTS["reason"])):
        raise ValidationError(long_texts)
    plan.state = state
    plan.closed_on = timezone.localdate()
    history.attribute(plan, actor, f"Closed as {PlanState(state).label.lower()}: {reason}")
    plan.save()
    return plan


@dataclass(frozen=True)
class PoorPerformanceFlag:
    """A plan whose outcome may meet section 71(4)(b), with the evidence that the KPI or
    SLA it answers is still below target, and the publication deadline."""

    plan: RectificationPlan
    why: str
    publish_by: date
    evidence: str
    notice: PerformanceNotice | None  # the notice recorded for the plan, if any


def _kpi_still_below(latest: KpiRating) -> str | None:
    """The evidence that a plan's KPI is still rated below target, or None, from
    ``latest``: its rating in the latest approved assessment (or, none approved, the
    rating the plan answers)."""
    if latest.rating not in RATINGS_NEEDING_A_PLAN:
        return None
    score = "" if latest.score is None else f", score {format_figure(latest.score, 1)}"
    period = latest.assessment
    return (
        f"{latest.kpi.title} rated {latest.get_rating_display()}{score}, for "
        f"{date_in_words(period.period_start)} to {date_in_words(period.period_end)}."
    )


def _sla_still_below(sla: Sla, result: SlaResult | None) -> str | None:
    """The evidence that a plan's SLA is still below its expected level, or None: its
    latest ``result`` (the figure in force) is a minor or serious failure."""
    if result is None:
        return None
    outcome = sla_outcome(sla, result)
    if outcome not in (Outcome.MINOR, Outcome.SERIOUS):
        return None
    return (
        f"SLA {sla.code} {sla.title}: {Period.parse(result.period).in_words} "
        f"{outcome.label.lower()} ({result.value_in_force.normalize():f} against expected "
        f"{sla.expected_level.normalize():f}, minimum {sla.minimum_level.normalize():f})."
    )


def _latest_approved_ratings(kpi_ids: set[int]) -> dict[int, KpiRating]:
    """Each KPI's rating in its latest approved assessment (by the period's end), by KPI
    id, in one query whatever the number of KPIs; a KPI never rated in an approved
    assessment is left out."""
    if not kpi_ids:
        return {}
    latest = (
        KpiRating.objects.filter(
            kpi_id=OuterRef("kpi_id"), assessment__state=AssessmentState.APPROVED
        )
        .order_by("-assessment__period_end", "-pk")
        .values("pk")[:1]
    )
    rows = KpiRating.objects.filter(kpi_id__in=kpi_ids, pk=Subquery(latest)).select_related(
        "assessment", "kpi"
    )
    return {row.kpi_id: row for row in rows}


def _latest_results(sla_ids: set[int]) -> dict[int, SlaResult]:
    """Each SLA's result of its latest month with one, by SLA id, in one query whatever
    the number of SLAs; an SLA with no result is left out."""
    if not sla_ids:
        return {}
    latest = SlaResult.objects.filter(sla_id=OuterRef("sla_id")).order_by("-period").values("pk")
    rows = SlaResult.objects.filter(sla_id__in=sla_ids, pk=Subquery(latest[:1]))
    return {row.sla_id: row for row in rows}


def _lapsed(plan: RectificationPlan, today: date) -> tuple[date, str] | None:
    """When a plan's 30 days start and why, or None while it has not failed: the day it
    was closed as failed, or the day after it fell due when still open past that day."""
    if plan.state == PlanState.FAILED:
        return plan.closed_on, "closed as failed"
    if plan.due_date < today:
        return plan.due_date + timedelta(days=1), "open past its due date"
    return None


def poor_performance_flags_for(
    partnership_ids: Iterable[int], today: date
) -> dict[int, list[PoorPerformanceFlag]]:
    """``poor_performance_flags`` of many partnerships at once, by partnership id (every
    one named has a list, empty when nothing is flagged), in at most four queries
    whatever the number of partnerships and plans: the plans, their notices, the latest
    approved rating of the plans' KPIs and the latest result of the plans' SLAs."""
    flags: dict[int, list[PoorPerformanceFlag]] = {pk: [] for pk in partnership_ids}
    plans = (
        RectificationPlan.objects.filter(partnership_id__in=list(flags))
        .exclude(state=PlanState.MET)
        .select_related("sla", "kpi_rating__kpi", "kpi_rating__assessment")
        .prefetch_related("notices")
        .order_by("due_date", "pk")
    )
    lapsed = [(plan, when) for plan in plans if (when := _lapsed(plan, today))]
    ratings = _latest_approved_ratings(
        {plan.kpi_rating.kpi_id for plan, _ in lapsed if plan.kpi_rating_id}
    )
    results = _latest_results({plan.sla_id for plan, _ in lapsed if not plan.kpi_rating_id})
    for plan, (start, why) in lapsed:
        evidence = (
            _kpi_still_below(ratings.get(plan.kpi_rating.kpi_id) or plan.kpi_rating)
            if plan.kpi_rating_id
            else _sla_still_below(plan.sla, results.get(plan.sla_id))
        )
        if evidence is None:
            continue
        notice = next(
            (n for n in plan.notices.all() if n.kind == NoticeKind.POOR_PERFORMANCE), None
        )
        flags[plan.partnership_id].append(
            PoorPerformanceFlag(
                plan, why, start + timedelta(days=PUBLICATION_DAYS), evidence, notice
            )
        )
    return flags


def poor_performance_flags(partnership_id: int, today: date) -> list[PoorPerformanceFlag]:
    """Plans failed, or open past their due date, for a KPI or SLA that is still below
    target: the conditions for a notice under section 71(4)(b) may be met. The 30 days
    run from the failure (the day the plan was closed as failed, or the day after it
    fell due). A plan met, or whose KPI or SLA has since come back to target, is not
    flagged. One partnership's ``poor_performance_flags_for``."""
    return poor_performance_flags_for([partnership_id], today)[partnership_id]
