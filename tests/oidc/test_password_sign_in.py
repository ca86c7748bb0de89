"""Who may sign in with a password while single sign-on is on: one rule, in the password
check itself (departments.single_sign_on.passwords), so the sign-in page, the admin site's
sign-in and the API's token endpoint all keep it."""

import pytest

from core.signin import LOCAL_SIGN_IN_REFUSED
from departments.models import ApiToken
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
