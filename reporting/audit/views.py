"""The audit trail browser: filter by dates, person, kind of record and department;
paginated; downloadable through the audit-trail exporter with the same filters. And one
record's history: every saved version with its values before and after."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.form_errors import error_list
from departments import roles
from reporting.audit.selectors import AuditTrail
from reporting.audit.sources import OBJECT_TYPES, SOURCES
from reporting.reports.exports.parameters import DATE_RANGE, read_parameters
from reporting.selectors import readable_departments

PAGE_SIZE = 50
FILTERS = ("since", "until", "person", "object_type", "department")


# The filter form's inputs, by the field whose error each shows: any other error links to
# the page's top.
FILTER_FIELD_IDS = {field: f"id_{field}" for field in FILTERS}


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    if not roles.may_download_reports(request.user):
        raise PermissionDenied("Your account has no role that may read the audit trail.")
    values = {key: request.GET.get(key, "").strip() for key in FILTERS}
    errors: dict[str, str] = {}
    try:
        parameters = read_parameters(
            {k: v for k, v in values.items() if v}, user=request.user, needs=DATE_RANGE
        )
    except ValidationError as invalid:
        errors = {field: messages[0] for field, messages in invalid.message_dict.items()}
        parameters = None
    if values["object_type"] and values["object_type"] not in dict(OBJECT_TYPES):
        errors["object_type"] = "Choose a kind of record from the list"
    entries, count, number, pages = [], 0, 1, 1
    if not errors:
        trail = AuditTrail(
            user=request.user,
            since=parameters.since,
            until=parameters.until,
            person_id=parameters.person_id,
            object_type=parameters.object_type,
            department_id=parameters.department.pk if parameters.department else None,
        )
        count = trail.count()
        pages = max(1, -(-count // PAGE_SIZE))
        number = _page_number(request.GET.get("page"), pages)
        entries = trail.page(number, PAGE_SIZE)
    query = "&".join(f"{k}={v}" for k, v in values.items() if v)
    scope = roles.scope_for(request.user)
    people = get_user_model().objects.filter(is_active=True).order_by("last_name", "username")
    if not scope.council_wide:
        people = people.filter(pk=request.user.pk)
    departments = readable_departments(request.user, active_only=False)
    return render(
        request,
        "reporting/audit_trail.html",
        {
            "values": values,
            "errors": errors,
            "error_list": error_list(ValidationError(errors), FILTER_FIELD_IDS),
            "entries": entries,
            "count": count,
            "page_number": number,
            "pages": pages,
            "query": query,
            "object_types": OBJECT_TYPES,
            "people": people,
            "departments": departments,
        },
    )


@login_required
@require_GET
def record_history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Every saved version of one record, newest first, with each changed field's value
    before and after. The reader's scope is the trail's: a record outside it is a 404."""
    if not roles.may_download_reports(request.user):
        raise PermissionDenied("Your account has no role that may read the audit trail.")
    source = SOURCES.get(kind)
    if source is None:
        raise Http404("No such kind of record.")
    entries = list(AuditTrail(user=request.user, object_type=kind, record_id=pk))
    if not entries:
        raise Http404("No history of that record is yours to read.")
    return render(
        request,
        "reporting/record_history.html",
        {"entries": entries, "kind_label": source.label, "latest": entries[0]},
    )


def _page_number(raw: str | None, pages: int) -> int:
    try:
        return min(max(int(raw or 1), 1), pages)
    except ValueError:
        return 1
