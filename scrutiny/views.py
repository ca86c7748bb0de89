"""Scrutiny pages: the items list, asking, an item with its answer, a committee's agenda
and its papers. Every write goes through ``scrutiny.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.form_errors import error_list, form_error_list
from departments import roles
from departments.models import Department, PerformanceIndicator
from partnerships.models import Partnership
from scrutiny import exports, member_months, services
from scrutiny.filters import ScrutinyItemFilter
from scrutiny.forms import AgendaForm, AnswerForm, AskForm
from scrutiny.models import AgendaItem, ItemState, ScrutinyCommittee, ScrutinyItem, Subject

ITEMS_LISTED = 200


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """Every item the reader may see, newest first, filtered by state."""
    if not roles.may_use_scrutiny(request.user):
        raise PermissionDenied("Scrutiny is for elected members and the council's officers.")
    items = ScrutinyItem.objects.visible_to(request.user).select_related(
        "indicator", "department", "partnership", "asked_by"
    )
    filtered = ScrutinyItemFilter(request.GET, queryset=items)
    rows = list(filtered.qs[:ITEMS_LISTED]) if filtered.is_valid() else []
    committees = ScrutinyCommittee.objects.visible_to(request.user)
    return render(
        request,
        "scrutiny/item_list.html",
        {
            "items": rows,
            "today": timezone.localdate(),
            "state": request.GET.get("state", ""),
            "states": ItemState.choices,
            "committees": list(committees),
        },
    )


def _subject_of(request: HttpRequest) -> dict:
    """The subject asked about, from the query string: ``indicator``, ``department`` or
    ``partnership`` (an id), and ``period`` (a month key)."""
    for name, model, subject in (
        ("indicator", PerformanceIndicator, Subject.INDICATOR),
        ("department", Department, Subject.DEPARTMENT),
        ("partnership", Partnership, Subject.PARTNERSHIP),
    ):
        raw = request.GET.get(name, "")
        if raw:
            if not raw.isascii() or not raw.isdigit():
                raise Http404(f"No such {name}.")
            return {"subject": subject, name: get_object_or_404(model, pk=int(raw))}
    raise Http404("Say what the question is about.")


@login_required
def ask(request: HttpRequest) -> HttpResponse:
    """A member asks a question or makes a comment on an indicator, a department's month
    or the partnership (``?indicator=4&period=2026-27-P06``)."""
    if not roles.may_ask_scrutiny(request.user):
        raise PermissionDenied("Only elected members ask scrutiny questions.")
    subject = _subject_of(request)
    # Refused up front, by the rule the service applies on submit: a month members cannot
    # open (not ended, not a month, not signed off for them) is nothing to ask about.
    try:
        month = member_months.month_open_to_members(
            request.GET.get("period", ""),
            department_id=member_months.department_asked_about(**subject),
        )
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    form = AskForm(request.POST or None, user=request.user, initial={"kind": "question"})
    errors: list = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.ask(
                    actor=request.user,
                    period_key=month.key,
                    text=data["text"],
                    kind=data["kind"],
                    committee=data["committee"],
                    **subject,
                )
            except ValidationError as error:
                errors = error_list(error, {name: f"id_{name}" for name in form.fields})
            else:
                messages.success(request, "Your question was sent to the owning head of service.")
                return redirect("scrutiny:item", pk=item.pk)
        else:
            errors = form_error_list(form)
    about = ScrutinyItem(period=month.key, **subject).about
    return render(
        request,
        "scrutiny/ask.html",
        {"form": form, "errors": errors, "about": about},
        status=400 if errors else 200,
    )


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One item, its answer, and the answer form or the close button for who may."""
    item = get_object_or_404(
        ScrutinyItem.objects.visible_to(request.user).select_related(
            "indicator", "department", "partnership", "asked_by", "answered_by", "closed_by"
        ),
        pk=pk,
    )
    form = AnswerForm(request.POST or None, initial={"answer": item.answer})
    errors: list = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.answer(item=item, actor=request.user, text=form.cleaned_data["answer"])
            except ValidationError as error:
                errors = error_list(error, {"answer": "id_answer"})
            else:
                messages.success(request, "Your answer was sent to the member.")
                return redirect("scrutiny:item", pk=item.pk)
        else:
            errors = form_error_list(form)
    closed = item.state == ItemState.CLOSED
    return render(
        request,
        "scrutiny/item_detail.html",
        {
            "item": item,
            "form": form,
            "errors": errors,
            "overdue": item.is_overdue(timezone.localdate()),
            "may_answer": not closed
            and roles.may_answer_scrutiny(request.user, department_id=item.department_id),
            "may_close": item.state == ItemState.ANSWERED
            and roles.may_close_scrutiny(request.user, asked_by_id=item.asked_by_id),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ScrutinyItem.objects.visible_to(request.user), pk=pk)
    try:
        services.close(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The item is closed.")
    return redirect("scrutiny:item", pk=item.pk)


def _committee(request: HttpRequest, pk: int) -> ScrutinyCommittee:
    return get_object_or_404(ScrutinyCommittee.objects.visible_to(request.user), pk=pk)


@login_required
def committee_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The months and indicators put to a committee, and its members' items; the SMT
    puts a month (or one indicator of it) on the agenda here."""
    committee = _committee(request, pk)
    may_manage = roles.may_manage_agenda(request.user)
    form = AgendaForm(request.POST or None) if may_manage else None
    errors: list = []
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the SMT puts items to a committee.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.put_to_committee(
                    actor=request.user,
                    committee=committee,
                    meeting_on=data["meeting_on"],
                    period_key=data["period"],
                    indicator=data["indicator"],
                    note=data["note"],
                )
            except ValidationError as error:
                errors = error_list(error, {name: f"id_{name}" for name in form.fields})
            else:
                messages.success(request, "Put on the committee's agenda.")
                return redirect("scrutiny:committee", pk=committee.pk)
        else:
            errors = form_error_list(form)
    agenda = AgendaItem.objects.filter(committee=committee).select_related("indicator")
    items = exports.committee_items(committee, request.user).select_related(
        "indicator", "department", "partnership", "asked_by"
    )
    return render(
        request,
        "scrutiny/committee.html",
        {
            "committee": committee,
            "agenda": list(agenda),
            "items": list(items),
            "members": list(committee.members.order_by("last_name", "username")),
            "today": timezone.localdate(),
            "form": form,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def committee_papers(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The committee's scrutiny items for its papers, as PDF or XLSX."""
    committee = _committee(request, pk)
    if file_format not in exports.RENDERERS:
        raise Http404("No such format.")
    filename, content_type, content = exports.RENDERERS[file_format](committee, request.user)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
