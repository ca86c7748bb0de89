"""Fifty first entries of one month's SLA result at once (issue 22), on PostgreSQL with
real commits: one is stored, the rest are told someone entered it first (409), never a
server error; each stored version is in the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partnerships.models import SlaResult
from tests.factories import ServiceFactory, SlaFactory
from tests.races import AT_ONCE, api_post, at_once, race_ready, statuses  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]

RESULTS = "/api/v1/sla-results/"
APRIL = "2026-27-P01"


@pytest.fixture
def sla(partnership):
    return SlaFactory(service=ServiceFactory(partnership=partnership))


def test_fifty_first_entries_based_on_no_version_store_one(pat, sla):
    body = {"sla": sla.pk, "period": APRIL, "version": 0}
    responses = at_once(
        [api_post(pat, RESULTS, {**body, "value": f"99.{50 + n}"}) for n in range(AT_ONCE)]
    )

    assert statuses(responses) == {201: 1, 409: AT_ONCE - 1}
    (winner,) = [r.json() for r in responses if r.status_code == 201]
    stored = SlaResult.objects.get()
    assert (stored.reported_value, stored.version) == (Decimal(winner["reported_value"]), 1)
    assert list(stored.history.values_list("history_change_reason", flat=True)) == ["Entered"]
    assert {r.json()["current_version"] for r in responses if r.status_code == 409} == {1}


def test_fifty_first_entries_without_a_version_never_answer_a_server_error(pat, sla):
    """Without a version an entry after the first commit corrects the result (201 as the
    API answers a POST); one that raced the first insert is told it lost (409)."""
    responses = at_once(
        [
            api_post(pat, RESULTS, {"sla": sla.pk, "period": APRIL, "value": f"99.{50 + n}"})
            for n in range(AT_ONCE)
        ]
    )

    answered = statuses(responses)
    assert set(answered) <= {201, 409}, answered
    stored = SlaResult.objects.get()
    assert stored.version == answered[201] == stored.history.count()
