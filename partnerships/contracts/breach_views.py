"""The pages of breach and poor-performance notices (section 71(4) of the Procurement Act
2023): the SMT records one and approves it; once approved, its notice is shown field by
field with its files. Views wire forms to ``breaches`` and ``breach_notices``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.form_errors import error_list, form_error_list
from departments import roles
from departments.periods import date_in_words
from partnerships.contracts import breach_notices, breaches, services
from partnerships.contracts.forms import PerformanceNoticeForm, WithdrawForm
from partnerships.contracts.models import PerformanceNotice, PlanState, RectificationPlan
from partnerships.pages import partnership_or_404

FIELD_IDS = {
    name: f"id_{name}"
    for name in (
        "kind",
        "what_happened",
        "occurred_on",
        "action_taken",
        "action_details",
        "damages",
        "plan",
    )
}


def _form(partnership, data=None, initial=None) -> PerformanceNoticeForm:
    form = PerformanceNoticeForm(data, initial=initial)
    plans = RectificationPlan.objects.filter(partnership=partnership).exclude(state=PlanState.MET)
    form.fields["plan"].choices = [
        ("", "None"),
        *(
            (
                str(p.pk),
                f"{p.action[:80]} (due {date_in_words(p.due_date)}, {p.get_state_display()})",
            )
            for p in plans.order_by("due_date", "pk")
        ),
    ]
    return form


@login_required
def notice_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The SMT records a breach or a failure to perform as a draft notice;
    ``?plan=<id>`` preselects the rectification plan a flag names."""
    partnership = partnership_or_404(request, pk)
    services.check_may_assess(request.user)
    form = _form(partnership, initial={"plan": request.GET.get("plan", "")})
    errors: list = []
    if request.method == "POST":
        form = _form(partnership, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            plan_id = data.pop("plan")
            plan = (
                get_object_or_404(RectificationPlan, pk=int(plan_id), partnership=partnership)
                if plan_id
                else None
            )
            try:
                notice = breaches.record_notice(
                    partnership=partnership, actor=request.user, plan=plan, **data
                )
            except ValidationError as error:
                errors = error_list(error, FIELD_IDS)
            else:
                messages.success(request, "Recorded as a draft: approve it to publish its notice.")
                return redirect("partnerships:performance-notice", pk=notice.pk)
        else:
            errors = form_error_list(form)
    return render(
        request,
        "partnerships/performance_notice_form.html",
        {"partnership": partnership, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A breach or poor-performance record; the SMT approves a draft, or withdraws one
    recorded in error, with a reason. Approved, its
    notice field by field with its files and their SHA-256; ``?file_format=json``,
    ``csv`` or ``pdf`` downloads the file."""
    found = get_object_or_404(
        PerformanceNotice.objects.visible_to(request.user).select_related("partnership", "plan"),
        pk=pk,
    )
    errors: list = []
    if request.method == "POST":
        services.check_may_assess(request.user)
        try:
            if request.POST.get("action") == "withdraw":
                breaches.withdraw_notice(
                    notice=found, actor=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, "The draft was withdrawn.")
                return redirect("partnerships:contract", pk=found.partnership_id)
            breaches.approve_notice(notice=found, actor=request.user)
        except ValidationError as error:
            errors = error_list(error, {"reason": "id_reason"})
        else:
            messages.success(request, "Approved: the notice is ready to publish.")
            return redirect("partnerships:performance-notice", pk=found.pk)
    context = {
        "record": found,
        "partnership": found.partnership,
        "may_assess": roles.may_assess_contract(request.user),
        "errors": errors,
        "reason_form": WithdrawForm(request.POST if errors else None),
        "problems": [],
    }
    if found.is_approved:
        try:
            fields = breach_notices.notice_fields(found)
        except ValidationError as error:
            # A missing approval date and the like: no field of this page fixes them.
            context["problems"] = error_list(error, anchor="")
        else:
            file_format = request.GET.get("file_format")
            if file_format in breach_notices.NOTICE_FORMATS:
                return breach_notices.NOTICE_FORMATS[file_format](found).download()
            formats = sorted(breach_notices.NOTICE_FORMATS)
            context["lines"] = breach_notices.notice_lines(fields)
            context["files"] = [(f, breach_notices.NOTICE_FORMATS[f](found)) for f in formats]
    return render(
        request,
        "partnerships/performance_notice.html",
        context,
        status=400 if errors else 409 if context["problems"] else 200,
    )
