"""A signed-in account with no role (made by an administrator who has not yet given it a
membership) is told so alike everywhere: the home page says it, every other page and
every API endpoint answers 403, and the API says why in the same words
(``roles.NO_ROLE_MESSAGE``). Before, the API listed nothing and several pages refused."""

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
    "departments:api-tokens",
    "reporting:coordination",
    "reporting:overview",
    "reporting:reports",
    "reporting:audit-trail",
    "reporting:combined",
    "reporting:early-warnings",
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
