"""Nothing unpublished, unsigned or in draft reaches the public (issue 20, item 5): every
public page, file and endpoint is read without signing in, and none holds a figure of an
unpublished indicator, a draft, a submitted return, or a staff member's name."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from publication.selectors import build_portal
from publication.services import PublicationWords, set_publication
from tests.factories import IndicatorFactory, KpiReturnFactory
from tests.publication.conftest import DRAFT_VALUE, SUBMITTED_VALUE, UNPUBLISHED_VALUE

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = (
    "/public/",
    "/public/?q=homes",
    "/public/indicators/H1/",
    "/public/data/",
    "/public/data/council-performance.csv",
    "/public/data/council-performance.json",
    "/public/data/indicators/H1.csv",
    "/public/data/indicators/H1.json",
    "/api/v1/public/indicators/",
    "/api/v1/public/indicators/H1/",
)
PRIVATE = {
    "/public/indicators/H2/",  # published, but no signed-off figure yet
    "/public/indicators/F1/",  # signed off, but not published
    "/public/data/indicators/H2.csv",
    "/public/data/indicators/F1.json",
    "/api/v1/public/indicators/F1/",
    "/api/v1/public/indicators/H2/",
}


def _bodies(client) -> dict[str, str]:
    bodies = {}
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies[url] = response.content.decode("utf-8-sig")
    return bodies


def test_every_public_page_file_and_endpoint_answers_without_signing_in(published, client):
    bodies = _bodies(client)
    assert "How quickly council homes are let" in bodies["/public/"]
    assert "How quickly council homes are let" in bodies["/public/?q=homes"]
    for url in PRIVATE:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("value", [DRAFT_VALUE, UNPUBLISHED_VALUE, SUBMITTED_VALUE])
def test_no_unpublished_unsigned_or_draft_figure_is_anywhere(published, client, value):
    for url, body in _bodies(client).items():
        assert value not in body, url
        assert "2025-26-P07" not in body and "October 2025" not in body, url
    assert "Invoices paid" not in _bodies(client)["/public/"]


def test_no_staff_name_appears_anywhere(published, client):
    users = list(get_user_model().objects.all())
    for user in users:  # names that no ordinary word contains
        user.first_name, user.last_name = f"Firstname{user.pk}", f"Surname{user.pk}"
        user.save()
    bodies = _bodies(client)
    for user in users:
        for name in (user.username, user.first_name, user.last_name):
            for url, body in bodies.items():
                assert not re.search(rf"\b{name}\b", body), (name, url)


def test_a_signed_in_member_of_staff_sees_the_same_portal_without_their_name(
    published, client, harriet
):
    client.force_login(harriet)
    page = client.get("/public/").content.decode()
    assert "How quickly council homes are let" in page
    assert harriet.last_name not in page and "Sign out" not in page


def test_the_public_api_answers_anonymous_callers_read_only(published):
    api = APIClient()
    listed = api.get("/api/v1/public/indicators/")
    assert listed.status_code == 200
    assert [i["code"] for i in listed.json()["results"]] == ["H1"]
    assert api.post("/api/v1/public/indicators/", {}, format="json").status_code == 405
    assert api.delete("/api/v1/public/indicators/H1/").status_code == 405


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_portal_costs_the_same_queries_however_many_indicators(published, client, sam):
    from django.core.cache import cache

    def fresh(url):
        cache.clear()
        return _queries(client, url)

    before = {url: fresh(url) for url in ("/public/", "/api/v1/public/indicators/")}
    for number in range(5):
        indicator = IndicatorFactory(department=published.h1.department, code=f"X{number}")
        KpiReturnFactory(indicator=indicator, period="2025-26-P06", state="locked")
        set_publication(
            indicator=indicator,
            actor=sam,
            published=True,
            words=PublicationWords(f"Extra {number}", "An extra measure.", "council"),
        )
    after = {url: fresh(url) for url in before}
    assert after == before
    # Served from the cache: only the generation's one read (and the session-free page).
    assert _queries(client, "/public/") <= 2
    # The build: the standing sign-offs, the public returns, the publications with their
    # indicators, the targets.
    with CaptureQueriesContext(connection) as captured:
        portal = build_portal()
    assert len(captured) == 4
    assert [i.code for i in portal.indicators] == ["H1"]  # the others are not signed off


@pytest.mark.parametrize(
    "url", ["/public/indicators/NOPE/", "/public/data/indicators/NOPE.csv", "/public/no-such-page/"]
)
def test_a_resident_who_follows_a_dead_link_gets_the_portals_own_page(published, client, url):
    """A withdrawn measure's old link answers 404 with the residents' page: back to the
    measures, never the staff's page and its home page behind a sign-in."""
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no published measure at this address" in page
    assert 'href="/public/"' in page
    assert "home page" not in page.lower() and "Partnership governance" not in page
