"""Variants of issue 14's kinds of fault that a tester found after the cases were fixed.

A decimal comma read as a thousands separator (case 03's kind: a figure changed without
a word); a percent SLA spelt "%" escaping the 0-100 rule (case 09's); an SLA result
written through the API without its commentary (case 15's); a date serial from a 1904
workbook (case 07's); unbroken text running off a PDF page (point 8).

Time is frozen on 29 November 2026: October 2026 (2026-27-P07) has ended.
"""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from departments.models import KpiReturn, Referral
from departments.numbers import breakable
from departments.returns.services import save_return
from partnerships.models import Sla, SlaResult
from partnerships.sla_results.services import enter_sla_result
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    KpiReturnFactory,
    ServiceFactory,
    SlaFactory,
    TargetFactory,
)
from tests.pdf_text import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]

NOW = datetime(2026, 11, 29, 12, tzinfo=ZoneInfo("Europe/London"))
P07 = "2026-27-P07"
COMMA = (
    "Value has a comma that does not separate thousands: write decimals with a point, "
    "like 4.5, and thousands as 1,250 or 1250"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def count(housing):
    return IndicatorFactory(department=housing, code="LPI-HOU-01", unit="count", decimal_places=1)


def _import(client, capture, url, upload):
    with capture(execute=True):
        response = client.post(url, {"file": upload})
    assert response.status_code == 202, response.content
    return client.get(response.json()["url"]).json()


@pytest.mark.parametrize("typed", ["4,5", "12,5,0", "1,25", "2,"])
def test_a_decimal_comma_is_refused_everywhere_rather_than_read_as_thousands(
    client, alice, count, typed, django_capture_on_commit_callbacks
):
    kpi = save_return(indicator=count, period_key=P07, actor=alice, value="7")
    client.force_login(alice)
    upload = SimpleUploadedFile(
        "r.csv", f'indicator_code,period,value\nLPI-HOU-01,{P07},"{typed}"\n'.encode()
    )

    api = client.patch(
        f"/api/v1/returns/{kpi.pk}/", {"value": typed}, content_type="application/json"
    )
    job = _import(client, django_capture_on_commit_callbacks, "/api/v1/returns/import/", upload)

    assert (api.status_code, api.json()) == (400, {"value": [COMMA]})
    assert job["errors"] == [{"row": 2, "column": "value", "message": COMMA}]
    assert KpiReturn.objects.get().value == Decimal("7")


def test_thousands_in_groups_of_three_are_still_taken(client, alice, count):
    client.force_login(alice)

    response = client.post(
        "/api/v1/returns/",
        {"indicator": count.pk, "period": P07, "value": "1,250,000.5"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert KpiReturn.objects.get().value == Decimal("1250000.5")


UNDERSCORE = "has an underscore: write the number with digits only, like 1000 or 1,250"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1_000", UNDERSCORE),
        ("1_000.5", UNDERSCORE),
        ("\u0661\u0662", "must be a number, like 92.5"),  # Arabic-Indic digits: "12" to Decimal
        ("\uff11\uff12", "must be a number, like 92.5"),  # full-width digits
    ],
)
def test_a_number_only_pythons_decimal_would_read_is_refused_naming_the_field(
    client, alice, count, typed, reason, django_capture_on_commit_callbacks
):
    """Python's Decimal reads "1_000" as 1000 and other scripts' digits as figures; the
    API, the form and imports refused nothing of it before. Each entry point now refuses
    it under the field given, and nothing stored changes."""
    TargetFactory(indicator=count, financial_year=2026, annual_value=Decimal(1200))
    kpi = save_return(indicator=count, period_key=P07, actor=alice, value="7")
    client.force_login(alice)
    url = f"/api/v1/returns/{kpi.pk}/"
    upload = SimpleUploadedFile(
        "r.csv", f"indicator_code,period,value\nLPI-HOU-01,{P07},{typed}\n".encode()
    )

    value = client.patch(url, {"value": typed}, content_type="application/json")
    forecast = client.patch(
        url,
        {"forecast_value": typed, "forecast_confidence": "on_track", "forecast_note": "Steady."},
        content_type="application/json",
    )
    job = _import(client, django_capture_on_commit_callbacks, "/api/v1/returns/import/", upload)

    assert (value.status_code, value.json()) == (400, {"value": [f"Value {reason}"]})
    assert (forecast.status_code, forecast.json()) == (
        400,
        {"forecast_value": [f"Year-end forecast {reason}"]},
    )
    assert job["errors"] == [{"row": 2, "column": "value", "message": f"Value {reason}"}]
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.forecast_value, stored.version) == (Decimal("7"), None, 1)


