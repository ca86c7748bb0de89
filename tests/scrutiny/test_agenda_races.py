"""Fifty SMT members putting the same thing on one meeting's agenda at the same moment,
on PostgreSQL with real commits (issue 22's pattern): one item stored, every other
request told it is already there, never a server error; a whole month (no indicator)
as well as one indicator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from scrutiny.models import AgendaItem
from tests.races import AT_ONCE, at_once, race_ready, statuses  # noqa: F401 (fixture)
from tests.scrutiny.conftest import SIGNED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("race_ready")]

ALREADY = "That is already on the committee&#x27;s agenda."


def _put(user, committee, indicator):
    """The agenda form's POST by ``user``, to run later (each in its own client)."""
    client = Client()
    client.force_login(user)
    body = {"meeting_on": "2025-12-10", "period": SIGNED, "note": ""}
    body["indicator"] = "" if indicator is None else indicator.pk
    url = reverse("scrutiny:committee", args=[committee.pk])
    return lambda: client.post(url, body)


@pytest.mark.parametrize("with_indicator", [False, True], ids=["whole month", "indicator"])
def test_fifty_puts_of_one_item_at_once_store_it_once(
    sam, committee, signed_council, with_indicator
):
    indicator = signed_council if with_indicator else None
    responses = at_once([_put(sam, committee, indicator) for _ in range(AT_ONCE)])

    assert statuses(responses) == {302: 1, 400: AT_ONCE - 1}
    refusals = [r.content.decode() for r in responses if r.status_code == 400]
    assert all(ALREADY in page for page in refusals)
    item = AgendaItem.objects.get()
    assert (item.period, item.indicator) == (SIGNED, indicator)
    assert item.history.count() == 1
