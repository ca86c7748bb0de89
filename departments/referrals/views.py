"""Referral pages: a department's incoming and outgoing lists, raising one, and the
receiving department's acknowledge and resolve actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.digits import whole_number
from core.form_errors import error_list, form_error_list
from core.pagination import KnownCountPaginator
from departments import roles
from departments.models import Channel, Department, Referral
from departments.referrals import selectors
from departments.referrals import services as referral_services
from departments.referrals.filters import REFERRAL_STATES, ReferralFilter
from departments.referrals.forms import RaiseReferralForm


def _department_for(request) -> Department:
    scope = roles.scope_for(request.user)
    if not scope.sees_departments:
        raise PermissionDenied("Referrals are the council's departments' records.")
    departments = Department.objects.visible_to(request.user)
    chosen = request.GET.get("department")
    if (chosen_id := whole_number(chosen)) is not None:
        return get_object_or_404(departments, pk=chosen_id)
    if scope.department_ids:
        return departments.get(pk=min(scope.department_ids))
    first = departments.order_by("name").first()
    if first is None:
        raise Http404("You have no department's referrals to see.")
    return first


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """One department's referrals received or sent, with the filters of the API's
    referrals list (``ReferralFilter``); a filter value it does not know is a 404."""
    department = _department_for(request)
    direction = "outgoing" if request.GET.get("direction") == "outgoing" else "incoming"
    wanted = request.GET.copy()
    wanted["department"], wanted["direction"] = str(department.pk), direction
    filters = ReferralFilter(wanted, queryset=Referral.objects.visible_to(request.user))
    if not filters.is_valid():
        raise Http404(" ".join(m for ms in filters.form.errors.values() for m in ms))
    page = KnownCountPaginator(
        selectors.open_first(filters.qs),
        50,
        known_count=selectors.count_from_summaries(filters, request.user),
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "departments/referrals.html",
        {
            "department": department,
            "direction": direction,
            "page": page,
            "today": timezone.localdate(),
            "states": REFERRAL_STATES,
            "channels": Channel.choices,
            "departments": Department.objects.visible_to(request.user),
            "all_departments": Department.objects.filter(is_active=True),
            "filters": request.GET,
            "may_handle": roles.may_handle_referral(request.user, department.pk),
            "may_raise": roles.may_raise_referral(request.user, department.pk),
        },
    )


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    form = RaiseReferralForm(
        request.POST or None, user=request.user, initial={"raised_on": timezone.localdate()}
    )
    if not form.fields["from_department"].queryset.exists():
        raise PermissionDenied("Only officers and heads of service raise referrals.")
    errors: list = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = referral_services.raise_referral(
                    actor=request.user,
                    from_department=data["from_department"],
                    to_department=data["to_department"],
                    category=data["category"],
                    raised_on=data["raised_on"],
                    agreed_days=data["agreed_days"],
                    channel=data["channel"],
                )
            except ValidationError as error:
                errors = error_list(error, {name: f"id_{name}" for name in form.fields})
            else:
                messages.success(request, f"Referral to {referral.to_department} raised.")
                return redirect(
                    f"/referrals/?department={referral.from_department_id}&direction=outgoing"
                )
        else:
            errors = form_error_list(form)
    return render(
        request,
        "departments/referral_form.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


def _handle(request, pk: int, action, done: str) -> HttpResponse:
    referral = get_object_or_404(Referral.objects.visible_to(request.user), pk=pk)
    try:
        action(actor=request.user, referral=referral)
    except ValidationError as error:
        for _, _, message in error_list(error):
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(f"/referrals/?department={referral.to_department_id}&direction=incoming")


@login_required
@require_POST
def referral_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _handle(request, pk, referral_services.acknowledge_referral, "Referral acknowledged.")


@login_required
@require_POST
def referral_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _handle(request, pk, referral_services.resolve_referral, "Referral resolved.")
