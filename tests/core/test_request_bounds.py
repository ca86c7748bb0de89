"""Request bodies and sign-in fields are bounded (issue 22): a body too large or nested
too deeply, and a username or password longer than any account's, are refused with the
API's JSON error shape (or the sign-in page's field error), never a server error, and
nothing is stored or recorded for them."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

from core.api.parsers import MAX_JSON_DEPTH, json_depth
from departments.models import ApiToken, KpiReturn
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOO_LARGE = (
    "The request body is larger than the 5 MB the API reads: send less (an import of many "
    "rows as a CSV or XLSX file, or in smaller batches)."
)
TOO_DEEP = (
    f"The JSON body nests objects and arrays more than {MAX_JSON_DEPTH} levels deep, more "
    "than any request of this API needs."
)


def _post_json(client, url, body: str, **extra):
    return client.post(url, body, content_type="application/json", **extra)


@pytest.mark.parametrize(
    "url", ["/api/v1/returns/", "/api/v1/returns/import/", "/api/v1/auth/token/"]
)
def test_a_body_over_5_mb_answers_a_json_413_before_it_is_read(client, alice, url):
    client.force_login(alice)
    body = json.dumps({"period": "2026-27-P07", "commentary": "x" * (5 * 1024 * 1024)})

    response = _post_json(client, url, body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": TOO_LARGE}
    assert KpiReturn.objects.count() == 0


@pytest.mark.parametrize("depth", [100_000, 900, MAX_JSON_DEPTH + 1])
def test_a_body_nested_too_deeply_answers_a_json_400(client, alice, depth):
    client.force_login(alice)

    response = _post_json(client, "/api/v1/returns/", "[" * depth + "]" * depth)
    rows = (
        _post_json(
            client, "/api/v1/returns/import/", json.dumps({"rows": [{"value": _nested(depth)}]})
        )
        if depth < 900
        else response
    )  # json.dumps itself recurses

    assert (response.status_code, rows.status_code) == (400, 400)
    assert response.json() == {"detail": TOO_DEEP} == rows.json()


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 4):  # inside the body's object, its rows list and a row object
        value = [value]
    return value


def test_the_depth_is_counted_without_recursion():
    assert [json_depth(v) for v in (1, {}, [[]], {"rows": [{"a": [1, {}]}]})] == [0, 1, 2, 5]
    assert json_depth(_nested(20_004)) == 20_001


def test_a_number_beyond_a_float_is_kept_exact_and_refused_with_its_limit(client, alice, housing):
    from tests.factories import IndicatorFactory

    indicator = IndicatorFactory(department=housing, code="LPI-HOU-01", unit="count")
    client.force_login(alice)

    response = _post_json(
        client,
        "/api/v1/returns/",
        f'{{"indicator": {indicator.pk}, "period": "2025-26-P07", "value": 1e400}}',
    )

    assert response.status_code == 400
    assert response.json() == {
        "value": [
            "Value is too large: it has 401 digits before the decimal point and the most is 14"
        ]
    }


def test_the_schema_documents_413_and_415_on_every_write(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    writes = [
        operation["responses"]
        for item in schema["paths"].values()
        for method, operation in item.items()
        if method in ("post", "put", "patch")
    ]
    assert writes and all({"413", "415"} <= set(responses) for responses in writes)


@override_settings(AXES_ENABLED=True)
@pytest.mark.parametrize(("username", "password"), [("a" * 300, "x"), ("alice", "p" * 129)])
def test_sign_in_refuses_an_over_long_username_or_password_without_looking_it_up(
    client, alice, username, password
):
    page = client.post(reverse("login"), {"username": username, "password": password})
    admin = client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )
    api = _post_json(
        client,
        "/api/v1/auth/token/",
        json.dumps({"username": username, "password": password, "name": "Excel"}),
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "at most 150 characters" in html or "at most 128 characters" in html
    assert admin.status_code == 200
    assert api.status_code == 400
    field = "username" if len(username) > 150 else "password"
    assert list(api.json()) == [field]
    assert AccessAttempt.objects.count() == 0  # no account could have it: nothing to count
    assert ApiToken.objects.count() == 0


@override_settings(AXES_ENABLED=True)
def test_a_128_character_password_is_still_checked(client, alice):
    alice.set_password("p" * 128)
    alice.save()

    wrong = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    counted = AccessAttempt.objects.count()
    page = client.post(reverse("login"), {"username": "alice", "password": "p" * 128})

    assert (wrong.status_code, counted) == (200, 1)  # a wrong password is still counted
    assert page.status_code == 302


@pytest.mark.parametrize("url", ["/api/v1/returns/", "/api/v1/referrals/", "/api/v1/sla-results/"])
def test_a_period_filter_holding_a_percent_sign_answers_400_naming_it(client, alice, url):
    """Found by schemathesis: the period's message quotes the key typed, and django-filters
    formats every message with %, so "%s" in the key was a server error."""
    client.force_login(alice)

    response = client.get(url, {"period": "2025-%s"})

    assert response.status_code == 400
    assert list(response.json()) == ["period"]
    assert "2025-%s" in response.json()["period"][0]


def test_a_body_without_a_content_type_answers_the_documented_415(client, alice):
    """Found by the long schemathesis run on PostgreSQL: a write whose body has no
    Content-Type is DRF's 415, which the schema did not list."""
    client.force_login(alice)

    response = client.generic("POST", "/api/v1/returns/import/", b"rows", content_type="")

    assert response.status_code == 415
    assert response.json() == {"detail": 'Unsupported media type "" in request.'}
