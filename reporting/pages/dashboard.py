"""The department dashboard: every indicator of a department for a month, its
coordination and the health of the partner services it depends on."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from reporting.figures.department import cached_department_figures
from reporting.pages.parameters import chosen_month, for_ended_months, month_links
from reporting.selectors import department_with_figures


@login_required
@for_ended_months
def department_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    department = department_with_figures(request.user, pk)
    if department is None:
        raise Http404("No such department.")
    month = chosen_month(request, department_id=department.pk)
    figures, from_cache = cached_department_figures(department, month)
    return render(
        request,
        "reporting/department.html",
        {
            "department": department,
            "month": month,
            **figures,
            "from_cache": from_cache,
            **month_links(request.user, month, department_id=department.pk),
        },
    )
