"""Pages that read both apps: each role's home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reporting.todo import home_context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "reporting/home.html", home_context(request.user))
