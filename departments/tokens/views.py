"""The API tokens page: make a named token (its key shown once), see when each was last
used, revoke one. An administrator may revoke anyone's: here, through the API or in
Django admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from departments.models import ApiToken
from departments.tokens import services as token_services
from departments.tokens.filters import ApiTokenFilter


def _page(request, *, errors=(), name: str = "", new_key: str = "", status: int = 200):
    # One's own tokens, as the API's /api/v1/tokens/?user=<own id> lists them.
    own = ApiTokenFilter(
        {"user": request.user.pk}, queryset=ApiToken.objects.visible_to(request.user)
    )
    tokens = own.qs.select_related("revoked_by")
    return render(
        request,
        "departments/api_tokens.html",
        {"tokens": tokens, "errors": list(errors), "name": name, "new_key": new_key},
        status=status,
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    name = request.POST.get("name", "")
    try:
        created = token_services.create_token(user=request.user, name=name)
    except ValidationError as error:
        errors = [("name", "id_name", m) for m in error.message_dict.get("name", error.messages)]
        return _page(request, errors=errors, name=name, status=400)
    # Rendered, not redirected: the key must never be kept in the session or a URL.
    return _page(request, new_key=created.key, name=created.token.name, status=201)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # As the API: a token outside one's scope is a 404, never a hint that it exists; who
    # may revoke one is the service's question (roles.may_revoke_token).
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    token_services.revoke_token(token=token, actor=request.user)
    messages.success(request, f"The token '{token.name}' is revoked: it no longer works.")
    return redirect("departments:api-tokens")
