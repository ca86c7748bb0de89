"""Open data (issue 20, item 6): every public figure as CSV and JSON at stable URLs, the
licence stated, CSV cells neutralised against formula injection, and a throttled public
API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from publication.services import PublicationWords, set_publication
from tests.publication.conftest import COMMENTARY

pytestmark = pytest.mark.django_db
OGL = "Open Government Licence v3.0"


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_council_csv_holds_every_public_figure_with_the_licence(published, client):
    response = client.get("/public/data/council-performance.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="council-performance.csv"' in response["Content-Disposition"]
    rows = _rows(response.content)
    assert [(r["indicator_code"], r["period"], r["value"], r["target"]) for r in rows] == [
        ("H1", "2024-25-P06", "85.0", "90.0"),
        ("H1", "2025-26-P05", "92.0", "90.0"),
        ("H1", "2025-26-P06", "80.0", "90.0"),
    ]
    latest = rows[-1]
    assert latest["rating"] == "Off target"
    assert latest["direction_of_travel"] == "Worse than a year earlier"
    assert latest["period_in_words"] == "September 2025"
    assert latest["commentary"] == COMMENTARY
    assert {r["licence"] for r in rows} == {OGL}


def test_the_json_files_name_their_licence_and_stable_url(published, client):
    council = json.loads(client.get("/public/data/council-performance.json").content)
    assert council["licence"]["name"] == OGL
    assert council["url"] == "http://testserver/public/data/council-performance.json"
    assert len(council["figures"]) == 3
    one = json.loads(client.get("/public/data/indicators/H1.json").content)
    assert one["url"] == "http://testserver/public/data/indicators/H1.json"
    assert one["figures"][-1]["value"] == "80.0"
    assert one["figures"][-1]["rating"] == "Off target"


def test_the_pages_state_the_licence(published, client):
    for url in ("/public/", "/public/indicators/H1/", "/public/data/"):
        assert OGL in client.get(url).content.decode(), url


def test_a_formula_in_residents_words_or_commentary_is_neutralised(published, client, sam):
    set_publication(
        indicator=published.h1,
        actor=sam,
        published=True,
        words=PublicationWords('=HYPERLINK("http://x.example","Click")', "Described.", "homes"),
    )
    rows = _rows(client.get("/public/data/indicators/H1.csv").content)
    assert {r["title"] for r in rows} == {'\'=HYPERLINK("http://x.example","Click")'}


def test_anonymous_callers_of_the_public_api_are_throttled(published, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "3/minute",
        },
    }
    cache.clear()
    api = APIClient()
    answers = [api.get("/api/v1/public/indicators/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = api.get("/api/v1/public/indicators/H1/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
