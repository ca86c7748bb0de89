"""Who may sign in with a password while single sign-on is on: one rule, in the password
check itself (departments.single_sign_on.passwords), so the sign-in page, the admin site's
sign-in and the API's token endpoint all keep it."""

import pytest

from core.signin import LOCAL_SIGN_IN_REFUSED
from departments.models import ApiToken, SingleSignOnIdentity
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def _obtain_token(client, username: str):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": PASSWORD, "name": "Excel"},
        content_type="application/json",
    )


@pytest.fixture
def only_named_accounts(settings):
    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN_USERNAMES = ["audrey", "ada"]


def test_the_token_endpoint_refuses_an_account_the_sign_in_page_refuses(
    client, only_named_accounts, alice
):
    page = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert LOCAL_SIGN_IN_REFUSED.replace('"', "&quot;") in page.content.decode()

    refused = _obtain_token(client, "alice")

    assert refused.status_code == 403
    assert refused.json() == {"detail": LOCAL_SIGN_IN_REFUSED}
    assert not ApiToken.objects.filter(user=alice).exists()


def test_the_token_endpoint_still_serves_a_named_account(client, only_named_accounts, audrey):
    given = _obtain_token(client, "audrey")

    assert given.status_code == 201
    assert ApiToken.objects.get(user=audrey).prefix == given.json()["key"][:8]


def test_a_wrong_password_reads_the_same_for_a_refused_account(client, only_named_accounts, alice):
    wrong = client.post(
        TOKEN_URL,
        {"username": "alice", "password": "not-it", "name": "Excel"},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"non_field_errors": ["The username or password is not right."]}


def test_the_admin_sign_in_keeps_the_rule_too(client, only_named_accounts, alice, ada):
    for person in (alice, ada):
        person.is_staff = True
        person.save()

    refused = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})

    assert LOCAL_SIGN_IN_REFUSED.replace('"', "&quot;") in refused.content.decode()
    assert "_auth_user_id" not in client.session
    allowed = client.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert allowed.status_code == 302


@pytest.fixture
def single_sign_on_on(settings):
    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN_USERNAMES = []


def _link(user, subject: str) -> None:
    SingleSignOnIdentity.objects.create(
        user=user, issuer="https://login.example.net/council/v2.0", subject=subject
    )


def test_an_account_linked_to_the_council_account_signs_in_only_through_it(
    client, single_sign_on_on, alice
):
    _link(alice, "alice-oid")

    page = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert LOCAL_SIGN_IN_REFUSED.replace('"', "&quot;") in page.content.decode()
    assert "_auth_user_id" not in client.session
    token = _obtain_token(client, "alice")
    assert (token.status_code, token.json()) == (403, {"detail": LOCAL_SIGN_IN_REFUSED})


def test_an_unlinked_account_still_signs_in_with_its_password_when_no_list_is_kept(
    client, single_sign_on_on, alice, bob
):
    _link(bob, "bob-oid")

    signed_in = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_linked_account_the_list_names_keeps_its_password(client, settings, audrey):
    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN_USERNAMES = ["audrey"]
    _link(audrey, "audrey-oid")

    assert _obtain_token(client, "audrey").status_code == 201
    signed_in = client.post("/accounts/login/", {"username": "audrey", "password": PASSWORD})
    assert signed_in.status_code == 302


def test_without_single_sign_on_a_linked_account_keeps_its_password(client, alice):
    _link(alice, "alice-oid")

    assert _obtain_token(client, "alice").status_code == 201
