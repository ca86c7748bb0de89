"""The scrutiny loop (issue 20, item 3): a member asks, the owning head of service (the
SMT for the partnership) answers in writing, the member closes; who may do each step,
through the API and the pages alike, every step in the audit trail."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from scrutiny.models import ScrutinyCommittee, ScrutinyItem
from tests.conftest import _member
from tests.scrutiny.conftest import SIGNED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committee")]

ITEMS = "/api/v1/scrutiny-items/"


def _ask(client, user, **body):
    client.force_login(user)
    return client.post(ITEMS, body, content_type="application/json")


def _on_indicator(client, user, indicator, text="Why did re-lets slow in September?"):
    return _ask(client, user, subject="indicator", indicator=indicator.pk, period=SIGNED, text=text)


def _post(client, user, path, body=None):
    client.force_login(user)
    return client.post(path, body or {}, content_type="application/json")


def test_a_question_on_an_indicator_goes_to_its_departments_heads_due_in_ten_working_days(
    client, mo, signed_council, housing
):
    response = _on_indicator(client, mo, signed_council)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["department"], body["period"]) == ("open", housing.pk, SIGNED)
    # Asked on Thursday 20 November 2025: the tenth working day after is 4 December.
    assert body["due_on"] == "2025-12-04"
    assert body["overdue"] is False
    assert body["about"] == "LPI-HOU-03 Homes re-let, September 2025"


def test_the_loop_open_answered_closed_and_who_may_do_each_step(
    client, mo, alice, bob, harriet, sam, signed_council
):
    item_id = _on_indicator(client, mo, signed_council).json()["id"]
    answer = f"{ITEMS}{item_id}/answer/"
    close = f"{ITEMS}{item_id}/close/"
    text = {"answer": "Two voids needed major works; both are let now."}
    # Closing an open item: refused, it has no answer yet.
    assert _post(client, mo, close).status_code == 409
    assert _post(client, alice, answer, text).status_code == 403  # an officer, not the head
    assert _post(client, bob, answer, text).status_code == 404  # Finance: not theirs to see
    assert _post(client, sam, answer, text).status_code == 403  # Housing's heads answer
    assert _post(client, mo, answer, text).status_code == 403
    answered = _post(client, harriet, answer, text)
    assert answered.status_code == 200
    assert answered.json()["state"] == "answered"
    assert answered.json()["answered_by"] == harriet.pk
    other_member = _member("mel", "member")
    assert _post(client, other_member, close).status_code == 403
    assert _post(client, harriet, close).status_code == 403
    closed = _post(client, mo, close)
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"]
    assert _post(client, harriet, answer, text).status_code == 409
    item = ScrutinyItem.objects.get(pk=item_id)
    reasons = list(item.history.order_by("history_date").values_list("history_change_reason"))
    assert reasons == [("Asked",), ("Answered",), ("Closed",)]
    assert [h.history_user for h in item.history.order_by("history_date")] == [mo, harriet, mo]


def test_the_partnership_is_answered_by_the_smt(
    client, mo, harriet, sam, partnership, signed_council
):
    response = _ask(
        client,
        mo,
        subject="partnership",
        partnership=partnership.pk,
        period=SIGNED,
        text="Are the service credits enough?",
    )
    assert response.status_code == 201
    item_id = response.json()["id"]
    answer = {"answer": "The credit cap is under review."}
    assert _post(client, harriet, f"{ITEMS}{item_id}/answer/", answer).status_code == 404
    assert _post(client, sam, f"{ITEMS}{item_id}/answer/", answer).status_code == 200


def test_only_members_ask(client, sam, harriet, signed_council):
    assert _on_indicator(client, sam, signed_council).status_code == 403
    assert _on_indicator(client, harriet, signed_council).status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"text": "   "}, "text", "Write the question or comment."),
        ({"text": "x" * 4001}, "text", "Keep the question or comment to 4,000 characters"),
        ({"period": "2025-26-P09"}, "period", "has not ended"),
        ({"period": "2025-26-Q2"}, "period", "is not a month: use a month such as"),
        ({"indicator": None}, "indicator", "Choose the indicator"),
    ],
)
def test_a_bad_question_names_its_field_and_stores_nothing(
    client, mo, signed_council, change, field, message
):
    body = {"subject": "indicator", "indicator": signed_council.pk, "period": SIGNED}
    body["text"] = "Why?"
    response = _ask(client, mo, **{**body, **change})
    assert response.status_code == 400
    assert field in response.json()
    assert message in " ".join(response.json()[field])
    assert not ScrutinyItem.objects.exists()


def test_a_member_asks_only_for_a_committee_they_sit_on(client, mo, signed_council, committee):
    theirs = committee
    other = ScrutinyCommittee.objects.create(name="Audit and Governance")
    body = {"subject": "indicator", "indicator": signed_council.pk, "period": SIGNED, "text": "?"}
    assert _ask(client, mo, **body, committee=other.pk).status_code == 400
    assert _ask(client, mo, **body, committee=theirs.pk).status_code == 201


def test_the_loop_through_the_pages(client, mo, harriet, signed_council):
    client.force_login(mo)
    ask_url = f"{reverse('scrutiny:ask')}?indicator={signed_council.pk}&period={SIGNED}"
    page = client.get(ask_url)
    assert "LPI-HOU-03 Homes re-let, September 2025" in page.content.decode()
    refused = client.post(ask_url, {"kind": "question", "text": ""})
    assert refused.status_code == 400
    asked = client.post(ask_url, {"kind": "question", "text": "Why the dip?"})
    item = ScrutinyItem.objects.get()
    assert asked.url == reverse("scrutiny:item", args=[item.pk])
    indicator_page = client.get(reverse("reporting:indicator", args=[signed_council.pk]))
    assert "Question on LPI-HOU-03 Homes re-let, September 2025" in indicator_page.content.decode()

    client.force_login(harriet)
    home = client.get("/")
    assert reverse("scrutiny:item", args=[item.pk]) in home.content.decode()
    client.post(reverse("scrutiny:item", args=[item.pk]), {"answer": "Major works on voids."})
    item.refresh_from_db()
    assert (item.state, item.answer) == ("answered", "Major works on voids.")

    client.force_login(mo)
    detail = client.get(reverse("scrutiny:item", args=[item.pk])).content.decode()
    assert "Major works on voids." in detail and "Close this item" in detail
    client.post(reverse("scrutiny:item-close", args=[item.pk]))
    item.refresh_from_db()
    assert item.state == "closed"
    assert item.closed_at.date() == date(2025, 11, 20)


def test_each_step_is_in_the_audit_trail(client, mo, harriet, sam, signed_council):
    item_id = _on_indicator(client, mo, signed_council).json()["id"]
    _post(client, harriet, f"{ITEMS}{item_id}/answer/", {"answer": "Let now."})
    client.force_login(sam)
    trail = client.get(reverse("reporting:audit-trail") + "?object_type=scrutiny_item")
    text = trail.content.decode()
    assert trail.status_code == 200
    assert f"Question #{item_id} on September 2025" in text
    assert "Let now." in text


def test_a_question_without_a_committee_is_for_the_members_one_committee_and_its_papers(
    client, mo, signed_council, committee
):
    response = _on_indicator(client, mo, signed_council)
    assert response.status_code == 201
    assert response.json()["committee"] == committee.pk
    papers = client.get(reverse("scrutiny:committee-papers", args=[committee.pk, "xlsx"]))
    rows = list(load_workbook(io.BytesIO(papers.content)).active.iter_rows(values_only=True))
    assert [row[4] for row in rows[1:]] == ["Why did re-lets slow in September?"]


def test_a_member_on_several_committees_chooses_one_and_a_member_on_none_is_refused(
    client, mo, signed_council, committee
):
    ScrutinyCommittee.objects.create(name="Audit and Governance").members.add(mo)
    several = _on_indicator(client, mo, signed_council)
    assert several.status_code == 400
    assert several.json() == {
        "committee": ["Choose the committee the item is for: you sit on more than one."]
    }
    ask_url = f"{reverse('scrutiny:ask')}?indicator={signed_council.pk}&period={SIGNED}"
    page = client.post(ask_url, {"kind": "question", "text": "Why?"})
    assert page.status_code == 400
    assert "you sit on more than one." in page.content.decode()
    none = _on_indicator(client, _member("mel", "member"), signed_council)
    assert none.status_code == 400
    assert none.json()["committee"][0].startswith("You sit on no scrutiny committee")
    assert not ScrutinyItem.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write the question or comment."),
        ("x" * 4001, "Keep the question or comment to 4,000 characters or fewer."),
    ],
)
def test_the_page_and_the_api_refuse_a_question_with_the_same_message(
    client, mo, signed_council, text, message
):
    client.force_login(mo)
    ask_url = f"{reverse('scrutiny:ask')}?indicator={signed_council.pk}&period={SIGNED}"
    page = client.post(ask_url, {"kind": "question", "text": text})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert "This field is required." not in page.content.decode()
    api = _on_indicator(client, mo, signed_council, text=text)
    assert api.status_code == 400
    assert api.json() == {"text": [message]}
    assert not ScrutinyItem.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write the answer."), ("x" * 10_001, "Keep the answer to 10,000 characters or fewer.")],
)
def test_the_page_and_the_api_refuse_an_answer_with_the_same_message(
    client, mo, harriet, signed_council, text, message
):
    item_id = _on_indicator(client, mo, signed_council).json()["id"]
    client.force_login(harriet)
    page = client.post(reverse("scrutiny:item", args=[item_id]), {"answer": text})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert "Ensure this value" not in page.content.decode()
    api = _post(client, harriet, f"{ITEMS}{item_id}/answer/", {"answer": text})
    assert api.status_code == 400
    assert api.json() == {"answer": [message]}
    assert ScrutinyItem.objects.get(pk=item_id).state == "open"
