"""The web shell: /healthz and friendly error pages (503 while the database is away)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import broker_state, cache_state, database_state


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """What answers and what is down: the database, the cache and the broker, without
    where they are. 200 when the database answers (the cache and the broker failing only
    make it "degraded": pages still work, work waits); 503 otherwise."""
    database, cache, broker = database_state(), cache_state(), broker_state()
    if not database["ok"]:
        status = "down"
    elif cache["ok"] and broker["ok"]:
        status = "ok"
    else:
        status = "degraded"
    down = [
        name
        for name, state in (("database", database), ("cache", cache), ("broker", broker))
        if not state["ok"]
    ]
    return JsonResponse(
        {"status": status, "down": down, "database": database, "cache": cache, "broker": broker},
        status=200 if database["ok"] else 503,
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = (
        str(exception)
        if exception and str(exception)
        else ("You do not have permission to do that.")
    )
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: the API's JSON body under /api/; under a prefix of ``NOT_FOUND_VIEWS`` (the
    residents' portal) that part's own page; the staff's page otherwise."""
    for prefix, view in getattr(settings, "NOT_FOUND_VIEWS", {}).items():
        if request.path.startswith(prefix):
            return import_string(view)(request, exception)
    if request.path.startswith("/api/"):
        # An API client asked for an address that does not exist (a malformed id, say):
        # it gets the API's own error body, not a web page.
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


# What a database that cannot be reached raises: refused or dropped connections, a
# server shutting down, a connection already closed.
DATABASE_AWAY = (OperationalError, InterfaceError)
# Seconds a client should wait before trying again while the database is away: a restart
# or a failover takes about this long.
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: a plain page, or the API's ``{"detail": ...}`` under /api/.
    Rendered without the request: context processors read the database that is away."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith("/api/"):
        detail = (
            "The service cannot reach its database just now and will be back shortly: "
            f"try again in {RETRY_AFTER_SECONDS} seconds."
        )
        return JsonResponse({"detail": detail}, status=503, headers=headers)
    page = get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    return HttpResponse(page, status=503, headers=headers)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the exception, so it is still at hand: a
    # database away (raised by a middleware, after core.middleware could see it) is 503.
    if isinstance(sys.exc_info()[1], DATABASE_AWAY):
        return database_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error: it has been logged."}, status=500)
    # Rendered without the request: context processors may need the database that failed.
    return HttpResponse(get_template("500.html").render({}), status=500)
