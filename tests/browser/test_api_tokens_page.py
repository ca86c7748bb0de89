"""The API tokens page in a real browser: an empty name is announced, a token is shown
once, and it is revoked; axe finds nothing at each step."""

import pytest

from departments.models import ApiToken
from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_an_officer_makes_copies_and_revokes_a_token(page, live_server, alice):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="API tokens").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    no_axe_violations(page, "Empty tokens page")

    page.get_by_role("button", name="Make token").click()
    assert "Give the token a name" in page.get_by_role("alert").inner_text()
    no_axe_violations(page, "Error summary")

    page.get_by_label("Name").fill("Finance system")
    page.get_by_role("button", name="Make token").click()
    key = page.get_by_role("textbox", name="Token", exact=True).input_value()
    token = ApiToken.objects.get(user=alice)
    assert key.startswith(token.prefix) and len(key) > 40
    no_axe_violations(page, "New token")

    page.get_by_role("button", name="Revoke Finance system").click()
    assert "is revoked" in page.get_by_role("status").first.inner_text()
    assert key not in page.content()
    token.refresh_from_db()
    assert token.revoked_at is not None
    no_axe_violations(page, "Revoked token")
