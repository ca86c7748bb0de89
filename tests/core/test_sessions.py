"""Idle and absolute session limits (core/sessions.py): a signed-in session ends after
30 minutes without a request and 12 hours after signing in, with a plain message at
sign-in; an API request past a limit is answered as anonymous."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages

from core.sessions import LAST_USED_AT, SIGNED_IN_AT
from tests.test_settings import _run

SIGNED_IN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PAGE = "/returns/"


def _signed_in(client, user, when=SIGNED_IN):
    with time_machine.travel(when, tick=False):
        client.force_login(user)


def _get(client, path, when):
    with time_machine.travel(when, tick=False):
        return client.get(path)


def _session(client, when) -> dict:
    """The stored session as it reads at ``when`` (stored sessions expire with the
    absolute limit, so read outside the travelled time it would be empty)."""
    with time_machine.travel(when, tick=False):
        return dict(client.session.items())


def _is_sent_to_sign_in(response, path=PAGE) -> bool:
    return response.status_code == 302 and response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
def test_signing_in_starts_both_clocks(client, alice):
    _signed_in(client, alice)
    started = int(SIGNED_IN.timestamp())
    session = _session(client, SIGNED_IN)
    assert session[SIGNED_IN_AT] == started
    assert session[LAST_USED_AT] == started


@pytest.mark.django_db
def test_a_session_used_every_29_minutes_lasts_until_the_absolute_limit(client, alice):
    _signed_in(client, alice)
    when = SIGNED_IN
    # 24 requests 29 minutes apart: 11 h 36 min signed in, never idle for 30 minutes.
    for _ in range(24):
        when += timedelta(minutes=29)
        assert _get(client, PAGE, when).status_code == 200, when
    assert _session(client, when)[LAST_USED_AT] == int(when.timestamp())
    # 12 hours after signing in, though used 24 minutes before, it has ended.
    response = _get(client, PAGE, SIGNED_IN + timedelta(hours=12))
    assert _is_sent_to_sign_in(response)
    assert SESSION_KEY not in _session(client, SIGNED_IN + timedelta(hours=12))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You have been signed out because you signed in 12 hours ago. Sign in again to carry on."
    ]


@pytest.mark.django_db
def test_thirty_minutes_without_a_request_signs_out_with_a_plain_message(client, alice):
    _signed_in(client, alice)
    assert _get(client, PAGE, SIGNED_IN + timedelta(minutes=29, seconds=59)).status_code == 200
    last = SIGNED_IN + timedelta(minutes=29, seconds=59)
    response = _get(client, PAGE, last + timedelta(minutes=30, seconds=1))
    assert _is_sent_to_sign_in(response)
    assert SESSION_KEY not in _session(client, last + timedelta(minutes=30, seconds=1))
    with time_machine.travel(last + timedelta(minutes=30, seconds=2), tick=False):
        sign_in_page = client.get(response["Location"])
    assert sign_in_page.status_code == 200
    assert (
        "You have been signed out after 30 minutes without activity. Sign in again to carry on."
        in sign_in_page.content.decode()
    )


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute(client, alice):
    """Reading pages does not write the session every time: within a minute of the last
    recorded use nothing changes, so the idle limit can end a session up to a minute early."""
    _signed_in(client, alice)
    _get(client, PAGE, SIGNED_IN + timedelta(seconds=59))
    assert _session(client, SIGNED_IN)[LAST_USED_AT] == int(SIGNED_IN.timestamp())
    _get(client, PAGE, SIGNED_IN + timedelta(seconds=60))
    assert _session(client, SIGNED_IN)[LAST_USED_AT] == int(SIGNED_IN.timestamp()) + 60
    # The latest request 29 min 30 s ago was recorded as 30 minutes ago: signed out.
    recorded = SIGNED_IN + timedelta(seconds=60)
    _get(client, PAGE, recorded + timedelta(seconds=30))
    assert _is_sent_to_sign_in(_get(client, PAGE, recorded + timedelta(minutes=30)))


@pytest.mark.django_db
def test_an_api_request_past_the_limit_is_answered_as_anonymous(client, alice):
    _signed_in(client, alice)
    assert _get(client, "/api/v1/returns/", SIGNED_IN + timedelta(minutes=5)).status_code == 200
    response = _get(client, "/api/v1/returns/", SIGNED_IN + timedelta(minutes=36))
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert SESSION_KEY not in _session(client, SIGNED_IN + timedelta(minutes=36))


def test_the_limits_are_read_from_the_environment_and_checked():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_IDLE_TIMEOUT, s.SESSION_ABSOLUTE_TIMEOUT, s.SESSION_COOKIE_AGE)"
    )
    assert _run(["-c", probe]).stdout.split() == ["0:30:00", "12:00:00", "43200"]
    configured = _run(["-c", probe], SESSION_IDLE_MINUTES="10", SESSION_ABSOLUTE_HOURS="8")
    assert configured.stdout.split() == ["0:10:00", "8:00:00", "28800"]
    refused = _run(["-c", probe], SESSION_IDLE_MINUTES="600", SESSION_ABSOLUTE_HOURS="8")
    assert refused.returncode != 0
    assert "SESSION_IDLE_MINUTES must be above 0" in refused.stderr


@pytest.mark.django_db
def test_shorter_limits_end_sessions_sooner(settings, client, alice):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=5)
    settings.SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=1)
    _signed_in(client, alice)
    assert _get(client, PAGE, SIGNED_IN + timedelta(minutes=4)).status_code == 200
    response = _get(client, PAGE, SIGNED_IN + timedelta(minutes=9))
    assert _is_sent_to_sign_in(response)
    assert "after 5 minutes without activity" in str(list(get_messages(response.wsgi_request))[0])


@pytest.mark.django_db
def test_a_session_from_before_the_limits_starts_its_clocks_on_its_next_request(client, alice):
    _signed_in(client, alice)
    later = SIGNED_IN + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        session = client.session
        del session[SIGNED_IN_AT], session[LAST_USED_AT]
        session.save()
    assert _get(client, PAGE, later).status_code == 200
    assert _session(client, later)[SIGNED_IN_AT] == int(later.timestamp())
