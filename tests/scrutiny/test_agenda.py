"""A committee's agenda (issue 20, item 2): the SMT puts months and indicators to it; its
members see them, on the page and through the API; nobody else puts anything there."""

import re
from datetime import date

import pytest
from django.urls import reverse

from scrutiny.models import AgendaItem
from tests.scrutiny.conftest import SIGNED

pytestmark = pytest.mark.django_db


def _put(client, user, committee, **data):
    client.force_login(user)
    body = {"meeting_on": "2025-12-10", "period": SIGNED, "indicator": "", "note": "", **data}
    return client.post(reverse("scrutiny:committee", args=[committee.pk]), body)


def test_the_smt_puts_a_month_and_an_indicator_to_the_committee_and_members_see_them(
    client, sam, mo, committee, signed_council
):
    assert _put(client, sam, committee).status_code == 302
    assert _put(client, sam, committee, indicator=signed_council.pk).status_code == 302
    client.force_login(mo)
    page = client.get(reverse("scrutiny:committee", args=[committee.pk])).content.decode()
    assert page.count("10 December 2025") == 2
    assert "LPI-HOU-03 Homes re-let" in page and "September 2025" in page
    assert "Put a month on the agenda" not in page
    api = client.get(f"/api/v1/scrutiny-committees/{committee.pk}/agenda/").json()
    assert [(row["period"], row["indicator"]) for row in api] == [
        (SIGNED, None),
        (SIGNED, signed_council.pk),
    ]


def test_nobody_but_the_smt_puts_items_on_the_agenda(client, mo, harriet, committee, at_now):
    assert _put(client, mo, committee).status_code == 403
    assert _put(client, harriet, committee).status_code == 403
    assert not AgendaItem.objects.exists()


def test_a_month_not_ended_or_put_twice_is_refused_naming_the_month(
    client, sam, committee, signed_council
):
    refused = _put(client, sam, committee, period="2025-26-P10")
    assert refused.status_code == 400
    assert (
        "January 2026 (P10 2025/26) has not ended yet, so it has no figures: the latest "
        "ended month is October 2025 (P07 2025/26), period 2025-26-P07"
    ) in refused.content.decode()
    _put(client, sam, committee)
    again = _put(client, sam, committee)
    assert again.status_code == 400
    assert "That is already on the committee&#x27;s agenda." in again.content.decode()
    assert AgendaItem.objects.count() == 1


def test_a_committee_is_seen_by_its_members_not_by_other_members(client, committee, at_now):
    from tests.conftest import _member

    other = _member("mel", "member")
    client.force_login(other)
    assert client.get(reverse("scrutiny:committee", args=[committee.pk])).status_code == 404
    assert client.get("/api/v1/scrutiny-committees/").json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"meeting_on": ""}, "Give the meeting date."),
        (
            {"meeting_on": "soon"},
            "Meeting date: &#x27;soon&#x27; is not a date: write it as 2026-04-01 or 01/04/2026",
        ),
        ({"period": ""}, "Give the month, such as 2026-27-P06."),
        ({"note": "x" * 501}, "Keep the note to 500 characters or fewer."),
    ],
)
def test_a_bad_agenda_item_is_refused_naming_its_field(
    client, sam, committee, signed_council, change, message
):
    refused = _put(client, sam, committee, **change)
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert "This field is required." not in refused.content.decode()
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize(
    "typed", ["14 January 2027", "14 Jan 2027", "14/01/2027", "2027-01-14", " 14 january 2027 "]
)
def test_the_meeting_date_is_taken_as_the_hint_writes_it_and_as_the_other_forms_take_dates(
    client, sam, committee, signed_council, typed
):
    """The form's hint gives "14 January 2027": a date in those words is the meeting date
    (before, the form refused the hint's own example)."""
    client.force_login(sam)
    form = client.get(reverse("scrutiny:committee", args=[committee.pk])).content.decode()
    assert "For example, 14 January 2027" in form
    put = _put(client, sam, committee, meeting_on=typed)
    assert put.status_code == 302, re.findall(r"is not a date[^<]*", put.content.decode())
    assert AgendaItem.objects.get().meeting_on == date(2027, 1, 14)
    page = client.get(reverse("scrutiny:committee", args=[committee.pk])).content.decode()
    assert "14 January 2027" in page


@pytest.mark.parametrize("with_indicator", [False, True], ids=["whole month", "indicator"])
def test_the_database_keeps_an_item_once_per_meeting_with_or_without_an_indicator(
    committee, signed_council, with_indicator
):
    """A unique constraint over a nullable indicator lets any number of whole-month rows
    through: the whole month has a constraint of its own."""
    from datetime import date

    from tests.constraints import refused

    row = {
        "committee": committee,
        "meeting_on": date(2025, 12, 10),
        "period": SIGNED,
        "indicator": signed_council if with_indicator else None,
    }
    AgendaItem.objects.create(**row)
    name = "agenda_item_once_per_meeting" if with_indicator else "agenda_month_once_per_meeting"
    refused(lambda: AgendaItem.objects.create(**row), name)
    assert AgendaItem.objects.count() == 1
