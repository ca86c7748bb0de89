"""Questions and agenda items point only at months members may open (issue 20 review,
finding 2): a month signed off for them, by reporting.signed_off's one rule, and an agenda
meeting not yet past. The ask page refuses such a month up front, not on submit."""

import pytest
from django.urls import reverse

from reporting.signed_off import is_signed_off_for_members
from scrutiny.member_months import signed_off_rule
from scrutiny.models import AgendaItem, ScrutinyItem
from tests.scrutiny.conftest import SIGNED, UNSIGNED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committee")]

ITEMS = "/api/v1/scrutiny-items/"


def test_a_question_on_a_month_not_signed_off_is_refused_naming_the_month(
    client, mo, signed_council
):
    client.force_login(mo)
    body = {"subject": "indicator", "indicator": signed_council.pk, "text": "Why the dip?"}
    refused = client.post(ITEMS, {**body, "period": UNSIGNED}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"period": ["October 2025 has not been signed off for members yet."]}
    assert not ScrutinyItem.objects.exists()
    asked = client.post(ITEMS, {**body, "period": SIGNED}, content_type="application/json")
    assert asked.status_code == 201
    # The item's link (the indicator's page for its month) opens for the member.
    page = reverse("reporting:indicator", args=[signed_council.pk]) + f"?period={SIGNED}"
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("period", [UNSIGNED, "2025-26-P09", "2025-26-Q2", "nonsense"])
def test_the_ask_page_refuses_a_month_that_cannot_be_asked_about_up_front(
    client, mo, signed_council, period
):
    """Not signed off, not ended (December 2025), a quarter, no period at all: each is
    refused on opening the form, as the service would refuse it on submit."""
    client.force_login(mo)
    url = f"{reverse('scrutiny:ask')}?indicator={signed_council.pk}&period="
    assert client.get(url + period).status_code == 404
    assert client.get(url + SIGNED).status_code == 200


def _put(client, sam, committee, **data):
    client.force_login(sam)
    body = {"meeting_on": "2025-12-10", "period": SIGNED, "indicator": "", "note": "", **data}
    return client.post(reverse("scrutiny:committee", args=[committee.pk]), body)


def test_the_agenda_takes_no_month_not_signed_off_for_members(
    client, sam, committee, signed_council
):
    refused = _put(client, sam, committee, period=UNSIGNED)
    assert refused.status_code == 400
    assert "October 2025 has not been signed off for members yet." in refused.content.decode()
    indicator = _put(client, sam, committee, period=UNSIGNED, indicator=signed_council.pk)
    assert indicator.status_code == 400
    assert not AgendaItem.objects.exists()


def test_the_agenda_takes_no_meeting_in_the_past(client, sam, committee, signed_council):
    refused = _put(client, sam, committee, meeting_on="2020-01-01")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Give a meeting date today or later, not 1 January 2020." in text
    assert 'href="#id_meeting_on"' in text
    assert not AgendaItem.objects.exists()
    # Today (20 November 2025) is not past.
    assert _put(client, sam, committee, meeting_on="2025-11-20").status_code == 302


def test_the_rule_named_by_its_path_is_reportings_one_rule():
    """Scrutiny names the rule by its dotted path (it may not import reporting): the path
    loads the very function the figures pages use."""
    assert signed_off_rule() is is_signed_off_for_members
