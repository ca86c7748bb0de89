"""Personal API tokens: a user's named keys for the REST API, scoped exactly as the user.

The key itself is shown once, when it is made, and never stored: the table keeps its
SHA-256 digest (the key is 256 bits from ``secrets``, so a fast digest is enough; a slow
password hash would only slow every request) and a short prefix that people can
recognise in the list and in logs.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from departments.roles import scope_for

PREFIX_LENGTH = 8


def digest_of(key: str) -> str:
    """The SHA-256 hex digest the table keeps in place of a key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        """People see their own tokens; administrators see everyone's."""
        if scope_for(user).is_admin:
            return self.all()
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. 'Finance system nightly import'."
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The key's first characters.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written with a queryset update on use, so it leaves no history row per request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_name_unique_per_user_while_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
