"""Personal API tokens: obtained with a password or on the tokens page, shown once, kept
as a digest, scoped exactly as their user, revoked by their owner or an administrator;
and the throttles that guard the API and the token endpoint."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings
from rest_framework.settings import api_settings

from departments.models import ApiToken
from departments.tokens.services import create_token
from tests.conftest import PASSWORD
from tests.factories import IndicatorFactory, KpiReturnFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PAGE = "/account/tokens/"


def _obtain(client, username, password=PASSWORD, name="Finance system"):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password, "name": name},
        content_type="application/json",
    )


def _auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.fixture
def returns(housing, finance):
    ours = KpiReturnFactory(indicator=IndicatorFactory(department=housing))
    theirs = KpiReturnFactory(indicator=IndicatorFactory(department=finance))
    return ours, theirs


def test_a_token_is_shown_once_kept_as_a_digest_and_acts_as_its_user(client, alice, returns):
    ours, theirs = returns
    response = _obtain(client, "alice")
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert body["name"] == "Finance system" and body["prefix"] == key[:8] and body["active"]

    token = ApiToken.objects.get()
    assert token.user == alice
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values().get())
    assert token.last_used_at is None

    listed = client.get("/api/v1/returns/", **_auth(key))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [ours.pk]
    assert client.get(f"/api/v1/returns/{theirs.pk}/", **_auth(key)).status_code == 404
    token.refresh_from_db()
    assert token.last_used_at is not None

    # The key is never shown again: the token list carries no key.
    mine = client.get("/api/v1/tokens/", **_auth(key)).json()["results"]
    assert [t["name"] for t in mine] == ["Finance system"] and "key" not in mine[0]


def test_a_wrong_password_or_missing_name_is_refused_naming_the_problem(client, alice):
    wrong = _obtain(client, "alice", password="not-it")
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["The username or password is not right."]}
    unnamed = _obtain(client, "alice", name="")
    assert unnamed.status_code == 400 and list(unnamed.json()) == ["name"]
    assert _obtain(client, "alice").status_code == 201
    again = _obtain(client, "alice")
    assert again.status_code == 400
    assert again.json() == {"name": ["You already have a token named 'Finance system'."]}
    assert not ApiToken.objects.exclude(name="Finance system").exists()


def test_revoked_tokens_and_inactive_users_are_refused(client, alice, returns):
    revoked = create_token(user=alice, name="Old")
    kept = create_token(user=alice, name="Current")
    response = client.delete(f"/api/v1/tokens/{revoked.token.pk}/", **_auth(kept.key))
    assert response.status_code == 204
    refused = client.get("/api/v1/returns/", **_auth(revoked.key))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid, revoked or expired token."}
    assert refused["WWW-Authenticate"] == "Token"
    assert client.get("/api/v1/returns/", **_auth(kept.key)).status_code == 200

    alice.is_active = False
    alice.save()
    assert client.get("/api/v1/returns/", **_auth(kept.key)).status_code == 401
    assert _obtain(client, "alice", name="Another").status_code == 400


def test_only_the_owner_or_an_administrator_revokes_a_token(client, alice, bob, ada, audrey):
    alices = create_token(user=alice, name="Alice's")
    bobs = create_token(user=bob, name="Bob's")
    # Someone else's token is outside one's scope: 404, not a hint that it exists.
    assert client.delete(f"/api/v1/tokens/{alices.token.pk}/", **_auth(bobs.key)).status_code == (
        404
    )
    # An auditor changes no data, but makes and revokes their own tokens.
    audreys = _obtain(client, "audrey", name="Audit extract")
    assert audreys.status_code == 201
    audrey_key = audreys.json()["key"]
    assert client.get("/api/v1/tokens/", **_auth(audrey_key)).json()["count"] == 1

    admins = create_token(user=ada, name="Admin")
    listed = client.get("/api/v1/tokens/", **_auth(admins.key)).json()
    assert listed["count"] == 4
    assert client.delete(f"/api/v1/tokens/{alices.token.pk}/", **_auth(admins.key)).status_code == (
        204
    )
    alices.token.refresh_from_db()
    assert alices.token.revoked_by == ada
    history = list(alices.token.history.order_by("history_date"))
    assert [h.history_change_reason for h in history] == ["Created", "Revoked"]
    assert history[-1].history_user == ada


def test_the_tokens_page_makes_shows_once_and_revokes(client, alice, bob):
    client.force_login(alice)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert b"You have no API tokens." in page.content

    blank = client.post(PAGE, {"name": " "})
    assert blank.status_code == 400
    assert b"There is a problem" in blank.content
    assert b'href="#id_name"' in blank.content
    assert b'aria-invalid="true"' in blank.content

    made = client.post(PAGE, {"name": "Spreadsheet"})
    assert made.status_code == 201
    token = ApiToken.objects.get(user=alice)
    key = made.context["new_key"]
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key.encode() in made.content
    assert key.encode() not in client.get(PAGE).content
    assert f"{token.prefix}…".encode() in client.get(PAGE).content

    bobs = create_token(user=bob, name="Bob's")
    assert client.post(f"{PAGE}{bobs.token.pk}/revoke/").status_code == 404
    revoked = client.post(f"{PAGE}{token.pk}/revoke/", follow=True)
    assert b"The token &#x27;Spreadsheet&#x27; is revoked" in revoked.content
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == alice
    assert client.get(f"{PAGE}{token.pk}/revoke/").status_code == 405


def test_an_administrator_revokes_anyones_token_on_the_page_as_through_the_api(client, alice, ada):
    alices = create_token(user=alice, name="Spreadsheet")
    admins = create_token(user=ada, name="Admin")
    client.force_login(ada)

    page = client.get(PAGE)
    listed = client.get("/api/v1/tokens/", {"user": ada.pk}, **_auth(admins.key)).json()
    revoked = client.post(f"{PAGE}{alices.token.pk}/revoke/")

    # The page lists one's own tokens: the API's ?user=<own id>.
    assert [t.pk for t in page.context["tokens"]] == [r["id"] for r in listed["results"]]
    assert [r["id"] for r in listed["results"]] == [admins.token.pk]
    assert revoked.status_code == 302
    alices.token.refresh_from_db()
    assert alices.token.revoked_by == ada


def test_the_page_needs_a_signed_in_user(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _rates(**rates):
    merged = {**api_settings.DEFAULT_THROTTLE_RATES, **rates}
    from django.conf import settings

    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
    )


def test_a_user_over_their_rate_gets_429_with_retry_after(client, alice):
    client.force_login(alice)
    with _rates(user="3/minute"):
        codes = [client.get("/api/v1/departments/").status_code for _ in range(4)]
        throttled = client.get("/api/v1/departments/")
    assert codes == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Request was throttled.")


def test_each_token_has_its_own_rate_within_the_users(client, alice):
    first = create_token(user=alice, name="First")
    second = create_token(user=alice, name="Second")
    with _rates(user="100/minute", token="2/minute"):
        codes = [
            client.get("/api/v1/departments/", **_auth(first.key)).status_code for _ in range(3)
        ]
        other = client.get("/api/v1/departments/", **_auth(second.key))
    assert codes == [200, 200, 429]
    assert other.status_code == 200


def test_password_guessing_at_the_token_endpoint_is_throttled(client, alice):
    with _rates(token_create="3/minute"):
        codes = [_obtain(client, "alice", password=f"guess-{n}").status_code for n in range(3)]
        blocked = _obtain(client, "alice")
    assert codes == [400, 400, 400]
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_username_locked_by_axes_gets_no_token_even_with_the_right_password(client, alice):
    codes = [_obtain(client, "alice", password=f"guess-{n}").status_code for n in range(3)]
    locked = _obtain(client, "alice")
    assert codes[:2] == [400, 400]
    assert codes[2] == 429
    assert locked.status_code == 429
    assert locked.json() == {
        "detail": "Too many failed attempts: this username is locked for a while."
    }
    assert int(locked["Retry-After"]) == 15 * 60
    assert not ApiToken.objects.exists()
