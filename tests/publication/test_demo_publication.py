"""The demo publishes a dozen indicators in residents' words (issue 20, item 7), each with
signed-off figures on the portal; SMT finds the publication page in the navigation."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from publication.cache import cached_portal
from publication.models import PublishedIndicator
from tests.demo_council import demo_council


@pytest.mark.django_db
def test_the_demo_portal_shows_a_dozen_published_indicators(client):
    demo_council(seed=2025, today=timezone.localdate())
    assert PublishedIndicator.objects.published().count() == 12
    portal = cached_portal()
    assert len(portal.indicators) == 12
    assert {i.title for i in portal.search("recycled")} == {"How much household waste is recycled"}
    page = client.get("/public/").content.decode()
    assert "How quickly empty council homes are let again" in page
    client.force_login(get_user_model().objects.get(username="smt"))
    assert 'href="/publication/"' in client.get("/overview/").content.decode()
