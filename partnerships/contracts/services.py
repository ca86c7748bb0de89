"""Writes of contract KPIs and their assessments (Procurement Act 2023, sections 52 and
71). Each function checks the role (departments.roles), validates, writes atomically and
names who did it and why in the audit trail (django-simple-history)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.concurrency import Conflict
from departments import history, roles
from departments.numbers import text_errors
from departments.periods import date_in_words, years_after
from partnerships.contracts import notices
from partnerships.contracts.details import assessment_details
from partnerships.contracts.evidence import evidence_for
from partnerships.contracts.models import (
    SECTION_52_MINIMUM_KPIS,
    Assessment,
    AssessmentKind,
    AssessmentState,
    ContractKpi,
    KpiMeasure,
    KpiRating,
)
from partnerships.contracts.ratings import Rating, proposed_rating
from partnerships.models import Partnership, Sla

# The exact score (and serious share) is stored to four decimal places, the field's, cut
# rather than rounded: the pages show the stored figure rounded half-up to one place, and
# only a cut keeps that the same as the proposal's rounding of the exact figure (43.74995
# is proposed as 43.7; rounded to 43.7500 and then to one place it would be shown as
# 43.8). Scores and shares are never negative, so the cut is a floor.
SCORE_PLACES = Decimal("0.0001")


def _stored(exact: Decimal | None) -> Decimal | None:
    """``exact`` (0 to 100) cut to the field's four places; None stays None."""
    return None if exact is None else exact.quantize(SCORE_PLACES, rounding=ROUND_DOWN)


ASSESS_REFUSED = "Only the SMT (or an administrator) assesses the contract's performance."
KPIS_REFUSED = "Only an administrator sets the contract's KPIs."


def check_may_assess(actor) -> None:
    """PermissionDenied unless ``actor`` assesses contracts (roles.may_assess_contract);
    the API and the pages ask it before reading what was sent."""
    if not roles.may_assess_contract(actor):
        raise PermissionDenied(ASSESS_REFUSED)


def may_set_kpis(actor) -> bool:
    """Whether ``actor`` sets and changes the contract's KPIs: reference data, the
    administrator's (roles.may_change_reference_data). The contract page offers the
    links to those who may."""
    return roles.may_change_reference_data(actor)


def check_may_set_kpis(actor) -> None:
    """PermissionDenied unless ``actor`` sets the contract's KPIs (``may_set_kpis``); the
    service, the API and the KPI page ask it, the last two before reading what was sent."""
    if not may_set_kpis(actor):
        raise PermissionDenied(KPIS_REFUSED)


def kpi_count_problem(partnership: Partnership) -> str | None:
    """Why the contract's active KPIs are too few to assess, or None: at least three when
    section 52 applies (section 52(1)), at least one otherwise."""
    count = ContractKpi.objects.filter(partnership=partnership, active=True).count()
    if partnership.section_52_applies and count < SECTION_52_MINIMUM_KPIS:
        return (
            f"Section 52 of the Procurement Act 2023 requires at least "
            f"{SECTION_52_MINIMUM_KPIS} key performance indicators for this contract "
            f"(estimated value over £5 million, no exemption recorded); it has {count}."
        )
    if count == 0:
        return "The contract has no key performance indicators to assess: set at least one."
    return None


def kpi_slas_problem(kpi: ContractKpi, slas: list[Sla]) -> str | None:
    """Why ``slas`` cannot build ``kpi``, or None: a KPI of service levels names at least
    one SLA of its own partnership; one of milestones names none. The service and the
    admin's form both ask it."""
    if kpi.measure == KpiMeasure.SLAS and not slas:
        return "Choose at least one SLA the KPI is built from."
    if kpi.measure != KpiMeasure.SLAS and slas:
        return f"A KPI of {KpiMeasure(kpi.measure).label.lower()} is not built from SLAs."
    if foreign := [s.code for s in slas if s.service.partnership_id != kpi.partnership_id]:
        return f"These SLAs belong to another partnership: {', '.join(foreign)}."
    return None


@transaction.atomic
def save_contract_kpi(*, kpi: ContractKpi, actor, slas: Iterable[Sla] = ()) -> ContractKpi:
    """Set or change one of the contract's KPIs (administrators: reference data). A KPI
    built from service levels names at least one SLA of its own partnership; one built
    from milestones names none."""
    check_may_set_kpis(actor)
    slas = list(slas)
    if long_texts := text_errors(description=(kpi.description, "Description")):
        raise ValidationError(long_texts)
    if problem := kpi_slas_problem(kpi, slas):
        raise ValidationError({"slas": problem})
    # Checked here to name the field: the database's unique constraint spans two fields,
    # so full_clean would report it under no field at all.
    title = (kpi.title or "").strip()
    twins = ContractKpi.objects.filter(partnership_id=kpi.partnership_id, title=title)
    if title and twins.exclude(pk=kpi.pk).exists():
        raise ValidationError(
            {"title": f"The contract already has a KPI titled “{title}”: give another title."}
        )
    kpi.full_clean()
    history.attribute(kpi, actor, "Set" if kpi.pk is None else "Changed")
    kpi.save()
    kpi.slas.set(slas)
    return kpi


