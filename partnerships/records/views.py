"""The records page of a partnership: milestones (late ones flagged), escalations and the
risk register. Views wire forms to the services; no rule lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.form_errors import error_list, form_error_list
from departments import roles
from partnerships.models import Escalation, Milestone, Risk
from partnerships.pages import partnership_or_404
from partnerships.records import selectors, services
from partnerships.records.filters import EscalationFilter, RiskFilter
from partnerships.records.forms import EscalationForm, MilestoneProgressForm, RiskForm


@login_required
def records(request: HttpRequest, pk: int) -> HttpResponse:
    """Milestones (late ones flagged), escalations and the risk register."""
    partnership = partnership_or_404(request, pk)
    may_manage = roles.may_manage_escalations(request.user, partnership.pk)
    escalation_form = EscalationForm(
        prefix="escalation", initial={"raised_on": timezone.localdate()}
    )
    risk_form = RiskForm(prefix="risk", initial={"raised_on": timezone.localdate()})
    errors: list = []
    if request.method == "POST":
        services.check_may_manage_records(request.user, partnership.pk)
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
        errors = form_error_list(form)
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
            # As /api/v1/escalations/?partnership=<pk> and /api/v1/risks/ list them.
            "escalations": EscalationFilter(
                {"partnership": partnership.pk},
                queryset=Escalation.objects.visible_to(request.user),
            ).qs.select_related("raised_by"),
            "risks": RiskFilter(
                {"partnership": partnership.pk}, queryset=Risk.objects.visible_to(request.user)
            ).qs.select_related("raised_by"),
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
