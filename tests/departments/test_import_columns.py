"""Absent columns and identical re-imports (issue 14, points 5 and 6).

A column a file does not have leaves the stored field as it was, as PATCH does; an empty
cell in a column the file has clears it where clearing is allowed. Re-importing what is
stored adds no version and is not refused because the record is submitted, approved or
verified: it is reported as unchanged. Only a row that would change such a record is
refused.

Time is frozen on 28 November 2026: October 2026 (2026-27-P07) has ended.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import KpiReturn, ReturnState
from departments.returns.services import save_return
from partnerships.models import SlaResult, Verification
from partnerships.sla_results.services import enter_sla_result, verify_sla_result
from tests.factories import IndicatorFactory, ServiceFactory, SlaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]

NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
P07 = "2026-27-P07"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def bv12(housing):
    return IndicatorFactory(department=housing, code="BV12", unit="days", decimal_places=1)


def _run(client, capture, url, rows):
    with capture(execute=True):
        response = client.post(url, {"rows": rows}, content_type="application/json")
    assert response.status_code == 202, response.content
    return client.get(response.json()["url"]).json()


def _import_returns(client, capture, rows):
    return _run(client, capture, "/api/v1/returns/import/", rows)


def test_case_15_a_value_only_row_keeps_the_commentary_and_an_identical_one_adds_no_version(
    client, alice, bv12, django_capture_on_commit_callbacks
):
    save_return(
        indicator=bv12,
        period_key=P07,
        actor=alice,
        value="0.9",
        commentary="Two long absences in the repairs team",
        improvement_action="Return-to-work plans agreed",
    )
    client.force_login(alice)
    row = {"indicator_code": "BV12", "period": P07, "value": "0.8"}

    first = _import_returns(client, django_capture_on_commit_callbacks, [row])
    again = _import_returns(client, django_capture_on_commit_callbacks, [row])

    stored = KpiReturn.objects.get()
    assert (stored.value, stored.commentary, stored.improvement_action) == (
        Decimal("0.8"),
        "Two long absences in the repairs team",
        "Return-to-work plans agreed",
    )
    assert (first["updated_count"], again["updated_count"], again["unchanged_count"]) == (1, 0, 1)
    assert stored.version == 2
    assert stored.history.count() == 2


def test_an_empty_cell_in_a_column_the_file_has_clears_the_text(
    client, alice, bv12, django_capture_on_commit_callbacks
):
    save_return(indicator=bv12, period_key=P07, actor=alice, value="0.9", commentary="Old note")
    client.force_login(alice)

    job = _import_returns(
        client,
        django_capture_on_commit_callbacks,
        [{"indicator_code": "BV12", "period": P07, "value": "0.9", "commentary": ""}],
    )

    assert job["updated_count"] == 1
    assert KpiReturn.objects.get().commentary == ""


def test_a_csv_without_the_text_columns_keeps_them(
    client, alice, bv12, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    save_return(indicator=bv12, period_key=P07, actor=alice, value="0.9", commentary="Kept")
    client.force_login(alice)
    upload = SimpleUploadedFile(
        "r.csv", f"indicator_code,period,value\nBV12,{P07},1.1\n".encode(), "text/csv"
    )

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/returns/import/", {"file": upload})
    job = client.get(started.json()["url"]).json()

    assert job["status"] == "succeeded", job["errors"]
    assert (KpiReturn.objects.get().value, KpiReturn.objects.get().commentary) == (
        Decimal("1.1"),
        "Kept",
    )


def test_patch_and_put_differ_only_in_what_a_missing_field_means(client, alice, bv12):
    kpi = save_return(
        indicator=bv12, period_key=P07, actor=alice, value="0.9", commentary="Kept by PATCH"
    )
    client.force_login(alice)

    patched = client.patch(
        f"/api/v1/returns/{kpi.pk}/",
        {"value": "1.0", "version": kpi.version},
        content_type="application/json",
    )
    put = client.put(
        f"/api/v1/returns/{kpi.pk}/",
        {"indicator": bv12.pk, "period": P07, "value": "1.0", "version": kpi.version + 1},
        content_type="application/json",
    )

    assert patched.status_code == 200, patched.content
    assert patched.json()["commentary"] == "Kept by PATCH"
    assert put.status_code == 200, put.content
    assert put.json()["commentary"] == ""
    assert put.json()["version"] == 3


def test_a_save_that_changes_nothing_is_harmless_in_any_state(alice, harriet, bv12):
    kpi = save_return(indicator=bv12, period_key=P07, actor=alice, value="0.9", submit=True)
    KpiReturn.objects.filter(pk=kpi.pk).update(state=ReturnState.LOCKED)

    again = save_return(indicator=bv12, period_key=P07, actor=alice, value="0.90", submit=True)

    assert (again.changed, again.version, again.state) == (False, 1, ReturnState.LOCKED)
    assert KpiReturn.history.count() == 1


@pytest.fixture
def availability(partnership):
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    return SlaFactory(
        service=service,
        code="AV-01",
        unit="percent",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal("4"),
    )


def test_an_identical_reimport_of_a_verified_sla_result_is_unchanged_and_a_change_is_refused(
    client, pat, sam, availability, django_capture_on_commit_callbacks
):
    result = enter_sla_result(
        sla=availability, period_key=P07, actor=pat, value="97.5", commentary="Storage outage"
    )
    verify_sla_result(result=result, actor=sam)
    client.force_login(pat)
    url = "/api/v1/sla-results/import/"
    row = {"sla_code": "AV-01", "period": P07, "value": "97.50"}

    same = _run(client, django_capture_on_commit_callbacks, url, [row])
    changed = _run(client, django_capture_on_commit_callbacks, url, [{**row, "value": "98"}])

    assert (same["status"], same["unchanged_count"]) == ("succeeded", 1)
    assert changed["status"] == "failed"
    assert changed["errors"] == [
        {
            "row": 1,
            "column": "value",
            "message": "This result is verified: it can no longer be changed by the partner",
        }
    ]
    stored = SlaResult.objects.get()
    assert (stored.reported_value, stored.commentary, stored.verification, stored.version) == (
        Decimal("97.5"),
        "Storage outage",  # the file had no commentary column
        Verification.VERIFIED,
        2,
    )
