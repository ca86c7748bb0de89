"""The sign-in times a home measures "since your previous visit" from
(``departments.accounts.services.record_sign_in``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from departments.accounts.services import previous_visit, record_sign_in

pytestmark = pytest.mark.django_db

NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TEN = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ELEVEN = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)


def test_a_first_sign_in_has_no_previous_visit(alice):
    record_sign_in(user=alice, at=TEN)

    assert previous_visit(alice) is None


def test_each_sign_in_moves_the_one_before_to_previous(alice):
    for at in (NINE, TEN, ELEVEN):
        record_sign_in(user=alice, at=at)

    assert previous_visit(alice) == TEN


def test_a_sign_in_that_takes_the_lock_late_keeps_the_two_latest_in_order(alice):
    # Each sign-in is stamped before it waits for the lock, so eleven o'clock's may be
    # written before ten o'clock's: the latest stays eleven, the previous becomes ten.
    for at in (NINE, ELEVEN, TEN):
        record_sign_in(user=alice, at=at)

    times = alice.sign_in_times
    times.refresh_from_db()
    assert (times.previous, times.latest) == (TEN, ELEVEN)


def test_a_late_first_sign_in_becomes_the_previous(alice):
    record_sign_in(user=alice, at=ELEVEN)
    record_sign_in(user=alice, at=TEN)

    assert previous_visit(alice) == TEN
