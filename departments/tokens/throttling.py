"""API throttles: per user, per token, and for the token endpoint per address.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (set from the environment
in settings) and counts live in the default cache (Redis in production, shared by every
gunicorn process). A throttled request answers 429 with ``Retry-After`` in seconds.

The throttles fail open: while Redis is away the cache (django-redis with
IGNORE_EXCEPTIONS, config/settings.py) reads every count as none and logs each failed
call, so requests are allowed rather than refused with a server error (issue 22).
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from departments.models import ApiToken


class _RateFromSettings(SimpleRateThrottle):
    """DRF binds the rates to the class when it is imported; read them per request so a
    changed setting (and a test's override) takes effect."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_RateFromSettings):
    """Every authenticated user's requests, however they signed in."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class TokenThrottle(_RateFromSettings):
    """Each token's requests on their own, so one busy integration cannot starve another
    token of the same user beyond the user's own rate."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class TokenCreationThrottle(_RateFromSettings):
    """Password guesses at the token endpoint, counted per client address."""

    scope = "token_create"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
