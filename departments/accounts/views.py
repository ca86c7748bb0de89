"""The account page: who one is signed in as, one's roles, and signing out everywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from departments.accounts import services
from departments.models import Membership


@login_required
def account(request: HttpRequest) -> HttpResponse:
    memberships = Membership.objects.filter(user=request.user).select_related(
        "department", "partnership"
    )
    return render(request, "departments/account.html", {"memberships": memberships})


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    ended = services.sign_out_everywhere(user=request.user)
    # This session was among those ended: clear what the browser still holds of it.
    logout(request)
    others = ended - 1
    elsewhere = (
        "no other device"
        if others <= 0
        else f"{others} other {'session' if others == 1 else 'sessions'}"
    )
    messages.success(request, f"You have signed out everywhere ({elsewhere} as well as this one).")
    return redirect("login")
