"""Early warnings: the list, one warning with its evidence, and the SMT's acknowledgement."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from departments import roles
from reporting.models import EarlyWarning, WarningRule
from reporting.warnings import evaluation as early_warnings
from reporting.warnings.filters import STATES, EarlyWarningFilter


def _visible(request: HttpRequest):
    if not roles.may_see_early_warnings(request.user):
        raise PermissionDenied("You have no access to early warnings.")
    return EarlyWarning.objects.visible_to(request.user).select_related(
        "department", "indicator", "partnership", "service", "acknowledged_by"
    )


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    # The API's filters and values (reporting/warnings/filters.py). The page opens on the
    # open warnings, and shows them for a state it does not know; a value the filters
    # refuse is left out, as the page always did with an unknown rule.
    query = request.GET.copy()
    if query.get("state") not in STATES:
        query["state"] = "open"
    warnings = EarlyWarningFilter(query, queryset=_visible(request)).qs
    page = Paginator(warnings.order_by("-latest_period", "rule", "subject_label"), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reporting/early_warnings.html",
        {
            "page": page,
            "state": query["state"],
            "states": STATES,
            "rule": query.get("rule", ""),
            "rules": WarningRule.choices,
        },
    )


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(_visible(request), pk=pk)
    return _render_detail(request, warning, note="", errors=[])


def _render_detail(request, warning, *, note: str, errors: list, status: int = 200):
    return render(
        request,
        "reporting/early_warning.html",
        {
            "warning": warning,
            "may_acknowledge": roles.may_acknowledge_warnings(request.user)
            and warning.acknowledged_at is None,
            "note": note,
            "errors": errors,
        },
        status=status,
    )


@login_required
@require_POST
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(_visible(request), pk=pk)
    note = request.POST.get("note", "")
    try:
        early_warnings.acknowledge(warning, user=request.user, note=note)
    except PermissionDenied:
        messages.error(request, "Only the SMT can acknowledge early warnings.")
        return redirect("reporting:early-warning", pk=warning.pk)
    except ValidationError as error:
        problems = [("note", "id_note", message) for message in error.message_dict.get("note", [])]
        return _render_detail(request, warning, note=note, errors=problems, status=400)
    messages.success(request, f"Early warning acknowledged: {warning.subject_label}.")
    return redirect("reporting:early-warnings")
