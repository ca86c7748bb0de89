"""Signed-in sessions end after a time without activity and after a fixed time in all.

``SESSION_IDLE_TIMEOUT`` (default 30 minutes) and ``SESSION_ABSOLUTE_TIMEOUT`` (default
12 hours) in ``config/settings.py``. Each signed-in session keeps two times, in seconds
since the epoch (UTC): when its user signed in and when it was last used. A request past
either limit signs the user out; a page request is then sent to sign-in with a message
saying why, and an API request goes on as anonymous (answered 401 or 403 by the API).
``end_sessions_of`` ends all of one person's sessions ("sign out everywhere").

"Last used" is written at most once a minute (``LAST_USED_PRECISION``), so that reading
a page does not write the session row every time; the idle limit is measured from that
time, so a session ends up to a minute early, never late.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.words import plural

SIGNED_IN_AT = "signed_in_at"
LAST_USED_AT = "last_used_at"
LAST_USED_PRECISION = timedelta(minutes=1)
API_PREFIX = "/api/"


def _now() -> int:
    return int(timezone.now().timestamp())


def _in_words(limit: timedelta) -> str:
    """``timedelta(minutes=30)`` → "30 minutes"; whole hours in hours."""
    minutes = int(limit.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return plural(hours, "hour")
    return plural(minutes, "minute")


def start_session_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    """At sign-in (Django's ``user_logged_in`` signal): both times are now."""
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_USED_AT] = now


def expiry_reason(session, *, now: int) -> str | None:
    """Why a signed-in session has ended, in words for the sign-in page, or None while it
    is within both limits."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_used_at = session.get(LAST_USED_AT)
    if signed_in_at is None or last_used_at is None:
        return None
    absolute = settings.SESSION_ABSOLUTE_TIMEOUT
    idle = settings.SESSION_IDLE_TIMEOUT
    if now - signed_in_at >= absolute.total_seconds():
        return (
            f"You have been signed out because you signed in {_in_words(absolute)} ago. "
            "Sign in again to carry on."
        )
    if now - last_used_at >= idle.total_seconds():
        return (
            f"You have been signed out after {_in_words(idle)} without activity. "
            "Sign in again to carry on."
        )
    return None


class SessionTimeoutMiddleware:
    """Ends signed-in sessions past the idle or the absolute limit (see the module).

    After ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        # Only signed-in sessions have limits; asking the session, not request.user,
        # reads no user row for anonymous requests.
        if SESSION_KEY in session:
            now = _now()
            reason = expiry_reason(session, now=now)
            if reason is not None:
                logout(request)
                if not request.path.startswith(API_PREFIX):
                    messages.info(request, reason)
                    return redirect_to_login(request.get_full_path())
            elif SIGNED_IN_AT not in session:
                # Signed in before the limits were kept (or by a path that sent no
                # user_logged_in): the clock starts now.
                start_session_clock(None, request, None)
            elif now - session[LAST_USED_AT] >= LAST_USED_PRECISION.total_seconds():
                session[LAST_USED_AT] = now
        return self.get_response(request)


def end_sessions_of(user_id: int) -> int:
    """Delete every unexpired session signed in as ``user_id``; returns how many.

    Sessions are found by reading each unexpired stored session (one expires
    ``SESSION_ABSOLUTE_TIMEOUT`` after it was last written, so these are the ones used in
    the last 12 hours by default), which needs a backend that stores them in the database
    (``db``, or ``cached_db``, whose cache copy is deleted too); any other raises
    ImproperlyConfigured rather than claim to have ended sessions it cannot see.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        raise ImproperlyConfigured(
            f"Signing out everywhere needs sessions stored in the database; "
            f"SESSION_ENGINE is {settings.SESSION_ENGINE}."
        )
    stored = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    wanted = str(user_id)
    keys = [
        session.session_key
        for session in stored.iterator(chunk_size=2000)
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)
