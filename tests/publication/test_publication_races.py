"""Fifty first publications of one indicator at the same moment, on PostgreSQL with
real commits (issue 22's pattern): one publishes it, every other request is told who
just did (409), never a server error, and the audit trail holds one publication."""

from __future__ import annotations

import pytest

from publication.models import PublishedIndicator
from tests.factories import IndicatorFactory
from tests.races import AT_ONCE, api_post, at_once, race_ready, statuses  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]


def test_fifty_first_publications_of_an_indicator_never_answer_a_server_error(sam, housing):
    """A request that raced the first insert is told who won (409); one that came after
    its commit finds the indicator published with these words and changes nothing
    (201, as the API answers a POST)."""
    indicator = IndicatorFactory(department=housing, code="H1")
    body = {
        "indicator": indicator.pk,
        "public_title": "How quickly council homes are let",
        "public_description": "Homes let within 28 days of becoming empty.",
        "theme": "homes",
    }
    responses = at_once([api_post(sam, "/api/v1/publications/", body)] * AT_ONCE)

    answered = statuses(responses)
    assert set(answered) <= {201, 409}, answered
    stored = PublishedIndicator.objects.get()
    assert (stored.public_title, stored.published_by) == (body["public_title"], sam)
    assert list(stored.history.values_list("history_change_reason", flat=True)) == ["Published"]
    who = sam.get_full_name() or sam.get_username()
    assert {r.json()["detail"] for r in responses if r.status_code == 409} <= {
        f"H1 is already published (by {who}): read the words residents now see, and change "
        "them there if need be"
    }
