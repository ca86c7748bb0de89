"""The web shell: sign-in, each role's home page, /healthz, error pages, throttling."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.conftest import PASSWORD

PERSONAS = {
    "alice": "Officer",
    "harriet": "Head of service",
    "sam": "Strategic Management Team",
    "pat": "Partner contract manager",
    "audrey": "Auditor",
    "ada": "Administrator",
}


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_page_has_labelled_fields(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'lang="en-GB"' in html


def test_wrong_password_shows_error_summary_and_keeps_nothing(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Please enter a correct username and password" in html
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("persona", "role_label"), PERSONAS.items())
def test_each_role_signs_in_and_sees_its_own_home(client, request, persona, role_label):
    user = request.getfixturevalue(persona)
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"You are signed in as <strong>{role_label}</strong>" in html


def test_officer_home_lists_housing_returns_due_not_finance(client, alice, housing, finance):
    from tests.factories import IndicatorFactory

    IndicatorFactory(department=housing, code="LPI-HOU-01", title="Homelessness preventions")
    IndicatorFactory(department=finance, code="LPI-FIN-01", title="Invoices paid on time")
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "LPI-HOU-01" in html
    assert "LPI-FIN-01" not in html
    assert "Not started" in html


def test_user_without_role_is_told_to_ask_an_administrator(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    html = client.get("/").content.decode()
    assert "Your account has no role yet" in html


def test_sign_out_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_healthz_reports_database_cache_and_broker(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["down"]) == ("ok", [])
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_answers_200_when_only_the_broker_is_down(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["down"]) == ("degraded", ["broker"])
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True
    assert "127.0.0.1" not in response.content.decode()  # nor any other address or port


def test_unknown_page_gets_the_friendly_404(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_favicon_and_stylesheet_are_served(client, db):
    assert client.get("/static/favicon.svg").status_code == 200
    assert client.get("/static/css/site.css").status_code == 200


def test_fifth_failed_sign_in_locks_the_account(client, alice):
    for _ in range(5):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_lists_only_departments_in_scope(client, alice, housing, finance):
    client.force_login(alice)
    body = client.get("/api/v1/departments/").json()
    assert body["count"] == 1
    assert [row["code"] for row in body["results"]] == ["housing"]
    assert client.get(f"/api/v1/departments/{finance.pk}/").status_code == 404


def test_api_refuses_reference_data_changes_except_to_admin(client, alice, ada, housing):
    client.force_login(alice)
    response = client.patch(
        f"/api/v1/departments/{housing.pk}/", {"name": "Homes"}, content_type="application/json"
    )
    assert response.status_code == 403
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/departments/{housing.pk}/", {"name": "Homes"}, content_type="application/json"
    )
    assert response.status_code == 200
    housing.refresh_from_db()
    assert housing.name == "Homes"
    assert housing.history.first().history_user == ada


def test_api_rejects_anonymous_requests(client, db):
    assert client.get("/api/v1/indicators/").status_code == 401
