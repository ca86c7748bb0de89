"""Bulk import pages: upload a file, download a template, watch the import run.

The views wire forms to ``departments.imports.services``; the rules (who may import, what a
good row is) live there and in the services it calls.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.cells import ImportRejected
from core.form_errors import ErrorRow, error_list, form_error_list
from departments import periods
from departments.imports.filters import ImportJobFilter
from departments.imports.progress import job_progress
from departments.imports.services import import_kinds, may_retry, retry_import, start_import
from departments.models import Department, ImportJob
from departments.returns.imports import editable_departments, returns_template

SEE_EVERY_PROBLEM = "See every problem by row and column"
NOT_ALLOWED = (
    "Only officers and heads of service can import returns: your role does not let you "
    "change any department's returns."
)
FORMAT_CHOICES = [("xlsx", "Excel workbook (.xlsx)"), ("csv", "CSV")]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(
        label="File to import",
        error_messages={
            "required": "Choose a CSV or Excel file to import",
            "empty": "The file is empty",
        },
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["kind"].initial = kinds[0][0]


class TemplateForm(forms.Form):
    """Which template to download: a department the user may edit and a period."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of your departments"},
    )
    period = forms.CharField(
        label="Period",
        help_text=(
            "A month such as 2025-26-P06 lists the monthly indicators; a quarter such as "
            "2025-26-Q2 the quarterly ones; a year such as 2025-26 the annual ones."
        ),
        error_messages={"required": "Enter the period, such as 2025-26-P06"},
    )
    file_format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES, initial="xlsx")

    def __init__(self, *args, departments: list[Department], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            pk__in=[department.pk for department in departments]
        )

    def clean_period(self) -> periods.Period:
        key = self.cleaned_data["period"].strip()
        try:
            return periods.Period.parse(key)
        except ValueError:
            raise ValidationError(
                f"'{key}' is not a period: use a form such as 2025-26-P06, 2025-26-Q2 or 2025-26"
            ) from None


def _importable_kinds(user) -> list[tuple[str, str]]:
    return [
        (kind, handler.title)
        for kind, handler in import_kinds().items()
        if handler.may_import(user)
    ]


def _chosen_kind(request: HttpRequest, kinds: list[tuple[str, str]]) -> str:
    """The kind of import the page is for: ``?kind=`` (or the posted one) when the user
    may import it, else the first the user may (a partner's is SLA results)."""
    wanted = request.POST.get("kind") or request.GET.get("kind")
    allowed = [kind for kind, _ in kinds]
    return wanted if wanted in allowed else allowed[0]


def _words_of(handler: type) -> dict[str, str]:
    """What the import page says of a kind: its title, lead, columns and sheet name."""
    return {
        "title": handler.title,
        "lead": handler.lead,
        "columns_hint": handler.columns_hint,
        "sheet_name": handler.sheet_names[0],
    }


def _start_page(
    request: HttpRequest,
    *,
    form: UploadForm,
    template_form: TemplateForm,
    kind: str,
    problems: list[ErrorRow] = (),
) -> HttpResponse:
    errors = [*problems] + [
        error
        for bound_form in (template_form, form)
        if bound_form.is_bound
        for error in form_error_list(bound_form)
    ]
    own = ImportJobFilter(
        {"created_by": request.user.pk}, queryset=ImportJob.objects.visible_to(request.user)
    )
    recent = own.qs[:10]
    kinds = _importable_kinds(request.user)
    context = {
        "kind": kind,
        # The handler's words; not the class itself, which a template would call.
        "handler": _words_of(import_kinds()[kind]),
        "other_kinds": [(other, title) for other, title in kinds if other != kind],
        "form": form,
        "template_form": template_form,
        "errors": errors,
        "recent": recent,
        "max_megabytes": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": settings.IMPORT_MAX_ROWS,
    }
    return render(request, "departments/imports/start.html", context)


