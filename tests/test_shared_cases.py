"""Every real-world input case in ``shared/cases`` (copied to tests/data/cases), replayed
through the API as its README says, asserting the right behaviour it names.

Each case stands for a kind of fault; the tests beside the code test the kind at every
entry point, these the very files. Time is frozen on 29 November 2026, as when the cases
were run: the latest closed month is October 2026 (2026-27-P07).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import KpiReturn, Referral, ReferralDaysMonth, ReferralPairMonth
from departments.returns.services import save_return
from partnerships.models import SlaResult
from tests.cases import CASES_DIR
from tests.factories import DepartmentFactory, IndicatorFactory, ServiceFactory, SlaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]

NOW = datetime(2026, 11, 29, 12, tzinfo=ZoneInfo("Europe/London"))
P07 = "2026-27-P07"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def case_file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (CASES_DIR / name).read_bytes())


def import_file(client, capture, kind: str, name: str) -> dict:
    """POST the case file to ``/api/v1/<kind>/import/`` and answer the finished job."""
    with capture(execute=True):
        response = client.post(f"/api/v1/{kind}/import/", {"file": case_file(name)})
    assert response.status_code == 202, response.content
    return client.get(response.json()["url"]).json()


@pytest.fixture
def returns_council(housing, finance):
    revenues = DepartmentFactory(council=housing.council, code="revenues", name="Revenues")
    return {
        "LPI-HOU-01": IndicatorFactory(
            department=housing, code="LPI-HOU-01", unit="count", decimal_places=0
        ),
        "BV12": IndicatorFactory(department=housing, code="BV12", unit="days", decimal_places=1),
        "BV10": IndicatorFactory(department=revenues, code="BV10", unit="percent"),
        "LPI-REV-03": IndicatorFactory(department=revenues, code="LPI-REV-03", unit="percent"),
    }


def test_case_03_a_row_with_more_cells_than_the_header_is_refused(
    client, alice, returns_council, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "03-returns-unquoted-thousands.csv"
    )

    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(2, "E (no heading)")]
    assert job["errors"][0]["message"].startswith(
        "Row 2 has 5 cells but the header names 4 columns"
    )
    assert KpiReturn.objects.count() == 0


def test_case_04_percentage_formatted_cells_give_the_percentages_shown(
    client, ada, returns_council, django_capture_on_commit_callbacks
):
    client.force_login(ada)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "04-returns-percent-formatted.xlsx"
    )

    assert job["status"] == "succeeded", job["errors"]
    assert {r.indicator.code: r.value for r in KpiReturn.objects.select_related("indicator")} == {
        "BV10": Decimal("100"),
        "LPI-REV-03": Decimal("90"),
    }


def test_case_04_a_percentage_formatted_cell_is_refused_for_a_count(
    client, ada, returns_council, django_capture_on_commit_callbacks
):
    returns_council["BV10"].unit = "count"
    returns_council["BV10"].save()
    client.force_login(ada)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "04-returns-percent-formatted.xlsx"
    )

    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 2,
            "column": "value",
            "message": "Value is formatted as a percentage (100%) in the spreadsheet, but this "
            "figure is not a percentage: format the cell as a number",
        }
    ]
    assert KpiReturn.objects.count() == 0


def test_case_05_a_formula_without_a_saved_value_is_a_row_error_naming_the_cell(
    client, alice, returns_council, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "05-returns-formula-no-cache.xlsx"
    )

    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(2, "value")]
    assert "Cell C2 holds a formula with no saved value" in job["errors"][0]["message"]
    assert KpiReturn.objects.count() == 0


@pytest.fixture
def adult_social_care(housing):
    return DepartmentFactory(
        council=housing.council, code="adult-social-care", name="Adult Social Care"
    )


@pytest.fixture
def case_management(partnership, housing):
    service = ServiceFactory(
        partnership=partnership, code="case-management", name="Shared case management"
    )
    service.departments.add(housing)
    return service


def test_case_07_utc_and_offset_time_stamps_are_taken_in_london_time(
    client, alice, adult_social_care, case_management, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    job = import_file(
        client, django_capture_on_commit_callbacks, "referrals", "07-referrals-utc-timestamps.csv"
    )

    assert job["status"] == "succeeded", job["errors"]
    assert sorted(
        Referral.objects.values_list("reference", "raised_on", "period", "resolved_on")
    ) == [
        ("CMS-TZ-0001", date(2026, 4, 1), "2026-27-P01", date(2026, 4, 8)),
        ("CMS-TZ-0002", date(2026, 4, 1), "2026-27-P01", date(2026, 4, 8)),
    ]
    # The coordination figures count them in April too (the monthly summaries they are
    # read from), none in March: 7 days to resolve each, within the 7 agreed.
    assert list(
        ReferralPairMonth.objects.values_list("period", "referrals", "resolved_on_time")
    ) == [("2026-27-P01", 2, 2)]
    assert list(ReferralDaysMonth.objects.values_list("period", "days", "referrals")) == [
        ("2026-27-P01", 7, 2)
    ]


@pytest.fixture
def revenues_benefits(housing):
    return DepartmentFactory(
        council=housing.council, code="revenues-benefits", name="Revenues & Benefits"
    )


def test_case_10_a_second_import_of_the_same_referrals_creates_nothing(
    client, alice, revenues_benefits, case_management, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    name = "10-referrals-reimport.csv"

    first = import_file(client, django_capture_on_commit_callbacks, "referrals", name)
    second = import_file(client, django_capture_on_commit_callbacks, "referrals", name)

    assert (first["created_count"], first["unchanged_count"]) == (2, 0)
    assert (second["status"], second["created_count"], second["unchanged_count"]) == (
        "succeeded",
        0,
        2,
    )
    assert "2 unchanged" in second["message"]
    assert Referral.objects.count() == 2


def test_case_11_a_23_digit_count_is_refused_with_the_limit(
    client, alice, returns_council, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "11-returns-huge-value.csv"
    )

    assert job["errors"] == [
        {
            "row": 2,
            "column": "value",
            "message": "Value is too large: it has 23 digits before the decimal point and the "
            "most is 14",
        }
    ]
    assert KpiReturn.objects.count() == 0
    assert client.get("/api/v1/returns/").status_code == 200


def test_case_11_variant_a_23_digit_count_cannot_overwrite_a_stored_return(
    client, alice, returns_council, django_capture_on_commit_callbacks
):
    """The same file against a return already stored: the row would change it (the bulk
    import's path for changed returns), and is refused all the same; the return, its
    version and its history stay as they were."""
    stored = save_return(
        indicator=returns_council["LPI-HOU-01"], period_key=P07, actor=alice, value="412"
    )
    client.force_login(alice)

    job = import_file(
        client, django_capture_on_commit_callbacks, "returns", "11-returns-huge-value.csv"
    )

    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(2, "value")]
    assert "23 digits before the decimal point and the most is 14" in job["errors"][0]["message"]
    kept = KpiReturn.objects.get()
    assert (kept.value, kept.version, kept.history.count()) == (Decimal("412"), stored.version, 1)
    assert client.get("/api/v1/returns/").status_code == 200


def test_case_11_variant_a_huge_numerator_beside_a_value_is_refused_naming_its_column(
    client, alice, housing, django_capture_on_commit_callbacks
):
    """The same kind on a ratio indicator, in a file of the API's JSON: a 41-digit numerator
    over a tiny denominator, with a value typed beside them, was divided before its limits
    were checked (a server error). Now the numerator and the denominator are refused by
    their columns, with their limits, and nothing is stored."""
    IndicatorFactory(department=housing, code="LPI-HOU-09", unit="percent", year_to_date="ratio")
    rows = [
        {
            "indicator_code": "LPI-HOU-09",
            "period": P07,
            "value": "1",
            "numerator": "5" + "0" * 40,
            "denominator": "0.000000000001",
        }
    ]
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/returns/import/", {"rows": rows}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    job = client.get(response.json()["url"]).json()

    assert job["status"] == "failed"
    assert sorted(e["column"] for e in job["errors"]) == ["denominator", "numerator"]
    assert "41 digits before the decimal point" in next(
        e["message"] for e in job["errors"] if e["column"] == "numerator"
    )
    assert KpiReturn.objects.count() == 0


def test_case_15_a_value_only_row_keeps_the_text_and_adds_no_version_when_identical(
    client, ada, alice, returns_council, django_capture_on_commit_callbacks
):
    save_return(
        indicator=returns_council["BV12"],
        period_key=P07,
        actor=alice,
        value="0.9",
        commentary="Two long absences",
        improvement_action="Return-to-work plans",
    )
    client.force_login(ada)
    rows = (CASES_DIR / "15-returns-value-only.json").read_text()

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/returns/import/", rows, content_type="application/json")
        job = client.get(response.json()["url"]).json()

    stored = KpiReturn.objects.get()
    assert (stored.value, stored.commentary, stored.improvement_action, stored.version) == (
        Decimal("0.8"),
        "Two long absences",
        "Return-to-work plans",
        2,
    )
    assert (job["updated_count"], job["unchanged_count"]) == (0, 1)


@pytest.fixture
def availability(partnership):
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    return SlaFactory(
        service=service,
        code="SERVICE-AVL-01",
        unit="percent",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
    )


def test_case_09_a_percentage_over_100_is_refused(
    client, pat, availability, django_capture_on_commit_callbacks
):
    client.force_login(pat)

    job = import_file(
        client,
        django_capture_on_commit_callbacks,
        "sla-results",
        "09-sla-result-percent-over-100.csv",
    )

    assert job["errors"] == [
        {
            "row": 2,
            "column": "value",
            "message": "The result is a percentage and cannot be more than 100",
        }
    ]
    assert SlaResult.objects.count() == 0


def _case_08_imported(client, ada, pat, partnership, housing, callbacks) -> dict[str, int]:
    """Case 08's services and SLAs made through the API as the administrator, then its
    results imported as the partner; returns the services' ids by code."""
    import json

    setup = json.loads((CASES_DIR / "08-setup-services.json").read_text())
    client.force_login(ada)
    ids = {}
    for body in setup["POST /api/v1/services/"]:
        body = {**body, "partnership": partnership.pk, "departments": [housing.pk]}
        answer = client.post("/api/v1/services/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content
        ids[body["code"]] = answer.json()["id"]
    for body in setup["POST /api/v1/slas/"]:
        service = "payroll-bureau" if body["code"].startswith("PAY") else "print-room"
        answer = client.post(
            "/api/v1/slas/", {**body, "service": ids[service]}, content_type="application/json"
        )
        assert answer.status_code == 201, answer.content
    client.force_login(pat)

    job = import_file(client, callbacks, "sla-results", "08-sla-results-credit-rounding.csv")

    assert job["status"] == "succeeded", job["errors"]
    return ids


def test_case_08_each_credit_is_rounded_to_the_penny_before_it_is_added(
    client, ada, pat, sam, partnership, housing, django_capture_on_commit_callbacks
):
    ids = _case_08_imported(
        client, ada, pat, partnership, housing, django_capture_on_commit_callbacks
    )
    client.force_login(sam)
    body = client.get(f"/api/v1/metrics/partnerships/{partnership.pk}/?period={P07}").json()
    credits = {s["service"]: s["credits"] for s in body["services"]}
    # 4 × £5.0015 rounded each: 4 × £5.00 = £20.00 (never £20.01); £1,001.00 × 0.5% = £5.01.
    assert (credits[ids["print-room"]], credits[ids["payroll-bureau"]]) == ("20.00", "5.01")
    assert body["credits"] == "25.01"


def test_case_08_a_charge_changed_after_the_results_prices_each_credit_again_to_the_penny(
    client, ada, pat, sam, partnership, housing, django_capture_on_commit_callbacks
):
    """Case 08's kind after the month is in: the administrator changes both services'
    charges through the API, and the credits already earned are priced again, each SLA's
    rounded to the penny before they are added."""
    ids = _case_08_imported(
        client, ada, pat, partnership, housing, django_capture_on_commit_callbacks
    )
    client.force_login(ada)
    for code, charge in (("print-room", "1000.90"), ("payroll-bureau", "1003.00")):
        answer = client.patch(
            f"/api/v1/services/{ids[code]}/",
            {"monthly_charge": charge},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
    client.force_login(sam)
    body = client.get(f"/api/v1/metrics/partnerships/{partnership.pk}/?period={P07}").json()
    credits = {s["service"]: s["credits"] for s in body["services"]}
    # 0.5% of £1,000.90 = £5.0045 → £5.00, four times: £20.00 (never £20.02, the rounded
    # sum of the unrounded credits); 0.5% of £1,003.00 = £5.015 → £5.02.
    assert (credits[ids["print-room"]], credits[ids["payroll-bureau"]]) == ("20.00", "5.02")
    assert body["credits"] == "25.02"
