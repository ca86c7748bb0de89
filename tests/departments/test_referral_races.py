"""Referrals written at the same moment by an import and by people, on PostgreSQL with real
commits: nobody's write is lost, and the monthly summaries still equal the referrals.

SQLite lets one writer at a time into the whole database, so there is no race to test
there; these run in CI, on PostgreSQL.
"""

from __future__ import annotations

import io
import threading
import time
from datetime import date

import pytest
from django.db import connection, connections

from core.importer import iter_rows, run_import
from departments.models import Referral, ReferralOpenMonth, ReferralPairMonth
from departments.referrals import imports as referral_imports
from departments.referrals.imports import ReferralRowHandler
from departments.referrals.services import resolve_referral
from departments.referrals.summaries import rebuild_referral_summaries
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 11, 30)
HEADER = (
    "from_department,to_department,category,raised_on,acknowledged_on,resolved_on,"
    "agreed_days,channel,reference\n"
)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with a database lock; run on PostgreSQL")


def _import(actor, text: str):
    return run_import(
        iter_rows(io.BytesIO((HEADER + text).encode()), "csv"),
        ReferralRowHandler(actor, today=TODAY),
        max_rows=100,
    )


def _summaries():
    return (
        sorted(ReferralPairMonth.objects.values_list()),
        sorted(ReferralOpenMonth.objects.values_list()),
    )


def _without_ids(rows):
    return [
        sorted(row[1:] for row in table)  # the id of a summary row is not a count
        for table in rows
    ]


def _in_thread(target):
    errors: list[Exception] = []

    def run():
        try:
            target()
        except Exception as error:  # noqa: BLE001 - the test reads it
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_resolution_during_a_reimport_of_the_referral_is_kept(ada, housing, finance, monkeypatch):
    """The source system re-sends a referral with a corrected category while the
    receiving department resolves it: the import locks the referral it changes, so the
    resolution waits for it and then lands on the corrected referral; both are kept."""
    _import(ada, "housing,finance,Rent arrears,2026-10-01,,,5,email,CMS-1\n")
    referral = Referral.objects.get(reference="CMS-1")
    read, carry_on = threading.Event(), threading.Event()
    finish = ReferralRowHandler.finish

    def finish_when_told(self):
        read.set()  # the stored referral has been read and changed in memory
        assert carry_on.wait(20)
        finish(self)

    monkeypatch.setattr(ReferralRowHandler, "finish", finish_when_told)
    importing, import_errors = _in_thread(
        lambda: _import(
            ada, "housing,finance,Rent arrears (corrected),2026-10-01,,,5,email,CMS-1\n"
        )
    )
    assert read.wait(20)
    resolving, resolve_errors = _in_thread(
        lambda: resolve_referral(actor=ada, referral=referral, on=date(2026, 10, 3), today=TODAY)
    )
    time.sleep(0.5)  # the resolution is now waiting for the import's lock
    assert resolving.is_alive()
    carry_on.set()
    importing.join(30)
    resolving.join(30)
    assert not import_errors and not resolve_errors, (import_errors, resolve_errors)

    referral.refresh_from_db()
    assert (referral.category, referral.resolved_on) == (
        "Rent arrears (corrected)",
        date(2026, 10, 3),
    )
    kept = _summaries()
    rebuild_referral_summaries()
    assert _without_ids(kept) == _without_ids(_summaries())
    assert _without_ids(kept)[0] == [("2026-27-P07", housing.pk, finance.pk, 1, 0, 1, 0)]


def test_two_imports_touching_the_same_months_in_opposite_orders_both_land(
    ada, housing, finance, council, monkeypatch
):
    """Each import counts into the summaries once, at its end, in key order: two imports
    of the same department pairs, written in opposite orders, wait for each other instead
    of deadlocking."""
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    _import(
        ada,
        "housing,finance,A,2026-10-01,,,5,email,X-0\nhousing,planning,A,2026-10-01,,,5,email,Y-0\n",
    )
    monkeypatch.setattr(referral_imports, "BATCH_SIZE", 1)  # a batch per row
    first, first_errors = _in_thread(
        lambda: _import(
            ada,
            "housing,finance,B,2026-10-02,,,5,email,X-1\n"
            "housing,planning,B,2026-10-02,,,5,email,Y-1\n",
        )
    )
    second, second_errors = _in_thread(
        lambda: _import(
            ada,
            "housing,planning,C,2026-10-03,,,5,email,Y-2\n"
            "housing,finance,C,2026-10-03,,,5,email,X-2\n",
        )
    )
    first.join(30)
    second.join(30)
    assert not first_errors and not second_errors, (first_errors, second_errors)
    assert Referral.objects.count() == 6
    kept = _summaries()
    rebuild_referral_summaries()
    assert _without_ids(kept) == _without_ids(_summaries())
    assert [row[:4] for row in _without_ids(kept)[0]] == [
        ("2026-27-P07", housing.pk, finance.pk, 3),
        ("2026-27-P07", housing.pk, planning.pk, 3),
    ]
