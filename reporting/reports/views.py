"""Report pages: ask for a report, watch it build, download it, retry a failed one.

The views wire forms to ``reporting.reports.services``; what a report holds and who may ask
live there and in the report classes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.form_errors import error_list
from core.words import plural
from departments import periods, roles
from partnerships.models import Partnership
from reporting.models import ReportRun, ReportState
from reporting.reports import services
from reporting.reports.exports.parameters import DATE_RANGE, MONTH, YEAR
from reporting.reports.kinds import FORMAT_LABELS, available_reports, report_class
from reporting.selectors import readable_departments

RECENT_RUNS = 50
# The request form's inputs (and the formats' group), by the field whose error each shows:
# an error of any other field (the report's kind, its state) links to the page's top.
REQUEST_FIELD_IDS = {
    field: f"id_{field}"
    for field in ("department", "partnership", "period", "year", "since", "until", "file_format")
}


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports the user can ask for, and the runs they may see, newest first."""
    if not roles.may_download_reports(request.user):
        raise PermissionDenied(services.NO_REPORT_ROLE)
    runs = ReportRun.objects.visible_to(request.user).select_related("requested_by")
    return render(
        request,
        "reporting/reports/list.html",
        {
            "reports": available_reports(request.user),
            "runs": runs[:RECENT_RUNS],
            "sees_everyone": roles.may_see_every_report_run(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_request(request: HttpRequest, kind: str) -> HttpResponse:
    """The form of one report: its period or year, narrowing and formats."""
    try:
        report = report_class(kind)
    except ValueError:
        raise Http404("No such report.") from None
    services.check_may_request(request.user, report)
    errors: dict[str, str] = {}
    values = _initial(report)
    if request.method == "POST":
        formats = request.POST.getlist("file_format")
        values = {key: request.POST.get(key, "").strip() for key in values if key != "file_format"}
        try:
            runs = services.request_report(
                actor=request.user,
                kind=kind,
                file_formats=formats,
                parameters={k: v for k, v in values.items() if v},
            )
        except ValidationError as invalid:
            errors = {field: messages_[0] for field, messages_ in invalid.message_dict.items()}
        else:
            return redirect("reporting:report-run", pk=runs[0].pk)
        values["file_format"] = formats
    return render(
        request,
        "reporting/reports/request.html",
        {
            "report": report,
            "values": values,
            "errors": errors,
            "error_list": error_list(ValidationError(errors), REQUEST_FIELD_IDS),
            "formats": [(f, FORMAT_LABELS[f]) for f in report.formats],
            "departments": readable_departments(request.user),
            "partnerships": Partnership.objects.visible_to(request.user).order_by("name"),
            "MONTH": MONTH,
            "YEAR": YEAR,
            "DATE_RANGE": DATE_RANGE,
        },
    )


def _initial(report) -> dict:
    latest = periods.latest_closed(periods.PeriodKind.MONTH)
    values = {"department": "", "partnership": "", "file_format": list(report.formats[:2])}
    if report.needs == MONTH:
        values["period"] = latest.key
    elif report.needs == YEAR:
        values["year"] = periods.Period.financial_year(latest.year - 1).key
    else:
        values.update(since="", until="", person="", object_type="")
    return values


def visible_run(request: HttpRequest, pk: int) -> ReportRun:
    """The run if the user may see it (their own; everyone's for auditors); 404 otherwise."""
    runs = ReportRun.objects.visible_to(request.user).select_related("requested_by")
    return get_object_or_404(runs, pk=pk)


def batch_progress(run: ReportRun) -> dict:
    """Where the run and the files requested with it are, for the page and its JSON."""
    batch = list(ReportRun.objects.filter(batch=run.batch).order_by("pk"))
    finished = all(r.finished for r in batch)
    percent = sum(100 if r.finished else r.progress for r in batch) // len(batch)
    done = sum(1 for r in batch if r.state == ReportState.DONE)
    failed = sum(1 for r in batch if r.state == ReportState.FAILED)
    if finished:
        text = f"{done} of {plural(len(batch), 'file')} ready"
        text += f", {failed} failed" if failed else ""
    elif all(r.state == ReportState.QUEUED for r in batch):
        text = "Waiting for the worker"
    else:
        text = f"Building: {percent}% done"
    return {
        "finished": finished,
        "percent": 100 if finished else percent,
        "text": text,
        "runs": [
            {"id": r.pk, "state": r.state, "progress": r.progress, "sha256": r.sha256}
            for r in batch
        ],
    }


@login_required
@require_GET
@never_cache
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_run(request, pk)
    batch = ReportRun.objects.filter(batch=run.batch).order_by("pk")
    return render(
        request,
        "reporting/reports/run.html",
        {
            "run": run,
            "report": report_class(run.kind),
            "batch": list(batch),
            "progress": batch_progress(run),
            "format_labels": FORMAT_LABELS,
        },
    )


@login_required
@require_GET
@never_cache
def report_run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The JSON that static/js/progress.js polls every second while the files build."""
    return JsonResponse(batch_progress(visible_run(request, pk)))


@login_required
@require_GET
def report_run_download(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_run(request, pk)
    if run.state != ReportState.DONE:
        messages.info(request, "That file is not ready to download.")
        return redirect("reporting:report-run", pk=run.pk)
    return FileResponse(
        run.file.open("rb"),
        content_type=run.content_type,
        headers={"Content-Disposition": content_disposition_header(True, run.filename)},
    )


@login_required
@require_POST
def report_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_run(request, pk)
    try:
        services.retry_run(run=run, actor=request.user)
    except ValidationError as invalid:
        messages.error(request, invalid.messages[0])
    return redirect("reporting:report-run", pk=run.pk)
