"""The page where an administrator sets or changes one of the contract's section-52 KPIs:
the same service as the API (``services.save_contract_kpi``), which checks the role,
the SLAs and the thresholds, and records the change in the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.form_errors import error_list, form_error_list
from partnerships.contracts import services
from partnerships.contracts.forms import ContractKpiForm
from partnerships.contracts.models import ContractKpi
from partnerships.contracts.ratings import DEFAULT_THRESHOLDS
from partnerships.pages import partnership_or_404


@login_required
def kpi_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a new KPI of partnership ``pk``."""
    partnership = partnership_or_404(request, pk)
    services.check_may_set_kpis(request.user)
    return _kpi_form(request, partnership, ContractKpi(partnership=partnership))


@login_required
def kpi_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the KPI ``pk`` (its title, measure, SLAs, payment link, thresholds, use)."""
    kpi = get_object_or_404(ContractKpi.objects.visible_to(request.user), pk=pk)
    services.check_may_set_kpis(request.user)
    return _kpi_form(request, kpi.partnership, kpi)


def _kpi_form(request: HttpRequest, partnership, kpi: ContractKpi) -> HttpResponse:
    form = ContractKpiForm(instance=kpi, partnership=partnership)
    errors: list = []
    if request.method == "POST":
        form = ContractKpiForm(request.POST, instance=kpi, partnership=partnership)
        if form.is_valid():
            try:
                services.save_contract_kpi(
                    kpi=form.save(commit=False),
                    actor=request.user,
                    slas=form.cleaned_data["slas"],
                )
            except ValidationError as error:
                errors = error_list(error, {name: f"id_{name}" for name in form.fields})
            else:
                messages.success(request, f"KPI “{kpi.title}” saved.")
                return redirect("partnerships:contract", pk=partnership.pk)
        else:
            errors = form_error_list(form)
    return render(
        request,
        "partnerships/kpi_form.html",
        {
            "partnership": partnership,
            "kpi": kpi,
            "form": form,
            "errors": errors,
            "defaults": DEFAULT_THRESHOLDS,
        },
        status=400 if errors else 200,
    )