def anniversary_period(partnership: Partnership, anniversary: date) -> tuple[date, date]:
    """The 12 months to ``anniversary`` of the contract start: from the same day a year
    earlier to the day before the anniversary, both included."""
    start = partnership.start_date
    if (anniversary.month, anniversary.day) != (start.month, start.day) or (
        anniversary.year <= start.year
    ):
        raise ValidationError(
            {
                "period_end": f"An anniversary of the contract start falls on "
                f"{start:%-d %B} of a later year than {start.year}."
            }
        )
    return years_after(anniversary, -1), anniversary - timedelta(days=1)


def _period_for(
    partnership: Partnership, kind: str, period_start: date | None, period_end: date | None
) -> tuple[date, date]:
    if kind == AssessmentKind.ANNIVERSARY:
        if period_end is None:
            raise ValidationError({"period_end": "Give the anniversary the assessment runs to."})
        return anniversary_period(partnership, period_end)
    if kind == AssessmentKind.TERMINATION:
        end = period_end or partnership.end_date
        if period_start is None:
            last = (
                Assessment.objects.filter(partnership=partnership, period_end__lt=end)
                .order_by("-period_end")
                .values_list("period_end", flat=True)
                .first()
            )
            period_start = last + timedelta(days=1) if last else partnership.start_date
        return period_start, end
    if period_start is None or period_end is None:
        raise ValidationError({"period_start": "Give the first and last day the period covers."})
    return period_start, period_end


@transaction.atomic
def start_assessment(
    *,
    partnership: Partnership,
    actor,
    kind: str,
    period_start: date | None = None,
    period_end: date | None = None,
    today: date | None = None,
) -> Assessment:
    """Open a draft assessment of the contract's KPIs over one period and propose a rating
    per KPI from the evidence. Refused when the contract has too few KPIs."""
    check_may_assess(actor)
    if problem := kpi_count_problem(partnership):
        raise ValidationError({"kpis": problem})
    start, end = _period_for(partnership, kind, period_start, period_end)
    if end < start:
        raise ValidationError({"period_end": "The period cannot end before it starts."})
    if start < partnership.start_date or end > partnership.end_date:
        raise ValidationError(
            {
                "period_start": "The period must lie within the contract term ("
                f"{date_in_words(partnership.start_date)} to "
                f"{date_in_words(partnership.end_date)}).",
            }
        )
    assessment = Assessment(partnership=partnership, kind=kind, period_start=start, period_end=end)
    assessment.full_clean()
    history.attribute(assessment, actor, "Started")
    assessment.save()
    return propose(assessment=assessment, actor=actor, today=today)