def test_an_exponent_is_still_read_as_files_write_it(client, alice, count):
    """Kept on purpose: spreadsheets and programs write "1e3" and "1.5E+2"."""
    client.force_login(alice)

    response = client.post(
        "/api/v1/returns/",
        {"indicator": count.pk, "period": P07, "value": "1.5E+2"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert KpiReturn.objects.get().value == Decimal("150")


@pytest.mark.parametrize("spelling", ["%", "Percent", " percentage ", "PCT"])
def test_any_spelling_of_percent_keeps_an_slas_levels_and_results_within_100(
    client, ada, pat, partnership, spelling
):
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    client.force_login(ada)
    body = {
        "service": service.pk,
        "code": "U-1",
        "title": "Availability",
        "unit": spelling,
        "polarity": "higher",
        "expected_level": "995",
        "minimum_level": "990",
        "credit_percent": "1",
    }

    over = client.post("/api/v1/slas/", body, content_type="application/json")
    fine = client.post(
        "/api/v1/slas/",
        {**body, "expected_level": "99.5", "minimum_level": "99"},
        content_type="application/json",
    )

    assert over.status_code == 400
    assert over.json()["expected_level"] == [
        "The expected level is a percentage and cannot be more than 100"
    ]
    assert fine.status_code == 201, fine.content
    assert (fine.json()["unit"], Sla.objects.get().unit) == ("percent", "percent")
    with pytest.raises(Exception, match="cannot be more than 100"):
        enter_sla_result(sla=Sla.objects.get(), period_key=P07, actor=pat, value="995")


def test_an_sla_result_written_without_its_commentary_keeps_it(client, pat, partnership):
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    sla = SlaFactory(service=service, code="AV-01", expected_level=Decimal("99.5"))
    enter_sla_result(sla=sla, period_key=P07, actor=pat, value="99.6", commentary="Smooth")
    client.force_login(pat)

    same = client.post(
        "/api/v1/sla-results/",
        {"sla": sla.pk, "period": P07, "value": "99.60"},
        content_type="application/json",
    )
    changed = client.post(
        "/api/v1/sla-results/",
        {"sla": sla.pk, "period": P07, "value": "99.9"},
        content_type="application/json",
    )

    assert same.status_code == 201 and changed.status_code == 201, changed.content
    result = SlaResult.objects.get()
    assert (result.reported_value, result.commentary, result.version) == (
        Decimal("99.9"),
        "Smooth",
        2,
    )


def test_a_date_serial_in_a_1904_workbook_is_the_date_the_person_saw(
    client, alice, housing, django_capture_on_commit_callbacks
):
    DepartmentFactory(council=housing.council, code="adults", name="Adult Social Care")
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["from_department", "to_department", "category", "raised_on", "agreed_days",
                  "channel", "reference"])  # fmt: skip
    # 44838 days after 1 January 1904 is 5 October 2026 (46300 in Windows Excel).
    sheet.append(["housing", "adults", "Care assessment", 44838, 7, "email", "MAC-1"])
    sheet.append(["housing", "adults", "Care assessment", date(2026, 10, 5), 7, "email", "MAC-2"])
    content = io.BytesIO()
    workbook.save(content)
    client.force_login(alice)

    job = _import(
        client,
        django_capture_on_commit_callbacks,
        "/api/v1/referrals/import/",
        SimpleUploadedFile("mac.xlsx", content.getvalue()),
    )

    assert job["status"] == "succeeded", job["errors"]
    assert sorted(Referral.objects.values_list("reference", "raised_on", "period")) == [
        ("MAC-1", date(2026, 10, 5), "2026-27-P07"),
        ("MAC-2", date(2026, 10, 5), "2026-27-P07"),
    ]


def test_unbroken_text_gets_break_opportunities_and_loses_nothing():
    text = "short words " + "x" * 95 + " end"

    shown = breakable(text)

    assert shown.replace("\u200b", "") == text
    assert [len(run) for run in shown.split()[2].split("\u200b")] == [30, 30, 30, 5]


def test_a_pdf_export_wraps_an_unbroken_commentary_and_keeps_the_other_rows_whole(
    pat, sam, partnership
):
    from reporting.reports.exports.parameters import ReportParameters
    from reporting.reports.exports.partnership import SlaResultsExporter
    from reporting.reports.renderers import render_pdf

    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    unbroken = "".join(f"Z{n:04d}" for n in range(600))  # 3,000 characters, no space
    prose = " ".join(f"word{n:03d}" for n in range(300)) + " FINIS"
    for code, commentary in (("AV-01", unbroken), ("AV-02", prose)):
        sla = SlaFactory(service=service, code=code, expected_level=Decimal("99.5"))
        enter_sla_result(sla=sla, period_key=P07, actor=pat, value="90", commentary=commentary)
    from departments.periods import Period

    content = render_pdf(
        SlaResultsExporter(user=sam, parameters=ReportParameters(month=Period.parse(P07)))
    )[2]
    text = pdf_text(content)

    assert re.findall(r"Z\d{4}", text) == [f"Z{n:04d}" for n in range(600)]
    assert re.findall(r"word\d{3}", text) == [f"word{n:03d}" for n in range(300)]
    assert text.count("FINIS") == 1


@pytest.mark.parametrize("typed", ["1_0", "\u0661\u0662", "\uff15"])
def test_agreed_days_only_pythons_int_would_read_are_refused_naming_the_field(
    client, alice, housing, finance, typed
):
    """Python's int reads "1_0" as 10 and other scripts' digits as days; the referral form
    and the API took them. Both now refuse them under agreed_days, and nothing is stored."""
    client.force_login(alice)
    fields = {
        "from_department": housing.pk,
        "to_department": finance.pk,
        "category": "Housing needs assessment",
        "raised_on": "2026-11-02",
        "agreed_days": typed,
        "channel": "email",
    }
    api = client.post("/api/v1/referrals/", fields, content_type="application/json")
    page = client.post("/referrals/new/", fields)

    assert (api.status_code, api.json()) == (
        400,
        {"agreed_days": ["Enter a whole number in digits, such as 5."]},
    )
    assert page.status_code == 400  # the form shown again with its message
    assert page.context["form"].errors == {
        "agreed_days": ["Enter a whole number in digits, such as 5."]
    }
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("typed", ["1_0", "\u0661"])
def test_whole_numbers_of_every_api_write_are_typed_in_digits(
    client, alice, ada, housing, partnership, typed
):
    """The API's other whole numbers (a return's version, a partnership's weights, an
    indicator's decimal places) took what Python's int reads: "1_0" as 10, "١" as 1. Each
    is refused under its own field, as agreed days are, and nothing changes."""
    kpi_return = KpiReturnFactory(indicator=IndicatorFactory(department=housing), version=1)
    indicator = kpi_return.indicator
    client.force_login(alice)
    submitted = client.post(
        f"/api/v1/returns/{kpi_return.pk}/submit/",
        {"version": typed},
        content_type="application/json",
    )
    client.force_login(ada)
    weighed = client.patch(
        f"/api/v1/partnerships/{partnership.pk}/",
        {"weight_sla": typed},
        content_type="application/json",
    )
    placed = client.patch(
        f"/api/v1/indicators/{indicator.pk}/",
        {"decimal_places": typed},
        content_type="application/json",
    )

    refused = ["Enter a whole number in digits, such as 5."]
    assert (submitted.status_code, submitted.json()) == (400, {"version": refused})
    assert (weighed.status_code, weighed.json()) == (400, {"weight_sla": refused})
    assert (placed.status_code, placed.json()) == (400, {"decimal_places": refused})
    kpi_return.refresh_from_db()
    partnership.refresh_from_db()
    indicator.refresh_from_db()
    assert (kpi_return.state, kpi_return.version) == ("draft", 1)
    assert partnership.weight_sla == 40
    assert indicator.decimal_places == 1


ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


def test_ids_and_pages_the_api_reads_are_typed_in_digits(client, alice, sam, housing, finance):
    """Python's int read "1_0" as 10 and "٥" (an Arabic-Indic five) as 5 where the API took
    an id or a page: a record's path (DRF's default pattern, or \\d where a viewset spelt
    its own), a page or page size, a related record's id in a body and a report's
    parameters. Each is now no id: a path that does not exist, the default page size, an
    invalid page, or a refusal naming its field."""
    IndicatorFactory.create_batch(12, department=housing)
    client.force_login(sam)
    spelled = str(housing.pk).translate(ARABIC_INDIC)
    assert client.get(f"/api/v1/metrics/departments/{spelled}/").status_code == 404
    assert client.get(f"/api/v1/metrics/departments/{housing.pk}/").status_code == 200
    # Every record's path, not only those whose viewset spelt a pattern: "1_0" was 10.
    indicator = IndicatorFactory(department=housing)
    assert indicator.pk > 9  # the thirteenth at least: its id has two digits to split
    for path in (
        f"/api/v1/indicators/{str(indicator.pk).translate(ARABIC_INDIC)}/",
        f"/api/v1/indicators/{indicator.pk // 10}_{indicator.pk % 10}/",
        f"/api/v1/departments/{spelled}/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/v1/indicators/{indicator.pk}/").status_code == 200
    assert client.get(f"/api/v1/departments/{housing.pk}.json").json()["id"] == housing.pk
    assert len(client.get("/api/v1/indicators/?page_size=1_0").json()["results"]) == 13
    assert len(client.get("/api/v1/indicators/?page_size=10").json()["results"]) == 10
    invalid_page = client.get("/api/v1/indicators/?page_size=10&page=\u0662")
    assert (invalid_page.status_code, invalid_page.json()) == (404, {"detail": "Invalid page."})
    assert client.get("/api/v1/indicators/?page_size=10&page=2").status_code == 200

    client.force_login(alice)
    spelled = str(housing.pk).translate(ARABIC_INDIC)
    referral = client.post(
        "/api/v1/referrals/",
        {
            "from_department": spelled,
            "to_department": finance.pk,
            "category": "Housing needs assessment",
            "raised_on": "2026-11-02",
            "agreed_days": 5,
            "channel": "email",
        },
        content_type="application/json",
    )
    report = client.post(
        "/api/v1/reports/",
        {
            "kind": "returns",
            "file_format": "csv",
            "parameters": {"period": "2026-27-P07", "department": spelled},
        },
        content_type="application/json",
    )

    assert (referral.status_code, referral.json()) == (
        400,
        {"from_department": ["Enter the record's id in digits, such as 12."]},
    )
    assert Referral.objects.count() == 0
    assert (report.status_code, report.json()) == (
        400,
        {"department": ["Choose a department from the list"]},
    )


@pytest.mark.parametrize("typed", ["1e1", "1_0", "\u0661", "+1", " 1.0"])
def test_list_filters_take_ids_and_whole_numbers_in_digits_only(
    client, sam, housing, finance, typed
):
    """django-filter read ``?department=1e1`` through ``Decimal`` (10) and a record's id
    through ``int`` ("1_0" as 10, "١" as 1), so a list filtered by a department nobody
    named. Every list's FilterSet (the page's and the API's) now answers such a value as
    invalid for that parameter, declared filters and generated ones alike."""
    IndicatorFactory(department=housing)
    client.force_login(sam)
    for path, parameter in (
        ("/api/v1/indicators/", "department"),  # a generated filter of a foreign key
        ("/api/v1/returns/", "department"),  # a declared filter of a record
        ("/api/v1/referrals/", "department"),  # a declared whole number
        ("/api/v1/targets/", "financial_year"),  # a generated whole number
    ):
        answer = client.get(path, {parameter: typed})
        assert answer.status_code == 400, (path, answer.content)
        assert list(answer.json()) == [parameter], path
    assert client.get("/api/v1/indicators/", {"department": housing.pk}).json()["count"] == 1
    assert client.get("/api/v1/indicators/", {"department": finance.pk}).json()["count"] == 0


def test_an_id_beyond_any_database_integer_is_no_record_not_a_server_error(client, sam, housing):
    """Case 11's kind (a number too big for its column) in a path and in a list's filters:
    a 23-digit id names no record on SQLite and PostgreSQL alike, answered 404 or 400,
    never a server error (SQLite's driver raised an OverflowError)."""
    IndicatorFactory(department=housing)
    client.force_login(sam)
    huge = "9" * 23
    assert client.get(f"/api/v1/indicators/{huge}/").status_code == 404
    assert client.get("/api/v1/returns/", {"department": huge}).status_code == 400
    assert client.get("/api/v1/referrals/", {"department": huge}).status_code == 400
    assert client.get("/api/v1/targets/", {"financial_year": huge}).status_code == 400
    assert client.get("/api/v1/indicators/", {"department": huge}).status_code == 400
