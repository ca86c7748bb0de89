"""Partnership pages that write: SLA results and their verification, milestones,
escalations and risks. Views wire forms to the services; no rule lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from departments import periods, roles
from departments.numbers import whole_number
from departments.return_views import error_list
from partnerships import selectors, services
from partnerships.forms import EscalationForm, MilestoneProgressForm, ReasonForm, RiskForm
from partnerships.models import Escalation, Milestone, Partnership, Risk, SlaResult


def _partnership(request: HttpRequest, pk: int) -> Partnership:
    partnership = get_object_or_404(Partnership.objects.visible_to(request.user), pk=pk)
    if not roles.may_see_partnership(request.user, partnership.pk):
        raise Http404("No such partnership.")
    return partnership


def _month(period_key: str) -> periods.Period:
    try:
        return periods.month_or_latest(period_key)
    except ValueError as error:
        raise Http404(str(error)) from error


@login_required
def sla_results(request: HttpRequest, pk: int, period_key: str) -> HttpResponse:
    """One month's results of every SLA: the partner enters them, SMT verifies them."""
    partnership = _partnership(request, pk)
    month = _month(period_key)
    may_enter = roles.may_enter_sla_results(request.user, partnership.pk)
    errors: list = []
    submitted: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied("Only the partner's contract manager enters SLA results.")
        rows = selectors.sla_month_rows(partnership_id=partnership.pk, period=month)
        errors, submitted = _enter_month(request, rows, month)
        if not errors:
            messages.success(request, f"SLA results for {month.label} saved.")
            return redirect("partnerships:sla-results", pk=partnership.pk, period_key=month.key)
    rows = selectors.sla_month_rows(partnership_id=partnership.pk, period=month)
    return render(
        request,
        "partnerships/sla_results.html",
        {
            "partnership": partnership,
            "month": month,
            "rows": rows,
            "errors": errors,
            "submitted": submitted,
            "may_enter": may_enter,
            "may_verify": roles.may_verify_sla_results(request.user),
            "deadline": month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS),
            "previous_month": month.previous(),
            "next_month": month.next(),
            "month_ended": month.has_ended(),
            "reason_form": ReasonForm(),
        },
        status=400 if errors else 200,
    )


def _enter_month(request, rows, month) -> tuple[list, dict]:
    """Save every filled-in SLA row of the form, all or nothing."""
    errors, submitted = [], {}
    with transaction.atomic():
        for row in rows:
            value = request.POST.get(f"value-{row.sla.pk}", "").strip()
            commentary = request.POST.get(f"commentary-{row.sla.pk}", "")
            submitted[row.sla.pk] = {"value": value, "commentary": commentary}
            # The grid sends every row back: an unchanged one is skipped here, from the
            # result already read, rather than costing the service three queries.
            if not value or services.result_unchanged(
                row.result, value=value, commentary=commentary
            ):
                continue
            version = request.POST.get(f"version-{row.sla.pk}", "")
            try:
                services.enter_sla_result(
                    sla=row.sla,
                    period_key=month.key,
                    actor=request.user,
                    value=value,
                    commentary=commentary,
                    expected_version=whole_number(version),
                )
            except ValidationError as error:
                for field, _, message in error_list(error):
                    anchor = f"{field}-{row.sla.pk}" if field in ("value", "commentary") else "main"
                    errors.append((field, anchor, f"{row.sla.code}: {message}"))
            except services.StaleResult as conflict:
                errors.append(("value", f"value-{row.sla.pk}", f"{row.sla.code}: {conflict}"))
        if errors:
            # Nothing of the month is kept when any row is wrong.
            transaction.set_rollback(True)
    return errors, submitted


def _result(request, pk: int) -> SlaResult:
    result = get_object_or_404(
        SlaResult.objects.visible_to(request.user).select_related("sla__service"), pk=pk
    )
    if not roles.may_see_partnership(request.user, result.sla.service.partnership_id):
        raise Http404("No such result.")
    return result