def _locked_for_update(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().get(pk=assessment.pk)


def _check_draft(assessment: Assessment) -> None:
    if assessment.state != AssessmentState.DRAFT:
        raise Conflict(
            "The assessment is approved and locked: reopen it, with a reason, to change it."
        )


@transaction.atomic
def propose(*, assessment: Assessment, actor, today: date | None = None) -> Assessment:
    """Read the evidence again and propose a rating per active KPI (draft only). A rating
    the SMT already chose stays; a KPI no longer active drops out of the draft, unless a
    rectification plan answers its rating here (a reopened assessment): that rating was
    published and the plan needs it, so it stays and is proposed again."""
    check_may_assess(actor)
    assessment = _locked_for_update(assessment)
    _check_draft(assessment)
    today = today or timezone.localdate()
    kpis = list(
        ContractKpi.objects.filter(partnership=assessment.partnership_id)
        .filter(Q(active=True) | Q(ratings__assessment=assessment, ratings__plans__isnull=False))
        .distinct()
        .order_by("pk")
    )
    assessment.ratings.exclude(kpi__in=kpis).delete()
    existing = {r.kpi_id: r for r in assessment.ratings.all()}
    for kpi in kpis:
        found = evidence_for(
            kpi, period_start=assessment.period_start, period_end=assessment.period_end, today=today
        )
        row = existing.get(kpi.pk) or KpiRating(assessment=assessment, kpi=kpi)
        proposal = proposed_rating(
            score=found.score, serious_share=found.serious_share, thresholds=kpi.thresholds
        )
        row.proposed_rating = proposal or ""
        row.score = _stored(found.score)
        row.serious_share = _stored(found.serious_share)
        row.evidence = found.as_json()
        history.attribute(row, actor, "Proposed from the evidence")
        row.save()
    assessment.proposed_on = today
    assessment.version += 1
    history.attribute(assessment, actor, "Evidence read and ratings proposed")
    assessment.save()
    return assessment


def reason_problem(*, value: str, proposed: str, reason: str) -> str | None:
    """Why a rating of ``value`` needs a reason it lacks, or None: the one rule, asked when
    the SMT rates and again at approval against the latest proposal (the evidence may have
    changed since). A reason is required for Other (regulation 39(5)(e)) and whenever the
    rating differs from the proposal (or there is none)."""
    if reason:
        return None
    if value == Rating.OTHER:
        return "Explain the rating Other: performance the four ratings cannot describe."
    if value != proposed:
        label = Rating(proposed).label if proposed else "none"
        return f"Give a reason for rating {Rating(value).label} when the evidence proposes {label}."
    return None


@transaction.atomic
def rate(*, rating: KpiRating, actor, value: str, reason: str = "") -> KpiRating:
    """The SMT accepts or changes one KPI's rating. A reason is required when the rating
    differs from the proposal (or there is none) and for Other (regulation 39(5)(e))."""
    check_may_assess(actor)
    assessment = _locked_for_update(rating.assessment)
    _check_draft(assessment)
    rating = KpiRating.objects.select_for_update().get(pk=rating.pk)
    reason = (reason or "").strip()
    if value not in Rating.values:
        raise ValidationError(
            {"rating": f"Choose one of: {', '.join(str(r.label) for r in Rating)}."}
        )
    if long_texts := text_errors(reason=(reason, "Reason")):
        raise ValidationError(long_texts)
    if problem := reason_problem(value=value, proposed=rating.proposed_rating, reason=reason):
        raise ValidationError({"reason": problem})
    rating.rating = value
    rating.reason = reason
    rating.rated_by = actor
    history.attribute(rating, actor, reason or "Proposal accepted")
    rating.save()
    return rating


@transaction.atomic
def approve(*, assessment: Assessment, actor) -> Assessment:
    """Approve the assessment: every KPI rated; it locks, and gives the notice."""
    check_may_assess(actor)
    assessment = _locked_for_update(assessment)
    _check_draft(assessment)
    ratings = list(assessment.ratings.select_related("kpi"))
    if not ratings:
        raise ValidationError("The assessment has no KPIs to approve: propose the ratings first.")
    if unrated := [r.kpi.title for r in ratings if not r.rating]:
        raise ValidationError(
            {"ratings": f"Rate every KPI first; not yet rated: {', '.join(unrated)}."}
        )
    if unexplained := [
        f"{r.kpi.title} ({problem})"
        for r in ratings
        if (problem := reason_problem(value=r.rating, proposed=r.proposed_rating, reason=r.reason))
    ]:
        raise ValidationError(
            {
                "ratings": "The evidence has changed since these KPIs were rated: rate them "
                f"again, with a reason where the rating differs: {'; '.join(unexplained)}"
            }
        )
    assessment.state = AssessmentState.APPROVED
    # The notice is built from what was approved, not from the details as they change.
    assessment.notice_details = assessment_details(assessment)
    assessment.approved_by = actor
    assessment.approved_at = timezone.now()
    assessment.version += 1
    _keep_published(assessment)
    history.attribute(assessment, actor, "Approved")
    assessment.save()
    return assessment


def _keep_published(assessment: Assessment) -> None:
    """Keep the notice this approval publishes in the snapshot: its JSON file's text
    (every field, in the regulation's order: ``json.loads`` gives them back for the CSV
    and PDF) and the SHA-256 of its JSON and CSV files. The text, not the fields: a
    PostgreSQL jsonb column keeps no key order, so fields stored as an object would come
    back reordered and rebuild other bytes. The audit trail keeps every version of the
    snapshot, so a reopened assessment's earlier notice stays retrievable, byte for byte.
    Nothing is kept while the contract's details are incomplete, as no notice can be
    built then."""
    try:
        fields = notices.notice_fields(assessment)
    except ValidationError:
        return
    # Built once for both files: the fields read every rating and KPI.
    published = notices.notice_json(assessment, fields=fields)
    assessment.notice_details["published"] = {
        "sha256": {
            "json": published.sha256,
            "csv": notices.notice_csv(assessment, fields=fields).sha256,
        },
        "json": published.content.decode("utf-8"),
    }


@transaction.atomic
def reopen(*, assessment: Assessment, actor, reason: str) -> Assessment:
    """Reopen an approved assessment, with a reason; its history keeps the approval."""
    check_may_assess(actor)
    assessment = _locked_for_update(assessment)
    reason = (reason or "").strip()
    if assessment.state != AssessmentState.APPROVED:
        raise Conflict("Only an approved assessment can be reopened: this one is a draft.")
    if not reason:
        raise ValidationError({"reason": "Give the reason for reopening the assessment."})
    if long_texts := text_errors(reason=(reason, "Reason")):
        raise ValidationError(long_texts)
    assessment.state = AssessmentState.DRAFT
    assessment.approved_by = None
    assessment.approved_at = None
    assessment.version += 1
    history.attribute(assessment, actor, f"Reopened: {reason}")
    assessment.save()
    return assessment
