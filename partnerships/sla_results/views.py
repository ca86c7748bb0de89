"""The SLA results pages: a month's grid for the partner to enter, and verifying,
disputing and resolving a result. Views wire forms to the services; no rule lives here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.digits import whole_number
from core.form_errors import error_list
from core.words import plural
from departments import periods, roles
from partnerships.filters import SlaFilter
from partnerships.models import Sla, SlaResult
from partnerships.pages import partnership_or_404
from partnerships.sla_results import selectors, services
from partnerships.sla_results.filters import SlaResultFilter
from partnerships.sla_results.forms import ReasonForm


def _month(period_key: str) -> periods.Period:
    try:
        return periods.month_or_latest(period_key)
    except ValueError as error:
        raise Http404(str(error)) from error


@login_required
def sla_results(request: HttpRequest, pk: int, period_key: str) -> HttpResponse:
    """One month's results of every SLA: the partner enters them, SMT verifies them."""
    partnership = partnership_or_404(request, pk)
    month = _month(period_key)
    may_enter = roles.may_enter_sla_results(request.user, partnership.pk)
    errors: list = []
    submitted: dict[int, dict[str, str]] = {}
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied("Only the partner's contract manager enters SLA results.")
        rows = _month_rows(request, partnership, month)
        errors, submitted = _enter_month(request, rows, month)
        if not errors:
            messages.success(request, f"SLA results for {month.label} saved.")
            return redirect("partnerships:sla-results", pk=partnership.pk, period_key=month.key)
    return _month_page(request, partnership, month, errors=errors, submitted=submitted)


def _month_rows(request, partnership, month: periods.Period) -> list[selectors.SlaMonthRow]:
    """The month's grid: the SLAs and results the API lists for
    ``?partnership=<pk>`` (/api/v1/slas/) and ``?partnership=<pk>&period=<month>``
    (/api/v1/sla-results/), through the same FilterSets and scope."""
    slas = SlaFilter({"partnership": partnership.pk}, queryset=Sla.objects.visible_to(request.user))
    results = SlaResultFilter(
        {"partnership": partnership.pk, "period": month.key},
        queryset=SlaResult.objects.visible_to(request.user),
    )
    return selectors.month_rows(slas=slas.qs, results=results.qs)


def _month_page(request, partnership, month, **extra) -> HttpResponse:
    """The month's grid and its verification, with ``extra`` (the entry grid's errors and
    what was typed, or a bulk verification to confirm) in its context."""
    rows = _month_rows(request, partnership, month)
    errors = extra.get("errors", [])
    # Each row's own errors, shown in it as well as in the summary at the top.
    row_errors: dict[str, str] = {anchor: message for _, anchor, message in errors}
    return render(
        request,
        "partnerships/sla_results.html",
        {
            "partnership": partnership,
            "month": month,
            "rows": rows,
            "awaiting_verification": [row for row in rows if row.awaiting_verification],
            "errors": errors,
            "row_errors": row_errors,
            "submitted": extra.get("submitted", {}),
            "confirm_verify": extra.get("confirm_verify"),
            "may_enter": roles.may_enter_sla_results(request.user, partnership.pk),
            "may_verify": roles.may_verify_sla_results(request.user),
            "deadline": month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS),
            "previous_month": month.previous(),
            "next_month": month.next(),
            "month_ended": month.has_ended(),
            "reason_form": ReasonForm(),
        },
        status=400 if errors else 200,
    )


def _month_url(partnership_id: int, month_key: str, anchor: str) -> str:
    """The month's page at ``anchor``, so the user comes back where they were."""
    page = reverse("partnerships:sla-results", args=[partnership_id, month_key])
    return f"{page}#{anchor}"


@login_required
@require_POST
def results_verify(request: HttpRequest, pk: int, period_key: str) -> HttpResponse:
    """SMT verifies the chosen results of the month at once: first the page says how many
    and which, then the confirmation verifies them all or none."""
    partnership = partnership_or_404(request, pk)
    month = _month(period_key)
    if not roles.may_verify_sla_results(request.user):
        raise PermissionDenied("Only SMT verifies SLA results.")
    chosen = [whole_number(v) for v in request.POST.getlist("result")]
    versions = {
        pk_: whole_number(request.POST.get(f"version-{pk_}", ""))
        for pk_ in chosen
        if pk_ is not None
    }
    if not versions:
        messages.error(request, "Choose at least one result to verify.")
        return redirect(_month_url(partnership.pk, month.key, "verify"))
    if request.POST.get("confirmed") != "1":
        results = selectors.results_of_month(
            request.user, partnership_id=partnership.pk, period=month, ids=versions
        )
        return _month_page(
            request, partnership, month, confirm_verify={"results": results, "versions": versions}
        )
    try:
        verified = services.verify_sla_results(versions=versions, actor=request.user)
    except ValidationError as error:
        for _, _, message in error_list(error):
            messages.error(request, message)
    except services.StaleResult as conflict:
        messages.error(request, str(conflict))
    else:
        count = len(verified)
        messages.success(request, f"{plural(count, 'result')} verified.")
    return redirect(_month_url(partnership.pk, month.key, "verify"))


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
    # The API's scope: the results of the partnerships the user may see.
    return get_object_or_404(
        SlaResult.objects.visible_to(request.user).select_related("sla__service"), pk=pk
    )


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
        _month_url(result.sla.service.partnership_id, result.period, f"verify-{result.pk}")
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
