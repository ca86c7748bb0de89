"""The contract pages: the contract's KPIs and assessments, an assessment's review and
approval, and its notice. Views wire forms to the services; no rule lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.digits import whole_number
from core.form_errors import error_list, form_error_list
from departments import roles
from departments.numbers import format_figure
from departments.periods import date_in_words
from partnerships.contracts import notices, plans, selectors, services
from partnerships.contracts.forms import (
    PlanCloseForm,
    PlanForm,
    PlanProgressForm,
    RateForm,
    ReopenForm,
    StartAssessmentForm,
)
from partnerships.contracts.models import Assessment, KpiMeasure, KpiRating, RectificationPlan
from partnerships.contracts.ratings import RATING_MEANINGS, Rating
from partnerships.models import Sla
from partnerships.pages import partnership_or_404


@login_required
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's details, its section-52 KPIs with their rating thresholds, and its
    assessments; the SMT starts an assessment here."""
    partnership = partnership_or_404(request, pk)
    may_assess = roles.may_assess_contract(request.user)
    today = timezone.localdate()
    form = StartAssessmentForm()
    plan_form = _plan_form(partnership)
    errors: list = []
    if request.method == "POST" and request.POST.get("kind") == "plan":
        services.check_may_assess(request.user)
        plan_form = _plan_form(partnership, request.POST)
        if plan_form.is_valid():
            target, _, pk = plan_form.cleaned_data["answers"].partition(":")
            try:
                plans.record_plan(
                    partnership=partnership,
                    actor=request.user,
                    action=plan_form.cleaned_data["action"],
                    owner=plan_form.cleaned_data["owner"],
                    due_date=plan_form.cleaned_data["due_date"],
                    **_plan_target(partnership, target, int(pk)),
                )
            except ValidationError as error:
                errors = error_list(error, {"kpi_rating": "id_answers", "sla": "id_answers"})
            else:
                messages.success(request, "Rectification plan recorded.")
                return redirect("partnerships:contract", pk=partnership.pk)
        else:
            errors = form_error_list(plan_form)
    elif request.method == "POST":
        services.check_may_assess(request.user)
        form = StartAssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.start_assessment(
                    partnership=partnership, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                errors = error_list(
                    error, {"period_start": "id_period_start", "period_end": "id_period_end"}
                )
            else:
                messages.success(request, "Assessment started: the ratings are proposed.")
                return redirect("partnerships:assessment", pk=assessment.pk)
        else:
            errors = form_error_list(form)
    # Read once: the page lists the flags, and the notice owed for each is among those due.
    flags = plans.poor_performance_flags(partnership.pk, today)
    return render(
        request,
        "partnerships/contract.html",
        {
            "partnership": partnership,
            "kpis": selectors.contract_kpis(partnership.pk),
            "kpi_problem": services.kpi_count_problem(partnership),
            "notice_due": selectors.next_notice_due(
                partnership,
                today,
                drafts=roles.scope_for(request.user).council_wide,
                flags=flags,
            ),
            "assessments": selectors.assessments_for(request.user, partnership.pk),
            "may_assess": may_assess,
            "may_set_kpis": services.may_set_kpis(request.user),
            "form": form,
            "plan_form": plan_form,
            "plans": selectors.plans_of(partnership.pk),
            "performance_notices": selectors.performance_notices_for(request.user, partnership.pk),
            "flags": flags,
            "may_progress": roles.may_manage_escalations(request.user, partnership.pk),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _plan_form(partnership, data=None) -> PlanForm:
    """The plan form, its choices the contract's SLAs and its KPI ratings below target."""
    form = PlanForm(data)
    below = plans.plannable_ratings(partnership.pk)
    slas = Sla.objects.filter(service__partnership=partnership).order_by("code")
    form.fields["answers"].choices = [
        *(
            (
                f"rating:{r.pk}",
                f"{r.kpi.title}, rated {r.get_rating_display()} "
                f"({date_in_words(r.assessment.period_start)} to "
                f"{date_in_words(r.assessment.period_end)})",
            )
            for r in below
        ),
        *((f"sla:{s.pk}", f"SLA {s.code} {s.title}") for s in slas),
    ]
    return form


def _plan_target(partnership, target: str, pk: int) -> dict:
    if target == "rating":
        return {"kpi_rating": get_object_or_404(KpiRating, pk=pk)}
    return {"sla": get_object_or_404(Sla, pk=pk, service__partnership=partnership)}


@login_required
@require_POST
def plan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The partner's manager (or the SMT) records a plan's progress."""
    plan = get_object_or_404(RectificationPlan.objects.visible_to(request.user), pk=pk)
    form = PlanProgressForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"progress": "Describe the progress made."})
        plans.update_progress(plan=plan, actor=request.user, progress=form.cleaned_data["progress"])
    except ValidationError as error:
        for _, _, message in error_list(error):
            messages.error(request, message)
    else:
        messages.success(request, "Progress recorded.")
    return redirect("partnerships:contract", pk=plan.partnership_id)


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The SMT closes a plan as met or failed, with a reason."""
    plan = get_object_or_404(RectificationPlan.objects.visible_to(request.user), pk=pk)
    services.check_may_assess(request.user)
    form = PlanCloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": "Choose met or failed and give the reason."})
        plans.close_plan(plan=plan, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        for _, _, message in error_list(error):
            messages.error(request, message)
    else:
        messages.success(request, "Plan closed.")
    return redirect("partnerships:contract", pk=plan.partnership_id)


# The columns of a milestones KPI's evidence that hold ISO dates (evidence.milestone_evidence).
MILESTONE_DATE_COLUMNS = (1, 2)


def _evidence_rows_in_words(rating: KpiRating) -> list[list[str]]:
    """The evidence rows as the page shows them: a milestone's due and delivered dates in
    words (the stored evidence, and the API, keep them ISO)."""
    rows = rating.evidence.get("rows", [])
    if rating.kpi.measure != KpiMeasure.MILESTONES:
        return rows
    return [
        [
            notices.iso_in_words(cell) if n in MILESTONE_DATE_COLUMNS and cell else cell
            for n, cell in enumerate(cells)
        ]
        for cells in rows
    ]


def _assessment_or_404(request: HttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.visible_to(request.user).select_related("partnership"), pk=pk
    )


@login_required
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """An assessment's proposal per KPI with its evidence and the rating thresholds; the
    SMT rates each KPI, approves, or reopens an approved assessment."""
    found = _assessment_or_404(request, pk)
    ratings = selectors.ratings_of(found)
    errors: list = []
    rating_errors: dict[int, list] = {}
    if request.method == "POST":
        services.check_may_assess(request.user)
        action = request.POST.get("action")
        try:
            if action == "rate":
                rating_id = whole_number(request.POST.get("rating_id")) or 0
                row = get_object_or_404(found.ratings, pk=rating_id)
                form = RateForm(request.POST, prefix=f"kpi{row.pk}")
                if not form.is_valid():
                    raise ValidationError({k: list(v) for k, v in form.errors.items()})
                services.rate(
                    rating=row,
                    actor=request.user,
                    value=form.cleaned_data["rating"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, f"{row.kpi.title}: rating recorded.")
            elif action == "propose":
                services.propose(assessment=found, actor=request.user)
                messages.success(request, "The evidence was read again and ratings proposed.")
            elif action == "approve":
                services.approve(assessment=found, actor=request.user)
                messages.success(request, "Assessment approved: it is locked and its notice ready.")
            elif action == "reopen":
                services.reopen(
                    assessment=found, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "Assessment reopened.")
        except ValidationError as error:
            if action == "rate":
                rating_errors[row.pk] = error_list(
                    error, {"rating": f"id_kpi{row.pk}-rating", "reason": f"id_kpi{row.pk}-reason"}
                )
                errors = rating_errors[row.pk]
            else:
                errors = error_list(error, {"reason": "id_reason"})
        else:
            return redirect("partnerships:assessment", pk=found.pk)
    rows = [
        {
            "rating": r,
            "kpi": (kpi := selectors.kpi_as_assessed(found, r)),
            "form": RateForm(
                request.POST if r.pk in rating_errors else None,
                prefix=f"kpi{r.pk}",
                initial={"rating": r.rating or r.proposed_rating, "reason": r.reason},
            ),
            "errors": rating_errors.get(r.pk, []),
            "proposed_label": Rating(r.proposed_rating).label if r.proposed_rating else "",
            "meaning": RATING_MEANINGS[Rating(r.rating)] if r.rating else "",
            "thresholds": kpi.thresholds.described(),
            "score": format_figure(r.score, 1) if r.score is not None else "No evidence",
            "serious_share": format_figure(r.serious_share, 1)
            if r.serious_share is not None
            else "",
            # Rows by month link each month to where its figures come from.
            "sla_rows": r.kpi.measure in (KpiMeasure.SLAS, KpiMeasure.CONTRACT_HEALTH),
            "health_rows": r.kpi.measure == KpiMeasure.CONTRACT_HEALTH,
            "evidence_rows": _evidence_rows_in_words(r),
        }
        for r in ratings
    ]
    return render(
        request,
        "partnerships/assessment.html",
        {
            "assessment": found,
            "partnership": found.partnership,
            "rows": rows,
            "may_assess": roles.may_assess_contract(request.user),
            "reopen_form": ReopenForm(request.POST if errors and not rating_errors else None),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice of an approved assessment, field by field, with its files and their
    SHA-256; ``?file_format=json`` or ``csv`` downloads the file."""
    found = _assessment_or_404(request, pk)
    file_format = request.GET.get("file_format")
    try:
        fields = notices.notice_fields(found)
    except ValidationError as error:
        return render(
            request,
            "partnerships/notice.html",
            {
                "assessment": found,
                "partnership": found.partnership,
                # Missing ratings and the like: no field of this page fixes them.
                "problems": error_list(error, anchor=""),
            },
            status=409,
        )
    # The fields read above build every file: not read again for each.
    if file_format in notices.NOTICE_FORMATS:
        return notices.NOTICE_FORMATS[file_format](found, fields=fields).download()
    formats = sorted(notices.NOTICE_FORMATS)
    files = [notices.NOTICE_FORMATS[f](found, fields=fields) for f in formats]
    return render(
        request,
        "partnerships/notice.html",
        {
            "assessment": found,
            "partnership": found.partnership,
            "lines": notices.notice_lines(fields),
            "kpi_rows": notices.notice_kpi_rows(fields),
            "files": list(zip(formats, files, strict=True)),
        },
    )
