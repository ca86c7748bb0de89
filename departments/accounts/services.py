"""Writes to a person's own account that the account page offers.

The page (``departments.accounts.views``) calls these; each records what it did in the
account's history, which the audit trail shows.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.sessions import end_sessions_of
from departments.models.accounts import SignInTimes, record_account_event


@transaction.atomic
def sign_out_everywhere(*, user) -> int:
    """End every session of ``user`` on every device, the one asking included, and record
    it in the account's history; returns how many sessions were ended.

    API tokens are separate credentials and stay as they are (the API tokens page revokes
    them). ImproperlyConfigured when sessions are not stored in the database
    (``core.sessions.end_sessions_of``).
    """
    ended = end_sessions_of(user.pk)
    sessions = "session" if ended == 1 else "sessions"
    record_account_event(
        user, actor=user, reason=f"Signed out everywhere: {ended} {sessions} ended"
    )
    return ended


def record_sign_in(*, user, at=None) -> SignInTimes:
    """Keep when ``user`` signed in (``at``, default now, a UTC instant) and move the
    sign-in before it to ``previous``: the "previous visit" a home measures from
    (``SignInTimes``). Called at every sign-in (Django's ``user_logged_in`` signal); the
    row is locked so two sign-ins at once keep one of them as the other's previous, and a
    first sign-in that loses the race to create the row reads (and locks) the winner's
    rather than failing the sign-in (``get_or_create`` reads again after the conflict).

    Sign-ins may take the lock in another order than their instants (each is stamped
    before it waits), so the two latest instants are kept whatever the order of arrival:
    ``previous`` is never later than ``latest``."""
    at = at or timezone.now()
    with transaction.atomic():
        times, created = SignInTimes.objects.select_for_update().get_or_create(
            user=user, defaults={"latest": at}
        )
        if not created:
            times.previous, times.latest = _two_latest(times.previous, times.latest, at)
            times.save(update_fields=["previous", "latest"])
    return times


def _two_latest(previous, latest, at):
    """The second latest and the latest of the kept instants and ``at`` (None sorts first)."""
    kept = sorted(instant for instant in (previous, latest, at) if instant is not None)
    return kept[-2], kept[-1]


def previous_visit(user) -> datetime | None:
    """When ``user`` signed in before their latest sign-in (a UTC instant), or None when
    this is their first sign-in that was kept (``SignInTimes``). One query."""
    return SignInTimes.objects.filter(user_id=user.pk).values_list("previous", flat=True).first()
