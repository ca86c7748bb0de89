"""Choosing what is published (issue 20, item 4): the SMT's page and API call one service;
others are refused; bad input names the field; every change is in the audit trail with
its values before and after."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from publication.models import PublishedIndicator
from reporting.audit.selectors import AuditTrail
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def test_only_smt_and_administrators_open_the_publication_page(published, client, alice, sam):
    client.force_login(alice)
    assert client.get("/publication/").status_code == 403
    assert client.get(f"/publication/{published.h1.pk}/").status_code == 403
    client.force_login(sam)
    page = client.get("/publication/").content.decode()
    assert "How quickly council homes are let" in page
    assert "Not yet: no signed-off figure" in page  # H2: published, nothing signed off


def test_smt_publishes_from_the_page_and_the_portal_shows_it(published, client, sam):
    client.force_login(sam)
    response = client.post(
        f"/publication/{published.f1.pk}/",
        {
            "action": "publish",
            "public_title": "Bills the council pays on time",
            "public_description": "Invoices paid within 30 days.",
            "theme": "money",
        },
    )
    assert response.status_code == 302
    record = PublishedIndicator.objects.get(indicator=published.f1)
    assert (record.published_by, record.theme) == (sam, "money")
    assert "Bills the council pays on time" in client.get("/public/").content.decode()


def test_bad_input_names_the_field_and_stores_nothing(published, client, sam):
    client.force_login(sam)
    response = client.post(
        f"/publication/{published.f1.pk}/",
        {"action": "publish", "public_title": " ", "public_description": "", "theme": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter the title residents will read" in page
    assert "Enter a description in plain English for residents" in page
    assert "Choose a theme from the list" in page
    assert not PublishedIndicator.objects.filter(indicator=published.f1).exists()


def test_text_over_its_limit_is_refused_naming_the_field_and_the_limit(published, client, sam):
    """The page's messages are the service's, as the API's are: the title and its limit,
    not Django's generic "Ensure this value has at most ..."."""
    client.force_login(sam)
    response = client.post(
        f"/publication/{published.f1.pk}/",
        {
            "action": "publish",
            "public_title": "T" * 500,
            "public_description": "D" * 10_001,
            "theme": "money",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The title residents will read must be 120 characters or fewer (it has 500)" in page
    assert "Ensure this value" not in page
    assert "The description for residents" in page and "10,000" in page
    assert not PublishedIndicator.objects.filter(indicator=published.f1).exists()


def test_withdrawing_needs_a_reason_and_is_audited_with_values_before_and_after(
    published, client, sam
):
    client.force_login(sam)
    url = f"/publication/{published.h1.pk}/"
    refused = client.post(url, {"action": "withdraw", "reason": ""})
    assert refused.status_code == 400
    assert "Give the reason for withdrawing it from the portal" in refused.content.decode()
    assert (
        client.post(url, {"action": "withdraw", "reason": "Definition under review"}).status_code
        == 302
    )
    record = PublishedIndicator.objects.get(indicator=published.h1)
    entry = next(iter(AuditTrail(user=sam, object_type="publication", record_id=record.pk)))
    assert entry.reason == "Withdrawn: Definition under review"
    assert entry.who == sam.get_full_name()
    changes = {change.field: (change.before, change.after) for change in entry.changes}
    assert changes["withdraw_reason"] == ("–", "Definition under review")
    assert changes["withdrawn_at"][0] == "–"
    trail = client.get("/audit-trail/", {"object_type": "publication"}).content.decode()
    assert "Withdrawn: Definition under review" in trail


def test_the_api_publishes_rewords_and_withdraws_for_smt_only(published, sam, alice):
    api = APIClient()
    api.force_authenticate(alice)
    body = {
        "indicator": published.f1.pk,
        "public_title": "Bills paid on time",
        "public_description": "Invoices paid within 30 days.",
        "theme": "money",
    }
    assert api.post("/api/v1/publications/", body, format="json").status_code == 403
    api.force_authenticate(sam)
    created = api.post("/api/v1/publications/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    reworded = api.patch(f"/api/v1/publications/{pk}/", {"theme": "council"}, format="json")
    assert reworded.json()["theme"] == "council"
    blank = api.post(f"/api/v1/publications/{pk}/withdraw/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()
    withdrawn = api.post(
        f"/api/v1/publications/{pk}/withdraw/", {"reason": "Not ready"}, format="json"
    )
    assert withdrawn.json()["is_published"] is False
    # Changing the words of a withdrawn indicator never publishes it again by the way.
    again = api.patch(f"/api/v1/publications/{pk}/", {"public_title": "New"}, format="json")
    assert again.status_code == 400
    assert again.json() == {
        "published": ["F1 is not published: publish it (again) to change its words for residents"]
    }
    assert PublishedIndicator.objects.get(pk=pk).is_published is False
    assert api.get("/api/v1/public/indicators/F1/").status_code == 404


def test_a_request_to_publish_an_indicator_already_published_never_replaces_its_words(
    published, sam, ada
):
    api = APIClient()
    api.force_authenticate(sam)
    body = {
        "indicator": published.f1.pk,
        "public_title": "Bills paid on time",
        "public_description": "Invoices paid within 30 days.",
        "theme": "money",
    }
    assert api.post("/api/v1/publications/", body, format="json").status_code == 201
    api.force_authenticate(ada)
    again = api.post(
        "/api/v1/publications/", {**body, "public_title": "Invoices paid"}, format="json"
    )
    assert again.status_code == 409, again.content
    who = sam.get_full_name() or sam.get_username()
    assert again.json() == {
        "detail": f"F1 is already published (by {who}): read the words residents now see, "
        "and change them there if need be"
    }
    stored = PublishedIndicator.objects.get(indicator=published.f1)
    assert stored.public_title == "Bills paid on time"
    assert list(stored.history.values_list("history_change_reason", flat=True)) == ["Published"]
    # Having read them, the words are changed with PATCH.
    reworded = api.patch(
        f"/api/v1/publications/{stored.pk}/", {"public_title": "Invoices paid"}, format="json"
    )
    assert reworded.status_code == 200 and reworded.json()["public_title"] == "Invoices paid"


def test_an_indicator_no_longer_in_use_cannot_be_published(published, sam):
    retired = IndicatorFactory(department=published.h1.department, is_active=False)
    api = APIClient()
    api.force_authenticate(sam)
    body = {
        "indicator": retired.pk,
        "public_title": "Old",
        "public_description": "Old.",
        "theme": "homes",
    }
    refused = api.post("/api/v1/publications/", body, format="json")
    assert refused.status_code == 400 and "indicator" in refused.json()
