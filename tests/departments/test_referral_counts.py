"""The referrals list's count, page and API alike, read from the monthly summaries of pairs
of departments where its filters allow, and equal to the referrals counted one by one: for
every persona, with each filter, after raising, resolving, importing and importing again a
file that moves a referral to another month and department (case 10's kind; on SQLite
and on PostgreSQL in CI). Referrals are never deleted (the admin refuses it). The worked
example is tests/reporting/test_coordination_metrics.py's:
nine referrals between Housing, Finance and Adult Social Care in August and September 2025.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.imports.services import start_import
from departments.models import ImportStatus, Referral
from departments.referrals.imports import ReferralRowHandler
from departments.referrals.services import raise_referral, resolve_referral
from tests.reporting.test_coordination_metrics import build_worked_example

pytestmark = pytest.mark.django_db
TODAY = date(2025, 10, 10)
API = "/api/v1/referrals/"


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2025, 10, 10, 11, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def example(council, housing, finance, partnership):
    return build_worked_example(council, housing, finance, partnership)


def _counted_from_referrals(client, params: dict) -> int:
    """What the API's filters keep, counted row by row (``len`` of every page's ids)."""
    body = client.get(API, {**params, "page_size": 500}).json()
    assert body["next"] is None
    return len(body["results"])


def _filters(example) -> list[dict]:
    housing, finance, asc = example.housing.pk, example.finance.pk, example.asc.pk
    return [
        {},
        {"department": housing},
        {"department": housing, "direction": "incoming"},
        {"department": housing, "direction": "outgoing", "counterpart": finance},
        {"counterpart": asc},
        {"period": "2025-26-P05"},
        {"from_department": finance, "to_department": housing},
        # Not answered by the summaries: counted from the referrals.
        {"state": "open"},
        {"department": housing, "state": "overdue"},
        {"channel": "service"},
    ]


@pytest.mark.parametrize("persona", ["sam", "alice", "bob", "audrey", "pat"])
def test_the_count_equals_the_referrals_listed_for_every_persona_and_filter(
    client, request, example, persona
):
    client.force_login(request.getfixturevalue(persona))
    for params in _filters(example):
        body = client.get(API, {**params, "page_size": 2}).json()
        assert body["count"] == _counted_from_referrals(client, params), params
    # Housing sent or received all nine; Finance six (r1, r3, r4 to Housing; s1, s2, a1
    # from it); a partner sees none.
    expected = {"sam": 9, "alice": 9, "bob": 6, "audrey": 9, "pat": 0}[persona]
    assert client.get(API).json()["count"] == expected


def test_without_filters_the_referrals_are_not_counted_one_by_one(client, sam, example):
    client.force_login(sam)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(API, {"page_size": 2}).json()
    assert body["count"] == 9 and len(body["results"]) == 2
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert not any('FROM "departments_referral"' in sql for sql in counts), counts
    assert any("departments_referralpairmonth" in q["sql"] for q in queries)


def test_the_named_departments_are_looked_up_once_for_the_list_and_its_count(
    client, sam, example, housing, finance
):
    """The filters are checked once, by the filter backend, and their values reused for
    the count from the summaries (they were checked again, one more department lookup for
    each department named)."""
    client.force_login(sam)
    params = {"from_department": finance.pk, "to_department": housing.pk}
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/referrals/", params).json()
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "departments_department"')
    ]
    assert body["count"] == _counted_from_referrals(client, params)
    assert len(lookups) == 2


def test_the_page_counts_as_the_api_does(client, alice, example):
    client.force_login(alice)
    for direction, expected in (("incoming", 5), ("outgoing", 4)):
        page = client.get("/referrals/", {"direction": direction}).context["page"]
        assert page.paginator.count == expected
        assert page.paginator.count == _counted_from_referrals(
            client, {"department": example.housing.pk, "direction": direction}
        )
    # A state is counted from the referrals: Housing's open incoming ones are r4 and r5.
    page = client.get("/referrals/", {"direction": "incoming", "state": "open"}).context["page"]
    assert page.paginator.count == 2


def test_the_count_follows_raising_and_resolving(client, alice, bob, sam, example):
    raised = raise_referral(
        actor=alice,
        from_department=example.housing,
        to_department=example.finance,
        category="Housing needs assessment",
        raised_on=date(2025, 10, 1),
        agreed_days=5,
        channel="email",
        today=TODAY,
    )
    resolve_referral(actor=bob, referral=raised, on=date(2025, 10, 3), today=TODAY)
    client.force_login(sam)
    assert client.get(API).json()["count"] == 10
    assert client.get(API, {"period": "2025-26-P07"}).json()["count"] == 1
    client.force_login(bob)
    assert (
        client.get(API).json()["count"]
        == Referral.objects.filter(from_department=example.finance).count()
        + Referral.objects.filter(to_department=example.finance).count()
    )


def _import(actor, rows: list[list[str]], capture) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ReferralRowHandler.columns)  # the import's own columns
    writer.writerows(rows)
    upload = SimpleUploadedFile("referrals.csv", out.getvalue().encode())
    with capture(execute=True):
        job = start_import(kind="referrals", actor=actor, uploaded_file=upload)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, (job.message, job.errors)


def test_the_count_follows_an_import_and_a_reimport_that_moves_a_referral(
    client, alice, sam, example, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    first = [
        ["housing", "adult-social-care", "Care review", "2025-09-03", "", "", "5", "email", "CM-1"],
        ["adult-social-care", "housing", "Tenancy", "2025-10-01", "", "", "5", "phone", "CM-2"],
    ]
    _import(alice, first, django_capture_on_commit_callbacks)
    # Again, with CM-1 moved to Finance and to August: a change, not a new referral.
    moved = [["housing", "finance", "Care review", "2025-08-20", "", "", "5", "email", "CM-1"]]
    _import(alice, [*moved, first[1]], django_capture_on_commit_callbacks)
    assert Referral.objects.count() == 11  # the worked example's nine and the two imported

    client.force_login(sam)
    housing, finance, asc = example.housing.pk, example.finance.pk, example.asc.pk
    for params in (
        {},
        {"period": "2025-26-P05"},
        {"period": "2025-26-P06"},
        {"period": "2025-26-P07"},
        {"department": finance},
        {"department": asc},
        {"department": housing, "direction": "outgoing"},
    ):
        assert client.get(API, params).json()["count"] == _counted_from_referrals(client, params), (
            params
        )
    # August holds the example's a1 and the moved CM-1; Finance's six and CM-1.
    assert client.get(API, {"period": "2025-26-P05"}).json()["count"] == 2
    assert client.get(API, {"department": finance}).json()["count"] == 7
