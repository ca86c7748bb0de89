"""The navigation bar (departments.context_processors.navigation) links a page exactly
when the page opens for the reader: every link answers 200, and every page of the bar
that answers 200 is linked, once, for each persona and for an officer who is also an
elected member. Seen on 20 November 2025 (London), September (P06) signed off, so that an
elected member's figures pages have a month to show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from departments.returns.sign_off import sign_off_period
from departments.roles import Role
from tests.factories import IndicatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 11, 20, 12, tzinfo=ZoneInfo("Europe/London"))

# The bar's pages whose address is the same for everyone, by their link's label.
PAGES = {
    "Overview": "reporting:overview",
    "Returns": "departments:my-returns",
    "Referrals": "departments:referrals",
    "Coordination": "reporting:coordination",
    "Combined view": "reporting:combined",
    "Early warnings": "reporting:early-warnings",
    "Benchmarking": "reporting:benchmarking",
    "Import": "departments:import-start",
    "Scrutiny": "scrutiny:items",
    "Reports": "reporting:reports",
    "Publication": "publication:manage",
}
# Pages that open with nothing in them and are left out of the bar on purpose: "My
# returns" lets every role in (roles.role_required) but shows a partner manager no return,
# since DESIGN.md section 4 gives them nothing of departments' returns.
UNLINKED = {"pat": {"Returns"}}
PERSONAS = ("alice", "bob", "harriet", "sam", "pat", "audrey", "ada", "mo", "member_officer")


@pytest.fixture
def member_officer(housing):
    user = UserFactory(username="morag")
    MembershipFactory(user=user, role=Role.OFFICER, department=housing)
    MembershipFactory(user=user, role=Role.MEMBER, department=None)
    return user


@pytest.fixture
def signed_off_september(housing, finance, partnership, sam):
    with time_machine.travel(NOW, tick=False):
        IndicatorFactory(department=housing, code="LPI-HOU-03")
        sign_off_period(period_key="2025-26-P06", actor=sam)
        yield


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_bar_links_a_page_exactly_when_it_opens(client, request, signed_off_september, persona):
    client.force_login(request.getfixturevalue(persona))

    nav = client.get(reverse("home")).context["nav_items"]
    labels = [label for label, _ in nav]
    links = dict(nav)

    assert len(labels) == len(set(labels)), labels
    opens = {label: client.get(reverse(name)).status_code == 200 for label, name in PAGES.items()}
    assert {label for label in PAGES if label in links} == {
        label for label, opened in opens.items() if opened
    } - UNLINKED.get(persona, set())
    # The links whose address is the reader's own (a department, a partnership) open too.
    assert {label: client.get(url).status_code for label, url in nav} == dict.fromkeys(labels, 200)


def test_the_partner_manager_finds_early_warnings_in_the_bar(client, pat):
    """The early warnings of their partnership are theirs to read (the page and the API
    answer them), so the bar links them."""
    client.force_login(pat)

    labels = [label for label, _ in client.get(reverse("home")).context["nav_items"]]

    assert "Early warnings" in labels


@pytest.mark.parametrize(
    "url",
    [
        "/partnerships/{pk}/records/",
        "/partnerships/{pk}/contract/",
        "/partnerships/{pk}/sla-results/2025-26-P06/",
    ],
)
def test_a_member_who_is_also_an_officer_reads_no_partnership_records(
    client, member_officer, partnership, url
):
    """Being an elected member opens every partnership's health, never its records: the
    API lists none of them to this user, so its record pages answer 404 as an officer's
    do (they listed the contract's milestones, KPIs and plans)."""
    client.force_login(member_officer)
    assert client.get(url.format(pk=partnership.pk)).status_code == 404
    for endpoint in ("milestones", "escalations", "risks", "sla-results"):
        listed = client.get(f"/api/v1/{endpoint}/?partnership={partnership.pk}").json()
        assert listed["count"] == 0, endpoint