def _result_action(request, pk: int, action, success: str) -> HttpResponse:
    result = _result(request, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    kwargs = {"result": result, "actor": request.user, "expected_version": data.get("version")}
    if action is not services.verify_sla_result:
        kwargs["reason"] = data.get("reason", request.POST.get("reason", ""))
    if action is services.resolve_sla_dispute:
        kwargs["agreed_value"] = data.get("agreed_value")
    try:
        action(**kwargs)
    except ValidationError as error:
        for _, _, message in error_list(error):
            messages.error(request, f"{result.sla.code}: {message}")
    except services.StaleResult as conflict:
        messages.error(request, str(conflict))
    else:
        messages.success(request, f"{result.sla.code}: {success}")
    return redirect(
        "partnerships:sla-results", pk=result.sla.service.partnership_id, period_key=result.period
    )


@login_required
@require_POST
def result_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _result_action(request, pk, services.verify_sla_result, "result verified.")


@login_required
@require_POST
def result_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    return _result_action(request, pk, services.dispute_sla_result, "result disputed.")


@login_required
@require_POST
def result_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _result_action(request, pk, services.resolve_sla_dispute, "dispute resolved.")


@login_required
def records(request: HttpRequest, pk: int) -> HttpResponse:
    """Milestones (late ones flagged), escalations and the risk register."""
    partnership = _partnership(request, pk)
    may_manage = roles.may_manage_escalations(request.user, partnership.pk)
    escalation_form = EscalationForm(
        prefix="escalation", initial={"raised_on": timezone.localdate()}
    )
    risk_form = RiskForm(prefix="risk", initial={"raised_on": timezone.localdate()})
    errors: list = []
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(
                "Only SMT and the partner's manager raise escalations and risks."
            )
        kind = request.POST.get("kind")
        form = (
            EscalationForm(request.POST, prefix="escalation")
            if kind == "escalation"
            else RiskForm(request.POST, prefix="risk")
        )
        form.instance.partnership = partnership
        if form.is_valid():
            try:
                services.save_record(record=form.instance, actor=request.user)
            except ValidationError as error:
                # The service's messages (a text over the limit) go beside their fields too.
                for field, messages_ in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages_)
            else:
                messages.success(request, f"{form.instance.title} recorded.")
                return redirect("partnerships:records", pk=partnership.pk)
        errors = [
            (f, f"id_{form.prefix}-{f}" if f != NON_FIELD_ERRORS else "main", m)
            for f, ms in form.errors.items()
            for m in ms
        ]
        if kind == "escalation":
            escalation_form = form
        else:
            risk_form = form
    return render(
        request,
        "partnerships/records.html",
        {
            "partnership": partnership,
            "milestones": selectors.milestone_rows(partnership.pk),
            "escalations": Escalation.objects.filter(partnership=partnership).select_related(
                "raised_by"
            ),
            "risks": Risk.objects.filter(partnership=partnership).select_related("raised_by"),
            "may_manage": may_manage,
            "escalation_form": escalation_form,
            "risk_form": risk_form,
            "may_update_milestones": roles.may_enter_sla_results(request.user, partnership.pk),
            "milestone_form": MilestoneProgressForm(),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def milestone_progress(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.visible_to(request.user), pk=pk)
    form = MilestoneProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a state, and a delivery date for a delivered milestone.")
    else:
        try:
            services.update_milestone(
                milestone=milestone,
                actor=request.user,
                state=form.cleaned_data["state"],
                delivered_date=form.cleaned_data["delivered_date"],
            )
        except ValidationError as error:
            for _, _, message in error_list(error):
                messages.error(request, f"{milestone.title}: {message}")
        else:
            messages.success(request, f"{milestone.title}: progress recorded.")
    return redirect("partnerships:records", pk=milestone.partnership_id)
