"""The SMT's page for choosing what residents see: every indicator in use, whether it is
published and whether it has figures on the portal yet, and a form per indicator that
calls ``set_publication``, as the API does."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.form_errors import error_list, form_error_list
from departments import roles
from departments.models import PerformanceIndicator
from publication.cache import cached_portal
from publication.forms import PublicationForm
from publication.models import PublishedIndicator
from publication.services import PublicationWords, set_publication

FIELD_IDS = {
    "public_title": "id_public_title",
    "public_description": "id_public_description",
    "theme": "id_theme",
    "reason": "id_reason",
}


def _require_publisher(user) -> None:
    if not roles.may_sign_off(user):
        raise PermissionDenied("Only SMT and administrators choose what is published.")


@login_required
def publication_list(request: HttpRequest) -> HttpResponse:
    _require_publisher(request.user)
    indicators = (
        PerformanceIndicator.objects.visible_to(request.user)
        .active()
        .select_related("department", "publication")
        .order_by("department__name", "code")
    )
    on_portal = {i.code for i in cached_portal().indicators}
    return render(
        request,
        "publication/manage_list.html",
        {"indicators": indicators, "on_portal": on_portal},
    )


@login_required
def publication_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_publisher(request.user)
    indicator = get_object_or_404(
        PerformanceIndicator.objects.visible_to(request.user).select_related("department"), pk=pk
    )
    current = PublishedIndicator.objects.filter(indicator=indicator).first()
    initial = (
        {
            "public_title": current.public_title,
            "public_description": current.public_description,
            "theme": current.theme,
        }
        if current
        else {"public_title": indicator.title}
    )
    form = PublicationForm(request.POST or None, initial=initial)
    errors: list = []
    if request.method == "POST" and not form.is_valid():
        errors = form_error_list(form)
    elif request.method == "POST":
        data = form.cleaned_data
        try:
            if data["action"] == "publish":
                words = PublicationWords(
                    data["public_title"], data["public_description"], data["theme"]
                )
                set_publication(
                    indicator=indicator, actor=request.user, published=True, words=words
                )
                messages.success(request, f"{indicator.code} is published to residents.")
            else:
                set_publication(
                    indicator=indicator, actor=request.user, published=False, reason=data["reason"]
                )
                messages.success(request, f"{indicator.code} is withdrawn from the portal.")
        except ValidationError as error:
            errors = error_list(error, FIELD_IDS)
        else:
            return redirect(reverse("publication:manage"))
    return render(
        request,
        "publication/manage_edit.html",
        {
            "indicator": indicator,
            "current": current,
            "form": form,
            "errors": errors,
            "field_errors": {field: message for field, _, message in errors},
        },
        status=400 if errors else 200,
    )
