"""A real browser (Debian's Chromium through Playwright) signs in and checks accessibility."""

import pytest

from tests.browser.axe import no_axe_violations
from tests.conftest import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_officer_signs_in_with_the_keyboard_and_sees_their_home(page, live_server, alice):
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    no_axe_violations(page, "Sign-in page")

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == alice.get_full_name()
    assert "You are signed in as Officer for Housing" in page.inner_text("main")
    no_axe_violations(page, "Officer's home")


@pytest.mark.django_db(transaction=True)
def test_wrong_password_error_summary_is_announced(page, live_server, alice):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
