"""While the database cannot be reached, pages and the API answer 503 with Retry-After and
say the service will be back; the first request after it returns succeeds (issue 22).

On SQLite the database's failure is played by a connection whose every statement raises
OperationalError, as a dropped PostgreSQL connection does. On PostgreSQL the test's own
connection is really ended by the server (``pg_terminate_backend``).
"""

import json

import pytest
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.test import Client, RequestFactory

from core.web import RETRY_AFTER_SECONDS, server_error


@pytest.fixture
def database_away():
    """Call it, and every statement on the connection raises OperationalError until the
    test ends (undone before the test's transaction is rolled back)."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    with pytest.MonkeyPatch.context() as patch:
        yield lambda: patch.setattr(connection, "cursor", refuse)


def assert_back_soon(response, *, api: bool) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    if api:
        assert json.loads(response.content) == {
            "detail": "The service cannot reach its database just now and will be back "
            f"shortly: try again in {RETRY_AFTER_SECONDS} seconds."
        }
    else:
        page = response.content.decode()
        assert "The service will be back shortly" in page
        assert f"Try again in {RETRY_AFTER_SECONDS} seconds" in page


def _as_served(user) -> Client:
    """A client that answers as the server does: the session, read by the session-limits
    middleware before any view, is the first thing to meet the database, and what a
    middleware raises reaches the error handler (the test client would re-raise it)."""
    served = Client(raise_request_exception=False)
    served.force_login(user)
    return served


@pytest.mark.parametrize("path", ["/", "/returns/", "/overview/", "/reports/"])
def test_a_page_answers_503_while_the_database_is_away(alice, path, database_away):
    client = _as_served(alice)
    database_away()  # the session is read from the database, which is now away
    assert_back_soon(client.get(path), api=False)


def test_signing_in_answers_503_while_the_database_is_away(client, db, database_away):
    database_away()
    response = client.post("/accounts/login/", {"username": "alice", "password": "x"})
    assert_back_soon(response, api=False)


@pytest.mark.parametrize("path", ["/api/v1/returns/", "/api/v1/departments/"])
def test_the_api_answers_503_in_its_json_while_the_database_is_away(alice, path, database_away):
    client = _as_served(alice)
    database_away()
    assert_back_soon(client.get(path), api=True)


def test_a_database_error_raised_outside_the_view_answers_503_too(rf: RequestFactory):
    """Raised by a middleware (the session saved after the view), it reaches the error
    handler, which Django calls while it handles the exception."""
    for path, api in (("/overview/", False), ("/api/v1/returns/", True)):
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError:
            response = server_error(rf.get(path))
            assert_back_soon(response, api=api)


def test_any_other_error_is_still_a_500(rf: RequestFactory):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/overview/"))
    assert response.status_code == 500 and not response.has_header("Retry-After")


@pytest.mark.django_db(transaction=True)
def test_the_first_request_after_the_database_returns_succeeds(alice):
    """PostgreSQL ends the connection (a restart, a failover): the request on it answers
    503; the connection is dropped when that request ends, and the next one opens a new
    connection and succeeds."""
    if connection.vendor != "postgresql":
        pytest.skip("ending a connection from the server side needs PostgreSQL")
    import psycopg

    client = Client(raise_request_exception=False)
    client.force_login(alice)
    assert client.get("/returns/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    assert_back_soon(client.get("/returns/"), api=False)
    # What a WSGI server's request_finished does (Django's test client leaves it out): a
    # connection that failed and is no longer usable is closed.
    close_old_connections()
    assert client.get("/returns/").status_code == 200


def test_healthz_says_the_database_is_down_without_saying_where_it_is(client, db, database_away):
    database_away()
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert (body["status"], body["down"]) == ("down", ["database"])
    assert body["database"] == {"ok": False, "vendor": connection.vendor, "detail": "unreachable"}
    assert "Connection refused" not in response.content.decode()  # the driver's words stay
