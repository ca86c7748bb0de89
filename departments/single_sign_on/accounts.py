"""The accounts of people who sign in with their council account: found by the identity
provider's subject, created at first sign-in when OIDC_CREATE_USERS allows, and kept named
as the directory names them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from departments.history import attribute
from departments.models import SingleSignOnIdentity

CREATED = "Created at first sign-in with the council account"
RENAMED = "Name or email taken from the directory at sign-in"


def account_for(*, issuer: str, subject: str):
    """The account linked to ``subject`` at ``issuer``, or None. Never found by email: an
    address can be reused or typed into a directory by anyone who administers it."""
    identity = (
        SingleSignOnIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    return identity.user if identity else None


def create_account(*, issuer: str, subject: str, claims: dict):
    """A new account for ``subject``, with no usable password (it signs in only through
    the provider), named from the claims and linked to the subject; its history says how
    it was made.

    Two first sign-ins of one subject at once (two tabs, a double click) both find no
    account: the one that loses the race to insert reads the winner's account and returns
    it, as ``core.concurrency.insert_first`` does for one row (here the account and its
    link are inserted together, in a savepoint, so the loser leaves no half-made account).
    On PostgreSQL the losing insert waits for the winner's commit, then fails."""
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model(username=_free_username(claims, subject), **_names(claims))
            user.set_unusable_password()
            attribute(user, None, CREATED)
            user.save(force_insert=True)
            SingleSignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError:
        winner = account_for(issuer=issuer, subject=subject)
        if winner is None:
            raise
        return winner
    return user


def update_names(*, user, claims: dict) -> None:
    """Keep the account's names and email as the directory has them (when it says)."""
    names = _names(claims)
    changed = [field for field, value in names.items() if value and getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, names[field])
        attribute(user, user, RENAMED)
        user.save(update_fields=changed)


def _names(claims: dict) -> dict[str, str]:
    def text(name: str, limit: int) -> str:
        value = claims.get(name)
        return value[:limit] if isinstance(value, str) else ""

    return {
        "first_name": text("given_name", 150),
        "last_name": text("family_name", 150),
        "email": text("email", 254),
    }


def _free_username(claims: dict, subject: str) -> str:
    """The sign-in name the directory gives (Entra ID: preferred_username, the UPN), or
    the subject; with a suffix from the subject (and a number, should that be taken too)
    when another account already has it. One query."""
    user_model = get_user_model()
    wanted = claims.get("preferred_username") or claims.get("email") or subject
    base = str(wanted)[:120]
    candidate, taken = base, user_model.objects.filter(username__startswith=base)
    taken = set(taken.values_list("username", flat=True))
    suffix = 1
    # The subject makes a clash unlikely, never impossible: count on until a name is free.
    while candidate in taken:
        candidate = f"{base}-{subject[:24]}" + (f"-{suffix}" if suffix > 1 else "")
        suffix += 1
    return candidate
