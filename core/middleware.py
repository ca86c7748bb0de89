"""A database that cannot be reached answers 503 with Retry-After, never a server error.

While PostgreSQL restarts, fails over or drops its connections, every request that
touches it raises ``OperationalError`` (or ``InterfaceError`` on a connection already
closed). Such a request answers 503 with ``Retry-After`` and a plain page (JSON under
/api/) saying the service will be back (``core.web.database_unavailable``). Nothing was
stored half-way: requests do not hold a transaction open across a failure
(``ATOMIC_REQUESTS`` is off; each service's ``transaction.atomic`` rolls back). The
failed connection is closed at the end of the request (Django's ``request_finished``
closes a connection that had errors and is no longer usable), and with
``CONN_HEALTH_CHECKS`` a persistent one is checked before its next use, so the first
request after the database returns opens a fresh connection and succeeds.

This middleware answers what the view (or the template it renders) raised; the error
handler (``core.web.server_error``) answers the same way for what a middleware raised,
such as the session saved after the view.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse

from core.web import DATABASE_AWAY, database_unavailable

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_AWAY):
            return None
        logger.warning(
            "503 for %s %s: the database is unreachable (%s)",
            request.method,
            request.path,
            type(exception).__name__,
        )
        return database_unavailable(request)
