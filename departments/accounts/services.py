"""Writes to a person's own account that the account page offers.

The page (``departments.accounts.views``) calls these; each records what it did in the
account's history, which the audit trail shows.
"""

from __future__ import annotations

from django.db import transaction

from core.sessions import end_sessions_of
from departments.models.accounts import record_account_event


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