def _template_form(data, departments: list[Department]) -> TemplateForm:
    latest = periods.latest_closed(periods.PeriodKind.MONTH)
    initial = {"period": latest.key, "file_format": "xlsx"}
    if departments:
        initial["department"] = departments[0].pk
    return TemplateForm(data, departments=departments, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """The upload form, with the template download beside it."""
    kinds = _importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied(NOT_ALLOWED)
    kind = _chosen_kind(request, kinds)
    departments = editable_departments(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    form.fields["kind"].initial = kind
    if request.method == "POST" and form.is_valid():
        try:
            job = start_import(
                kind=form.cleaned_data["kind"],
                actor=request.user,
                uploaded_file=form.cleaned_data["file"],
            )
        except ImportRejected as rejected:
            form.add_error("file", rejected.message)
        else:
            return redirect("departments:import-status", pk=job.pk)
    template_form = _template_form(None, departments)
    return _start_page(request, form=form, template_form=template_form, kind=kind)


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    """A file to fill in and upload, CSV or XLSX: a month's SLA results for the partner
    (``?kind=sla_results``), otherwise returns for one of the user's departments and a
    period."""
    if request.GET.get("kind") == "sla_results":
        return _sla_results_template(request)
    departments = editable_departments(request.user)
    if not departments:
        raise PermissionDenied(NOT_ALLOWED)
    template_form = _template_form(request.GET, departments)
    if not template_form.is_valid():
        form = UploadForm(kinds=_importable_kinds(request.user))
        return _start_page(request, form=form, template_form=template_form, kind="returns")
    filename, content_type, content = returns_template(
        department=template_form.cleaned_data["department"],
        period_key=template_form.cleaned_data["period"].key,
        file_format=template_form.cleaned_data["file_format"],
    )
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _sla_results_template(request: HttpRequest) -> HttpResponse:
    """The month's SLA results file of the partnerships whose results the user enters.
    The handler makes it: departments never imports partnerships (DESIGN.md section 2)."""
    handler = import_kinds()["sla_results"]
    if not handler.may_import(request.user):
        raise PermissionDenied(handler.refusal)
    file_format = request.GET.get("file_format", "xlsx")
    problem = None
    if file_format not in dict(FORMAT_CHOICES):
        problem = ValidationError(
            {"file_format": "Format: choose an Excel workbook (.xlsx) or CSV"}
        )
    else:
        try:
            filename, content_type, content = handler.template_file(
                user=request.user,
                period_key=request.GET.get("period", "").strip(),
                file_format=file_format,
            )
        except ValueError as error:  # the period: the format is one of the two above
            problem = ValidationError({"period": f"Period: {error}"})
    if problem is not None:
        form = UploadForm(kinds=_importable_kinds(request.user))
        return _start_page(
            request,
            form=form,
            template_form=_template_form(None, []),
            kind="sla_results",
            problems=error_list(
                problem, {"file_format": "id_file_format", "period": "id_sla_period"}
            ),
        )
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _visible_job(request: HttpRequest, pk: int) -> ImportJob:
    """The job if the user started it (or is an administrator); 404 otherwise."""
    jobs = ImportJob.objects.visible_to(request.user).select_related("created_by")
    return get_object_or_404(jobs, pk=pk)


@login_required
@require_GET
@never_cache
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    context = {
        "job": job,
        "progress": job_progress(job),
        "kind_title": _kind_title(job.kind),
        "after_import": _after_import(job.kind),
        "may_retry": may_retry(job),
        # The summary of a failed import: the job's message, and a link to its problems.
        "problems": error_list(ValidationError(SEE_EVERY_PROBLEM), anchor="import-problems")
        if job.errors
        else [],
    }
    return render(request, "departments/imports/status.html", context)


@login_required
@require_GET
@never_cache
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The JSON that static/js/progress.js polls every second while the import runs."""
    return JsonResponse(job_progress(_visible_job(request, pk)))


@login_required
@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a job that stopped as a whole again, with the file it holds."""
    job = _visible_job(request, pk)
    try:
        retry_import(job=job, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, invalid.messages[0])
    return redirect("departments:import-status", pk=job.pk)


def _after_import(kind: str) -> dict | None:
    """What the status page says after a successful import of ``kind``, and where it links:
    the handler's words (a dict, not the handler: a template would call the class)."""
    handler = import_kinds().get(kind)
    if handler is None:
        return None
    words, link = handler.after_import
    return {"words": words, "link": link, "url": reverse(handler.after_import_url)}


def _kind_title(kind: str) -> str:
    handler = import_kinds().get(kind)
    return handler.title if handler else kind
