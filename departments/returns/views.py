"""The returns pages: My returns, entering a return, its page and history, the workflow
actions and SMT's sign-off. Views wire forms to the services and selectors; no rule
lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.digits import whole_number
from core.form_errors import error_list, form_error_list
from core.words import plural
from departments import periods, roles
from departments.forecasts import forecast_of
from departments.models import (
    Department,
    KpiReturn,
    PerformanceIndicator,
    PeriodSignOff,
    ReturnState,
)
from departments.numbers import plain_figure
from departments.periods import date_in_words
from departments.returns import selectors, services, sign_off
from departments.returns.changes import ENTERED_FIELDS
from departments.returns.filters import EVERY_PERIOD, ReturnFilter
from departments.returns.forms import ReasonForm, ReturnForm, SignOffForm
from departments.returns.services import StaleVersion

FIELD_IDS = {
    "value": "id_value",
    "numerator": "id_numerator",
    "denominator": "id_denominator",
    "commentary": "id_commentary",
    "improvement_action": "id_improvement_action",
    "forecast_value": "id_forecast_value",
    "forecast_confidence": "id_forecast_confidence",
    "forecast_note": "id_forecast_note",
    "reason": "id_reason",
    "period": "period-error",
    "state": "state-error",
    "department": "id_department",
    "__all__": "main",
}


RETURNS_PER_PAGE = 100


@login_required
@roles.role_required
def my_returns(request: HttpRequest) -> HttpResponse:
    """The returns owed for one period (by default the latest closed month), with the
    filters of the API's returns list (``ReturnFilter``); a row may have no return yet.
    A council's thousand returns are shown a page of ``RETURNS_PER_PAGE`` at a time, in
    the same order, grouped by department within the page. With ``period=all`` and a
    workflow state it lists the stored returns in that state across every period (the
    homes link their work queues here)."""
    user = request.user
    scope = roles.scope_for(user)
    # "period=all" lists the stored returns in one workflow state whatever their period:
    # the homes' work queues (returns sent back, waiting for approval) span periods.
    every_period = request.GET.get("period") == EVERY_PERIOD
    query = request.GET.copy()
    if every_period:
        query.pop("period")
    filters = ReturnFilter(
        query if query or every_period else None, queryset=KpiReturn.objects.visible_to(user)
    )
    form = filters.form
    wanted = form.cleaned_data if filters.is_bound and filters.is_valid() else {}
    if every_period and wanted.get("state") not in ReturnState.values:
        form.add_error(
            "state",
            "Every period lists returns in a workflow state: choose draft, submitted, "
            "approved, sent back or locked",
        )
        wanted, every_period = {}, False
    period = wanted.get("period") or periods.latest_closed(periods.PeriodKind.MONTH)
    if every_period:
        rows = selectors.stored_return_rows(filters.qs)
    else:
        indicators = PerformanceIndicator.objects.visible_to(user)
        if wanted.get("department") is not None:
            indicators = indicators.filter(department=wanted["department"])
        if wanted.get("indicator") is not None:
            indicators = indicators.filter(pk=wanted["indicator"].pk)
        rows = selectors.return_rows(
            indicators=indicators, period=period, state=wanted.get("state") or None
        )
        if wanted.get("financial_year") not in (None, period.year):
            rows = []  # every row of the page belongs to the period's financial year
    page = Paginator(rows, RETURNS_PER_PAGE).get_page(request.GET.get("page"))
    groups: dict[Department, list] = {}
    for row in page:
        groups.setdefault(row.indicator.department, []).append(row)
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "departments/my_returns.html",
        {
            "form": form,
            "period": period,
            "every_period": every_period,
            "state_label": dict(ReturnState.choices).get(wanted.get("state"), ""),
            "groups": groups,
            "row_count": len(rows),
            "page": page,
            "filters_query": kept.urlencode(),
            "errors": form_error_list(form) if form.is_bound else [],
            "field_errors": dict(form.errors.items()) if form.is_bound else {},
            "can_sign_off": roles.may_sign_off(user),
            "council_wide": scope.council_wide,
            "previous_period": period.previous(),
            "next_period": period.next(),
        },
    )


def _editable_indicator(request, indicator_id: int) -> PerformanceIndicator:
    return get_object_or_404(
        PerformanceIndicator.objects.visible_to(request.user).select_related("department"),
        pk=indicator_id,
    )


@login_required
def return_edit(request: HttpRequest, indicator_id: int, period_key: str) -> HttpResponse:
    indicator = _editable_indicator(request, indicator_id)
    try:
        period = periods.Period.parse(period_key)
    except ValueError as error:
        raise Http404(str(error)) from error
    kpi_return = KpiReturn.objects.filter(indicator=indicator, period=period.key).first()
    may_edit = roles.may_edit_returns(request.user, indicator.department_id)
    errors: list = []
    stale: StaleVersion | None = None
    form = ReturnForm(initial=_initial(kpi_return))
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("You can read this return but not change it.")
        form = ReturnForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.save_return(
                    indicator=indicator,
                    period_key=period.key,
                    actor=request.user,
                    **_shown_fields(request, data),
                    # A form opened before the return existed was based on "no return yet".
                    expected_version=0 if data["version"] is None else data["version"],
                    submit=data["action"] == "submit",
                )
            except ValidationError as error:
                errors = error_list(error, FIELD_IDS)
            except StaleVersion as conflict:
                if (answered := _already_done(request, conflict)) is not None:
                    return answered
                stale = conflict
                kpi_return = conflict.current
                errors = [("__all__", "stale-summary", str(conflict))]
                # Keep what the user typed, now based on the version that was saved, so
                # saving again (after checking the other person's change) succeeds.
                data = request.POST.copy()
                data["version"] = conflict.current.version
                form = ReturnForm(data)
                form.is_valid()
            else:
                submitted = data["action"] == "submit"
                messages.success(
                    request,
                    f"{indicator.code} {period.short_label} "
                    f"{'submitted for approval' if submitted else 'saved as draft'}.",
                )
                return redirect("departments:return-detail", pk=saved.pk)
        else:
            errors = form_error_list(form)
    context = selectors.indicator_context(indicator, period)
    return render(
        request,
        "departments/return_form.html",
        {
            "indicator": indicator,
            "period": period,
            "kpi_return": kpi_return,
            "form": form,
            "errors": errors,
            "error_fields": {field for field, _, _ in errors},
            "field_errors": {field: message for field, _, message in errors},
            "stale": stale,
            "may_edit": may_edit and (kpi_return is None or kpi_return.is_editable),
            "preview_rag": services.rag_of(indicator, period.key, kpi_return.value)
            if kpi_return and kpi_return.value is not None
            else None,
            **context,
        },
        status=400 if errors else 200,
    )


def _shown_fields(request: HttpRequest, data: dict) -> dict:
    """The return's fields as the form sent them, a field the page did not show (and so
    did not post) being ``services.KEEP``: the forecast of an indicator whose year has lost
    its target is kept, as the API's PATCH and an import without the columns keep it,
    instead of being erased as an empty answer the officer never gave."""
    return {name: data[name] if name in request.POST else services.KEEP for name in ENTERED_FIELDS}


def _already_done(request: HttpRequest, conflict: StaleVersion) -> HttpResponse | None:
    """The answer to a stale save that a form cannot help with, or None.

    A save based on an older version is usually the user's own earlier one (the back
    button, a second press of Submit, another tab): say so, and when, instead of blaming
    someone else. And when the return can no longer be edited (submitted, approved,
    locked), a form to "save again" cannot be saved: take the user to the return, which
    says its state, with what happened."""
    current = conflict.current
    latest = current.history.latest()
    if latest.history_user_id == request.user.pk:
        when = timezone.localtime(latest.history_date)
        done = "submitted" if current.state == ReturnState.SUBMITTED else "saved"
        message = (
            f"You already {done} this return at {when:%H:%M} on {date_in_words(when.date())}"
            " (perhaps in another tab, or before going back): nothing more was changed."
        )
    elif not current.is_editable:
        message = str(conflict)
    else:
        return None  # someone else's change to an editable return: the form shows it
    if current.is_editable:
        messages.info(request, message)  # their own draft: the form, on its newest version
        return redirect(
            reverse("departments:return-edit", args=[current.indicator_id, current.period])
        )
    messages.warning(request, message)
    return redirect("departments:return-detail", pk=current.pk)


def _initial(kpi_return: KpiReturn | None) -> dict:
    if kpi_return is None:
        return {}
    places = kpi_return.indicator.decimal_places
    return {
        "value": "" if kpi_return.indicator.is_ratio else plain_figure(kpi_return.value, places),
        "numerator": plain_figure(kpi_return.numerator),
        "denominator": plain_figure(kpi_return.denominator),
        "commentary": kpi_return.commentary,
        "improvement_action": kpi_return.improvement_action,
        "forecast_value": plain_figure(kpi_return.forecast_value, places),
        "forecast_confidence": kpi_return.forecast_confidence,
        "forecast_note": kpi_return.forecast_note,
        "version": kpi_return.version,
    }


def _visible_return(request, pk: int) -> KpiReturn:
    return get_object_or_404(
        KpiReturn.objects.visible_to(request.user).select_related(
            "indicator", "department", "submitted_by", "approved_by"
        ),
        pk=pk,
    )


@login_required
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kpi_return = _visible_return(request, pk)
    user = request.user
    period = periods.Period.parse(kpi_return.period)
    context = selectors.indicator_context(kpi_return.indicator, period)
    rag = services.rag_of(
        kpi_return.indicator, kpi_return.period, kpi_return.value, target=context["target"]
    )
    return render(
        request,
        "departments/return_detail.html",
        {
            "kpi_return": kpi_return,
            "indicator": kpi_return.indicator,
            "period": period,
            "rag": rag,
            "forecast": forecast_of(kpi_return.indicator, kpi_return, context["target"], rag),
            "history": selectors.return_history(kpi_return),
            "signed_off": sign_off.is_signed_off(kpi_return.period, kpi_return.department_id),
            "may_edit": roles.may_edit_returns(user, kpi_return.department_id)
            and kpi_return.is_editable,
            "may_approve": kpi_return.state == "submitted"
            and roles.may_approve_return(
                user,
                department_id=kpi_return.department_id,
                submitted_by_id=kpi_return.submitted_by_id,
            ),
            "own_submission": kpi_return.submitted_by_id == user.pk,
            "may_reopen": kpi_return.state == "locked" and roles.may_sign_off(user),
            "reason_form": ReasonForm(),
            **context,
        },
    )


def _workflow_action(request, pk: int, action, success: str, needs_reason: bool = False):
    kpi_return = _visible_return(request, pk)
    kwargs = {"kpi_return": kpi_return, "actor": request.user}
    if (version := whole_number(request.POST.get("version"))) is not None:
        kwargs["expected_version"] = version
    if needs_reason:
        kwargs["reason"] = request.POST.get("reason", "")
    try:
        action(**kwargs)
    except (ValidationError, StaleVersion) as error:
        for _, _, message in (
            error_list(error, FIELD_IDS)
            if isinstance(error, ValidationError)
            else [("", "", str(error))]
        ):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("departments:return-detail", pk=kpi_return.pk)


@login_required
@require_POST
def return_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow_action(request, pk, services.approve_return, "Return approved.")


@login_required
@require_POST
def return_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow_action(
        request,
        pk,
        services.send_back_return,
        "Return sent back to the department with your reason.",
        needs_reason=True,
    )


@login_required
@require_POST
def return_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow_action(
        request,
        pk,
        services.reopen_return,
        "Return reopened and sent back to the department.",
        needs_reason=True,
    )


@login_required
def period_sign_off(request: HttpRequest, period_key: str) -> HttpResponse:
    if not roles.may_sign_off(request.user):
        raise PermissionDenied("Only SMT can sign periods off.")
    try:
        period = periods.Period.parse(period_key)
    except ValueError as error:
        raise Http404(str(error)) from error
    departments = Department.objects.visible_to(request.user)
    form = SignOffForm(request.POST or None, departments=departments)
    # Read before any write: a write that succeeds redirects, one refused changes nothing.
    summary = selectors.sign_off_summary(period, departments)
    errors: list = []
    confirming = None
    if request.method == "POST" and not form.is_valid():
        errors = form_error_list(form)
    elif request.method == "POST":
        department = form.cleaned_data["department"]
        if form.cleaned_data["action"] == "sign_off" and not form.cleaned_data["confirmed"]:
            # First say what it will lock; the confirmation posts the same choice again.
            confirming = selectors.sign_off_preview(summary, department)
        else:
            try:
                messages.success(request, _sign_off_or_reopen(request, period, form.cleaned_data))
            except ValidationError as error:
                errors = error_list(error, FIELD_IDS)
            else:
                return redirect(reverse("departments:period-sign-off", args=[period.key]))
    return render(
        request,
        "departments/sign_off.html",
        {
            "period": period,
            "form": form,
            "errors": errors,
            "field_errors": {field: message for field, _, message in errors},
            "summary": summary,
            "confirming": confirming,
            "sign_offs": PeriodSignOff.objects.filter(period=period.key).select_related(
                "department", "signed_off_by", "reopened_by"
            ),
        },
        status=400 if errors else 200,
    )


def _sign_off_or_reopen(request: HttpRequest, period: periods.Period, chosen: dict) -> str:
    """Sign the period off or reopen it as the form chose; what was done, in words.
    ValidationError (or Conflict) from the service when it is refused."""
    department = chosen["department"]
    if chosen["action"] == "sign_off":
        outcome = sign_off.sign_off_period(
            period_key=period.key, actor=request.user, department=department
        )
        return (
            f"{period.label} signed off for {department or 'the whole council'}: "
            f"{plural(outcome.locked, 'return')} locked, "
            f"{outcome.not_signed_off} still open (they lock when approved)."
        )
    reopened = sign_off.reopen_period(
        period_key=period.key, actor=request.user, department=department, reason=chosen["reason"]
    )
    return f"{period.label} reopened: {plural(reopened, 'return')} unlocked."
