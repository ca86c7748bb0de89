"""The load test's personas (demo/loadtest/plan.py) ask the real app for real pages: every
address each persona visits resolves and answers 200 for its demo user, as the load test
sends it (API calls with the persona's token), and each demo user signs in through the
sign-in form as the load test does. A fast check on the demo council, not a load run.

The demo is seeded as on Saturday 28 November 2026 (latest closed month 2026-27-P07).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import resolve

from demo.loadtest import plan
from departments.models import ApiToken
from tests.demo_council import demo_council
from tests.page_words import keys_and_bad_words

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(db):
    demo_council(seed=2025, today=TODAY)
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_page_of_every_persona_answers_200_for_its_demo_user(demo, client):
    """And says periods and dates in words (issue 16): no period key or ISO date in what
    the page shows, outside the hints that show how to type one; plurals right; a
    figure's state written once."""
    context = plan.context()
    # It travels to the Locust process as JSON.
    assert json.loads(json.dumps(context)) == context
    assert context["ids"]["latest_month"] == "2026-27-P07"
    assert {persona.username for persona in plan.PERSONAS} == {
        "officer",
        "head",
        "smt",
        "partner",
        "auditor",
        "admin",
    }
    users = get_user_model().objects
    visited = 0
    for persona in plan.PERSONAS:
        client.force_login(users.get(username=persona.username))
        for page in persona.pages:
            headers = {}
            if page.api:
                headers["Authorization"] = f"Token {context['tokens'][persona.username]}"
            for address in page.addresses(context["ids"]):
                resolve(urlsplit(address).path)  # Resolver404 names a wrong address
                response = client.get(address, headers=headers)
                assert response.status_code == 200, (persona.name, page.label, address)
                if not page.api:
                    assert keys_and_bad_words(response.content.decode()) == [], address
                visited += 1
    assert visited >= sum(len(persona.pages) for persona in plan.PERSONAS)

    assert plan.revoke_tokens() == len(context["tokens"])
    assert not ApiToken.objects.active().filter(name=plan.TOKEN_NAME).exists()


def test_each_demo_user_signs_in_through_the_form_as_the_load_test_does(demo, settings):
    for persona in plan.PERSONAS:
        browser = Client(enforce_csrf_checks=True)
        token = plan.csrf_token(browser.get("/accounts/login/").content.decode())
        assert token, persona.username
        response = browser.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": persona.username,
                "password": settings.DEMO_PASSWORD,
                "next": "",
            },
        )
        assert response.status_code == 302, persona.username
        assert response["Location"] == "/"


def test_the_locustfile_has_one_user_class_per_persona_visiting_its_pages(monkeypatch):
    """Only where Locust is installed (make loadtest installs it; make test does not)."""
    # Imported without gevent's monkey-patching, which would reach into the test process.
    monkeypatch.setenv("LOCUST_SKIP_MONKEY_PATCH", "1")
    pytest.importorskip("locust", reason="Locust is installed by make loadtest only")
    from locust.util.load_locustfile import load_locustfile

    from demo.loadtest import locustfile

    # Locust's loader puts the working directory on sys.path and the file in sys.modules
    # as "locustfile": both are put back after the test.
    monkeypatch.setattr(sys, "path", [*sys.path])
    monkeypatch.setitem(sys.modules, "locustfile", None)
    found, _ = load_locustfile(locustfile.__file__)
    assert sorted(found) == sorted(persona.name for persona in plan.PERSONAS)
    for persona in plan.PERSONAS:
        user_class = found[persona.name]
        assert user_class.persona == persona
        assert user_class.weight == persona.weight
        # Locust spreads a task over as many slots as its weight.
        slots = [task.__name__ for task in user_class.tasks]
        assert sorted(slots) == sorted(
            page.label for page in persona.pages for _ in range(page.weight)
        )
