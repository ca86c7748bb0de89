"""A signed-in account with no role (made by an administrator who has not yet given it a
membership, or whose role was taken away) is told so alike everywhere: the home page says
it, every other page and every API endpoint answers 403, and the API says why in the same
words (``roles.NO_ROLE_MESSAGE``). Before, the API listed nothing and several pages
refused. The one exception is its own API tokens: it may still see and revoke them (a
token must always be revocable by its owner), but it cannot make one."""

import pytest
from django.urls import reverse

from departments.roles import NO_ROLE_MESSAGE
from tests.factories import UserFactory

PAGES = [
    "departments:my-returns",
    "departments:import-start",
    "departments:import-template",
    "departments:referrals",
    "departments:referral-new",
    "reporting:coordination",
    "reporting:overview",
    "reporting:reports",
    "reporting:audit-trail",
    "reporting:combined",
    "reporting:early-warnings",
    "reporting:benchmarking",
    "publication:manage",
]


@pytest.fixture
def nina(council):
    return UserFactory(username="nina")


def test_the_home_page_tells_an_account_without_a_role_what_to_do(client, nina):
    client.force_login(nina)
    response = client.get("/")
    assert response.status_code == 200
    assert NO_ROLE_MESSAGE in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_every_other_page_refuses_an_account_without_a_role(client, nina, name):
    client.force_login(nina)
    assert client.get(reverse(name)).status_code == 403


def test_every_api_endpoint_refuses_an_account_without_a_role_in_the_same_words(client, nina, ada):
    client.force_login(ada)
    endpoints = client.get("/api/v1/").json()
    assert len(endpoints) >= 20
    client.force_login(nina)
    assert client.get("/api/v1/").status_code == 403
    for name, url in endpoints.items():
        if name == "tokens":
            continue  # its own tokens, to revoke them: see below
        if name == "public/indicators":
            continue  # the published figures, open to anyone (tests/publication)
        response = client.get(url)
        assert response.status_code == 403, name
        assert response.json()["detail"] == NO_ROLE_MESSAGE, name
    refused = client.post("/api/v1/referrals/", {}, content_type="application/json")
    assert (refused.status_code, refused.json()["detail"]) == (403, NO_ROLE_MESSAGE)


def test_a_role_given_later_opens_the_api(client, nina, housing):
    from departments.roles import Role
    from tests.factories import MembershipFactory

    client.force_login(nina)
    assert client.get("/api/v1/referrals/").status_code == 403
    MembershipFactory(user=nina, role=Role.OFFICER, department=housing)
    assert client.get("/api/v1/referrals/").status_code == 200


def test_an_account_that_lost_its_role_still_revokes_its_own_tokens_but_makes_none(client, alice):
    from departments.models import ApiToken, Membership
    from departments.tokens.services import create_token
    from tests.conftest import PASSWORD

    first = create_token(user=alice, name="Excel")
    second = create_token(user=alice, name="Power BI")
    by_token = {"HTTP_AUTHORIZATION": f"Token {first.key}"}
    assert client.get("/api/v1/referrals/", **by_token).status_code == 200
    Membership.objects.filter(user=alice).delete()

    refused = client.get("/api/v1/referrals/", **by_token)
    assert (refused.status_code, refused.json()["detail"]) == (403, NO_ROLE_MESSAGE)
    listed = client.get("/api/v1/tokens/", **by_token).json()["results"]
    assert sorted(t["name"] for t in listed) == ["Excel", "Power BI"]
    assert client.delete(f"/api/v1/tokens/{first.token.pk}/", **by_token).status_code == 204
    client.force_login(alice)
    page = client.get(reverse("departments:api-tokens"))
    assert page.status_code == 200 and "Power BI" in page.content.decode()
    revoke = reverse("departments:api-token-revoke", args=[second.token.pk])
    assert client.post(revoke).status_code == 302
    assert ApiToken.objects.active().filter(user=alice).count() == 0

    made = client.post(reverse("departments:api-tokens"), {"name": "Another"})
    assert made.status_code == 403
    client.logout()
    by_password = client.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": PASSWORD, "name": "Another"},
        content_type="application/json",
    )
    assert (by_password.status_code, by_password.json()["detail"]) == (403, NO_ROLE_MESSAGE)
    assert not ApiToken.objects.filter(name="Another").exists()


# An elected member holds a role, but only for signed-off figures and scrutiny: every other
# page and endpoint refuses them as it refuses an account with no role, in one message
# (roles.MEMBER_MESSAGE), decided in one place (roles.MEMBER_PAGES, MEMBER_ENDPOINTS).


@pytest.mark.parametrize("name", PAGES)
def test_every_officers_page_refuses_an_elected_member(client, mo, name):
    from departments.roles import MEMBER_PAGES

    client.force_login(mo)
    response = client.get(reverse(name))
    if name in MEMBER_PAGES:
        assert response.status_code in (200, 404)  # 404: no month signed off yet
    else:
        assert response.status_code == 403


def test_every_other_api_endpoint_refuses_an_elected_member_in_the_same_words(client, mo, ada):
    from departments.roles import MEMBER_MESSAGE

    client.force_login(ada)
    endpoints = client.get("/api/v1/").json()
    client.force_login(mo)
    open_to_members = {
        "metrics/overview",
        "metrics/departments",
        "metrics/indicators",
        "metrics/partnerships",
        "metrics/combined",
        "home",
        "scrutiny-items",
        "scrutiny-committees",
        "tokens",  # their own, to revoke any made before they were a member
        "public/indicators",  # the published figures, open to everyone
    }
    refused = 0
    for name, url in endpoints.items():
        response = client.get(url)
        if name in open_to_members:
            assert response.status_code in (200, 404, 405), name
            continue
        assert response.status_code == 403, name
        assert response.json()["detail"] == MEMBER_MESSAGE, name
        refused += 1
    assert refused >= 20
