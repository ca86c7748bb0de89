"""The account page: one's roles, and signing out everywhere, which ends every session of
one's own (on every device, this one too), no one else's, and is in the audit trail."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from core.sessions import end_sessions_of
from departments.models import ApiToken
from departments.tokens import services as token_services
from reporting.audit.selectors import AuditTrail

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_page_shows_ones_roles_and_the_way_to_sign_out_everywhere(client, alice):
    client.force_login(alice)
    page = client.get("/account/").content.decode()
    assert "Officer of Housing" in page
    assert 'action="/account/sign-out-everywhere/"' in page
    assert 'href="/account/"' in page  # from the header of every page


def test_signing_out_everywhere_ends_all_ones_own_sessions_and_no_one_elses(alice, bob, audrey):
    laptop, phone, office = _signed_in(alice), _signed_in(alice), _signed_in(alice)
    colleague = _signed_in(bob)
    token = token_services.create_token(user=alice, name="Nightly import")

    response = laptop.post("/account/sign-out-everywhere/", follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You have signed out everywhere (2 other sessions as well as this one)." in (
        response.content.decode()
    )
    for device in (laptop, phone, office):
        assert device.get("/returns/").status_code == 302  # to sign-in
    assert colleague.get("/returns/").status_code == 200
    assert [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()] == [str(bob.pk)]
    # API tokens are separate credentials: they still work until revoked.
    assert ApiToken.objects.get(pk=token.token.pk).is_active

    (entry,) = [
        e
        for e in AuditTrail(user=audrey, object_type="account")
        if e.reason.startswith("Signed out everywhere")
    ]
    assert entry.reason == "Signed out everywhere: 3 sessions ended"
    assert (entry.who, entry.record_id, entry.action) == (
        f"{alice.first_name} {alice.last_name}",
        alice.pk,
        "Changed",
    )


def test_signing_out_everywhere_answers_only_a_post_by_someone_signed_in(client, alice):
    assert client.post("/account/sign-out-everywhere/").status_code == 302  # to sign-in
    client.force_login(alice)
    assert client.get("/account/sign-out-everywhere/").status_code == 405
    assert client.get("/returns/").status_code == 200


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
def test_signing_out_everywhere_is_refused_plainly_where_sessions_are_not_in_the_database(
    alice,
):
    with pytest.raises(ImproperlyConfigured, match="needs sessions stored in the database"):
        end_sessions_of(alice.pk)
