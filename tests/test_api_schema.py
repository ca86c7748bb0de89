"""The OpenAPI schema validates with no warnings, documents every error an operation can
answer, and the interactive docs load nothing from another host."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        # Raises (exits) on an invalid schema or on any warning while generating it.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def test_the_schema_validates_with_no_warnings(schema_file):
    assert schema_file["openapi"].startswith("3.")
    assert len(list(_operations(schema_file))) >= 90


def test_every_operation_documents_its_errors_with_examples(schema_file):
    for method, path, operation in _operations(schema_file):
        responses = operation["responses"]
        # The token endpoint and the public figures (publication) need no sign-in.
        public = path == "/api/v1/auth/token/" or path.startswith("/api/v1/public/")
        expected = {"400", "429"} if public else {"400", "401", "403", "429"}
        if "{" in path:
            expected.add("404")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                content = response["content"]["application/json"]
                assert content.get("examples"), (method, path, code)
        assert "Retry-After" in responses["429"]["headers"]


def test_token_authentication_is_described(schema_file):
    schemes = schema_file["components"]["securitySchemes"]
    assert any(
        s.get("type") == "apiKey" and s.get("name") == "Authorization" for s in schemes.values()
    )


def test_a_stale_version_is_documented_where_writes_carry_one(schema_file):
    paths = schema_file["paths"]
    assert "409" in paths["/api/v1/returns/{id}/"]["put"]["responses"]
    assert "409" in paths["/api/v1/returns/{id}/submit/"]["post"]["responses"]
    assert "409" in paths["/api/v1/sla-results/"]["post"]["responses"]


def test_the_docs_page_loads_nothing_from_another_host(client, alice):
    client.force_login(alice)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"(src|href)\s*=\s*[\"'](https?:)?//", html), html
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html):
        assert client.get(asset).status_code == 200, asset


def test_an_unknown_api_address_answers_json(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/returns/not-a-number/extra/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_returns_value_says_how_a_percent_ratio_is_worked_out(schema_file):
    value = schema_file["components"]["schemas"]["KpiReturn"]["properties"]["value"]
    assert "numerator ÷ denominator, times 100 when the unit is percent" in value["description"]
