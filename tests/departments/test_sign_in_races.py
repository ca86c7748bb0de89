"""Fifty first sign-ins of one person at once (PostgreSQL, real commits): every one is
kept and none fails, whichever creates the row of sign-in times (``record_sign_in``)."""

from __future__ import annotations

import pytest

from departments.accounts.services import record_sign_in
from departments.models import SignInTimes
from tests.races import AT_ONCE, at_once, race_ready  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]


def test_fifty_first_sign_ins_at_once_keep_one_row_and_fail_none(alice):
    def sign_in():
        # What every sign-in calls (Django's user_logged_in signal, departments/apps.py).
        record_sign_in(user=alice)
        return "signed in"

    outcomes = at_once([sign_in for _ in range(AT_ONCE)])

    assert outcomes == ["signed in"] * AT_ONCE
    (times,) = SignInTimes.objects.filter(user=alice)
    assert times.previous is not None and times.previous <= times.latest
