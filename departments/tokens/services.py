"""Writes and the one lookup of personal API tokens: creating, revoking, checking a key.

The web page, the token endpoint of the API and the authentication class all call these.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.concurrency import insert_first
from departments import roles
from departments.models.tokens import PREFIX_LENGTH, ApiToken, digest_of

# Writing "last used" on every request would turn each read into a write; a minute's
# precision is all the token page shows.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its key: the only moment the key exists outside the client."""

    token: ApiToken
    key: str


@transaction.atomic
def create_token(*, user, name: str) -> NewToken:
    """Make a named token for ``user``; the key is returned here and never again.

    PermissionDenied (``roles.NO_ROLE_MESSAGE``) for an account with no role: every
    endpoint would refuse the token. Such an account may still list and revoke its own."""
    if not roles.has_a_role(user):
        raise PermissionDenied(roles.NO_ROLE_MESSAGE)
    if roles.scope_for(user).signed_off_only:
        # Members use the API on their session, within MEMBER_ENDPOINTS; a token would
        # outlive the session's time limits for no work of theirs.
        raise PermissionDenied(roles.MEMBER_MESSAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the token a name, so you can tell it apart later."]})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": ["Keep the token's name to 100 characters or fewer."]})
    taken = ValidationError({"name": [f"You already have a token named '{name}'."]})
    same_name = ApiToken.objects.active().filter(user=user, name=name)
    if same_name.exists():
        raise taken
    key = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[:PREFIX_LENGTH], key_digest=digest_of(key))
    token._history_user = user
    token._change_reason = "Created"
    # The same name asked for twice at once: the second is told the name is taken.
    insert_first(token, winner=same_name.first, conflict=lambda _: taken)
    return NewToken(token=token, key=key)


@transaction.atomic
def revoke_token(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token at once; revoking one already revoked changes nothing."""
    if not roles.may_revoke_token(actor, token.user_id):
        raise PermissionDenied("You can revoke only your own API tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token._history_user = actor
        token._change_reason = "Revoked"
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token of an active user that ``key`` belongs to, or None; notes its use."""
    token = (
        ApiToken.objects.active().select_related("user").filter(key_digest=digest_of(key)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
