"""Signing in with the council account in a real browser (Debian's Chromium) against a
real OpenID Connect provider in its own process (tests/oidc_provider.py): the provider's
own pages are used as a person would, its subject typed into its authorisation page."""

import re

import pytest

from departments.models import DirectoryRoleMapping
from departments.roles import Role
from tests.browser.axe import no_axe_violations
from tests.factories import IndicatorFactory


@pytest.fixture
def directory(settings, council_sign_on, housing, finance):
    """Housing's officers in the directory map to officers of Housing; people are given
    an account at their first sign-in."""
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_NO_ACCESS_CONTACT = "the Performance Team"
    DirectoryRoleMapping.objects.create(
        claim_value="Governance.Housing.Officer", role=Role.OFFICER, department=housing
    )
    IndicatorFactory(department=housing, code="LPI-HOU-03", title="Homelessness prevented")
    IndicatorFactory(department=finance, code="BV8", title="Invoices paid on time")
    return council_sign_on


def sign_in_at_the_provider(page, live_server, provider, subject: str) -> None:
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    page.get_by_role("link", name="Sign in with your council account").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/oauth2/authorize\?"))
    assert "code_challenge_method=S256" in page.url
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


@pytest.mark.django_db(transaction=True)
def test_an_officer_signs_in_with_the_council_account_sees_their_department_and_signs_out(
    page, live_server, directory
):
    directory.set_claims(
        "olive-oid",
        {
            "roles": ["Governance.Housing.Officer"],
            "given_name": "Olive",
            "family_name": "Okafor",
            "preferred_username": "olive.okafor@council.example",
        },
    )
    page.goto(f"{live_server.url}/accounts/login/")
    no_axe_violations(page, "the sign-in page with the council account offered")

    sign_in_at_the_provider(page, live_server, directory, "olive-oid")

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Olive Okafor"
    assert "You are signed in as Officer for Housing" in page.inner_text("main")

    page.goto(f"{live_server.url}/returns/")
    main = page.inner_text("main")
    assert "LPI-HOU-03" in main
    assert "BV8" not in main and "Finance" not in main

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(directory.issuer) + r"/oauth2/end_session\?"))
    assert "id_token_hint=" in page.url
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/returns/")
    assert page.title().startswith("Sign in")


@pytest.mark.django_db(transaction=True)
def test_a_person_whose_directory_roles_map_to_nothing_is_told_whom_to_ask(
    page, live_server, directory
):
    directory.set_claims("nina-oid", {"roles": ["Timesheets.User"]})

    sign_in_at_the_provider(page, live_server, directory, "nina-oid")

    page.wait_for_url(f"{live_server.url}/accounts/council/callback/*")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "You have no access to the performance dashboard"
    )
    assert "Ask the Performance Team to give you one." in page.inner_text("main")
    no_axe_violations(page, "the page refusing a person without a role")
    page.goto(f"{live_server.url}/returns/")
    assert page.title().startswith("Sign in")
