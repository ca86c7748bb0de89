"""One money rule, exact on SQLite and PostgreSQL (DESIGN.md section 3, "SLA" and
"Exactness"; issue 14 point 7).

Each SLA's serious-failure credit is its credit percentage of the service's monthly
charge, rounded half-up to the penny; a service's credits in a month are the sum of
those rounded credits, capped at its cap percentage of the charge (rounded to the penny).
Every figure below is worked out by hand in the comments and asserted as the exact
``Decimal`` it must be, decimal places included ("20.00", never "20", "20.0015" or
"20.01"), from the service's month, contract health, the SLA results page rows, the
exports, the monthly pack and the partnership metrics API.

The inputs are whole numbers on purpose: SQLite stores a whole-number decimal as an
integer and divides integers as integers (35 * 116473 / 100 gave £40,765.00), and reads
other sums back through floats. Run this file on both databases:

    DATABASE_URL=postgres://... REDIS_URL=redis://... pytest tests/partnerships/test_money_exact.py

Time is frozen on Saturday 15 November 2025, noon in London: September (2025-26-P06)
and October 2025 (P07) have ended and September's results deadline (14 October) passed.
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from departments.models import Channel
from departments.periods import Period
from partnerships.models import Service, Sla, SlaResult
from partnerships.outcomes import credit_cap, serious_failure_credit
from partnerships.sla_results.selectors import month_rows
from reporting.metrics.coordination import coordination_by_department, council_coordination
from reporting.metrics.dependency import dependency_health
from reporting.metrics.health import (
    contract_health,
    credits_year_to_date,
    service_months,
)
from reporting.models import ReportRun
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.partnership import (
    ContractHealthExporter,
    ServiceCreditsExporter,
    SlaResultsExporter,
)
from reporting.reports.packs.monthly import monthly_pack
from reporting.reports.renderers import render_csv, render_xlsx
from tests.factories import (
    DepartmentFactory,
    ReferralFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
TODAY = date(2025, 11, 15)
P06 = Period.parse("2025-26-P06")  # September 2025
P07 = Period.parse("2025-26-P07")  # October 2025
ON_TIME = datetime(2025, 10, 3, 9, tzinfo=LONDON)  # before September's deadline


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPORT_CHART_IMAGES = False  # kaleido is exercised in test_packs


def exact(value) -> str:
    """A Decimal as written, its decimal places included: Decimal('20.00') gives '20.00',
    and Decimal('20') or Decimal('20.0000') would not pass for it."""
    assert isinstance(value, Decimal), f"{value!r} is not a Decimal"
    return str(value)


def service(partnership, code: str, charge: str, cap: str, *, departments=()) -> Service:
    made = ServiceFactory(
        partnership=partnership,
        code=code,
        name=code.replace("-", " ").capitalize(),
        monthly_charge=Decimal(charge),
        credit_cap_percent=Decimal(cap),
    )
    made.departments.set(departments)
    return made


def sla(on: Service, code: str, credit: str) -> Sla:
    """Higher is better: met at 99.5 or more, minor failure from 98, serious below 98."""
    return SlaFactory(
        service=on,
        code=code,
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal(credit),
    )


def result(of: Sla, value: str, **kwargs) -> None:
    SlaResultFactory(
        sla=of,
        period=P06.key,
        reported_value=Decimal(value),
        entered_at=ON_TIME,
        commentary="" if Decimal(value) >= 99 else "Outage",
        **kwargs,
    )


@pytest.fixture
def contract(partnership, housing):
    """Five services, whole-number charges and percentages wherever the case allows, and
    every SLA result of September entered on time:

    managed-print  £116,473.00, cap 50% = £58,236.50. MP-01 (35%) serious: 35% of
                   £116,473.00 = £40,765.55; MP-02 and MP-03 (2%) met. Health 2 of 3 =
                   66.7.
    print-room     £1,000.30, cap 15% = £150.045 → £150.05. PR-01..04 (0.5%) serious:
                   each £5.0015 → £5.00, so 4 × £5.00 = £20.00 (not £20.006 → £20.01).
    payroll        £1,001.00, cap 15% = £150.15. PAY-01 (0.5%) serious: £5.005 → £5.01.
    exact-cap      £1,000.00, cap 10% = £100.00. EC-01, EC-02 (5%) serious: 2 × £50.00 =
                   £100.00, the cap exactly (not capped). EC-03 (5%) reported 90 but
                   agreed at 99.6 when its dispute was resolved: met, no credit.
    over-cap       £1,999.00, cap 7% = £139.93. OC-01, OC-02 (3.5%) serious: each £69.965
                   → £69.97, 2 × £69.97 = £139.94, over the cap: £139.93, capped (the
                   unrounded £139.93 would not have been).

    Housing depends on managed-print and print-room.
    """
    managed_print = service(partnership, "managed-print", "116473", "50", departments=[housing])
    result(sla(managed_print, "MP-01", "35"), "90")
    result(sla(managed_print, "MP-02", "2"), "99.5")
    result(sla(managed_print, "MP-03", "2"), "100")
    print_room = service(partnership, "print-room", "1000.30", "15", departments=[housing])
    for n in range(1, 5):
        result(sla(print_room, f"PR-0{n}", "0.5"), "90")
    payroll = service(partnership, "payroll", "1001", "15")
    result(sla(payroll, "PAY-01", "0.5"), "95")
    exact_cap = service(partnership, "exact-cap", "1000", "10")
    result(sla(exact_cap, "EC-01", "5"), "97")
    result(sla(exact_cap, "EC-02", "5"), "97")
    result(
        sla(exact_cap, "EC-03", "5"), "90", verification="resolved", agreed_value=Decimal("99.6")
    )
    over_cap = service(partnership, "over-cap", "1999", "7")
    result(sla(over_cap, "OC-01", "3.5"), "97")
    result(sla(over_cap, "OC-02", "3.5"), "97")
    return {s.code: s for s in Service.objects.filter(partnership=partnership)}


# (credits before the cap, cap, credits, capped) of each service in September.
SERVICE_CREDITS = {
    "managed-print": ("40765.55", "58236.50", "40765.55", False),
    "print-room": ("20.00", "150.05", "20.00", False),
    "payroll": ("5.01", "150.15", "5.01", False),
    "exact-cap": ("100.00", "100.00", "100.00", False),
    "over-cap": ("139.94", "139.93", "139.93", True),
}
# The partnership's month: £40,765.55 + £20.00 + £5.01 + £100.00 + £139.93 = £41,030.49
# of £58,236.50 + £150.05 + £150.15 + £100.00 + £139.93 = £58,776.63 possible at the caps.
MONTH_CREDITS, CAPACITY = "41030.49", "58776.63"
# Each SLA's credit before the cap, as the SLA results page and export show it.
SLA_CREDITS = {
    "MP-01": "40765.55",
    "MP-02": "0.00",
    "MP-03": "0.00",
    "PR-01": "5.00",
    "PR-02": "5.00",
    "PR-03": "5.00",
    "PR-04": "5.00",
    "PAY-01": "5.01",
    "EC-01": "50.00",
    "EC-02": "50.00",
    "EC-03": "0.00",
    "OC-01": "69.97",
    "OC-02": "69.97",
}


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit_percent", "charge", "credit"),
    [
        ("35", "116473", "40765.55"),  # whole numbers: 4,076,555 ÷ 100, not 40,765
        ("0.5", "1000.30", "5.00"),  # 5.0015
        ("0.5", "1001", "5.01"),  # 5.005 rounds half-up
        ("3.5", "1999", "69.97"),  # 69.965 rounds half-up
        ("100", "0.01", "0.01"),
        ("0.01", "0.49", "0.00"),  # 0.000049
        ("0", "116473", "0.00"),
        # The largest charge: 1,233,999,999.998766 → 1,234,000,000.00.
        ("12.34", "9999999999.99", "1234000000.00"),
    ],
)
def test_a_serious_failures_credit_is_rounded_half_up_to_the_penny(credit_percent, charge, credit):
    earned = serious_failure_credit(
        credit_percent=Decimal(credit_percent), monthly_charge=Decimal(charge)
    )
    assert exact(earned) == credit


def test_a_services_cap_is_rounded_half_up_to_the_penny():
    # 15% of £1,000.30 = £150.045 → £150.05; 7% of £1,999 = £139.93; 10% of £1,000 = £100.00.
    assert [
        exact(credit_cap(monthly_charge=Decimal(charge), cap_percent=Decimal(percent)))
        for charge, percent in (("1000.30", "15"), ("1999", "7"), ("1000", "10"))
    ] == ["150.05", "139.93", "100.00"]


# --- the figures of every reader -----------------------------------------------------------


def test_a_services_credits_are_the_sum_of_its_slas_rounded_credits_then_capped(
    contract, partnership, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the services, then the results counted
        months = service_months(partnership_ids=[partnership.pk], months=[P06])

    figures = {code: months[(s.pk, P06.key)] for code, s in contract.items()}
    assert {
        code: (exact(m.credits_uncapped), exact(m.cap), exact(m.credits), m.capped)
        for code, m in figures.items()
    } == SERVICE_CREDITS
    assert figures["print-room"].serious == 4
    assert figures["exact-cap"].credit_rule == (
        "2 serious failures: £100.00 (under the £100.00 cap)"
    )
    assert figures["over-cap"].credit_rule == (
        "Serious failures earned £139.94, capped at 7% of the £1,999.00 charge = £139.93"
    )
    # Service health: 100 × (met + ½ × minor) ÷ entered; 2 of 3 met = 66.7.
    assert exact(figures["managed-print"].health) == "66.7"
    assert exact(figures["print-room"].health) == "0.0"
    assert exact(figures["exact-cap"].health) == "33.3"  # EC-03's agreed figure is met


def test_a_month_without_results_has_no_credits_in_pounds_and_pence(contract, partnership):
    october = service_months(partnership_ids=[partnership.pk], months=[P07])
    assert {exact(m.credits) for m in october.values()} == {"0.00"}


def test_the_sla_results_page_rows_add_up_to_the_services_credits(contract, partnership):
    rows = month_rows(
        slas=Sla.objects.filter(service__partnership=partnership),
        results=SlaResult.objects.filter(period=P06.key),
    )

    assert {row.sla.code: exact(row.credit) for row in rows} == SLA_CREDITS
    by_service: dict[str, Decimal] = {}
    for row in rows:
        code = row.sla.service.code
        by_service[code] = by_service.get(code, Decimal("0.00")) + row.credit
    assert {code: exact(total) for code, total in by_service.items()} == {
        code: before_cap for code, (before_cap, *_) in SERVICE_CREDITS.items()
    }
    print_row = next(row for row in rows if row.sla.code == "PR-01")
    assert print_row.credit_rule == (
        "Serious failure: 0.5% of the £1,000.30 monthly charge = £5.00 (before the service cap)"
    )


def test_contract_health_uses_the_capped_credits(contract, partnership):
    health = contract_health(partnership=partnership, period=P06, today=TODAY)

    assert exact(health.credits) == MONTH_CREDITS
    components = {c.key: c for c in health.components}
    # SLA performance: 3 met (MP-02, MP-03, EC-03) of 13 entered = 23.076… → 23.1.
    # Service credits: 100 × (1 − 41,030.49 ÷ 58,776.63) = 30.1925… → 30.2.
    # Milestones: none due, so their 15 is shared out; escalations 100; timely 13 of 13.
    # (40 × 23.0769… + 20 × 30.1925… + 15 × 100 + 10 × 100) ÷ 85 = 47.36… → 47.4.
    assert {key: c.score and exact(c.score) for key, c in components.items()} == {
        "sla": "23.1",
        "credits": "30.2",
        "milestones": None,
        "escalations": "100.0",
        "timely": "100.0",
    }
    assert components["credits"].detail == ("£41,030.49 credits of £58,776.63 possible at the caps")
    assert exact(health.score) == "47.4"
    year = credits_year_to_date(partnership=partnership, period=P06)
    assert {code: exact(year[s.pk]) for code, s in contract.items()} == {
        code: credits for code, (_, _, credits, _) in SERVICE_CREDITS.items()
    }


def test_dependency_health_for_whole_number_charges(contract, housing):
    # Housing depends on managed-print (£116,473.00, health 66.7) and print-room
    # (£1,000.30, health 0.0): weighted by charge, 66.1.
    health = dependency_health(months=[P06], department_ids=[housing.pk])[(housing.pk, P06.key)]
    assert exact(health.score) == "66.1"


def test_the_partnership_metrics_api_answers_pounds_and_pence(client, sam, contract, partnership):
    client.force_login(sam)

    body = client.get(f"/api/v1/metrics/partnerships/{partnership.pk}/?period={P06.key}").json()

    assert (body["score"], body["credits"], body["credits_year_to_date"]) == (
        "47.4",
        MONTH_CREDITS,
        MONTH_CREDITS,
    )
    code_of = {s.pk: code for code, s in contract.items()}
    assert {
        code_of[s["service"]]: (s["credits"], s["cap"], s["capped"]) for s in body["services"]
    } == {
        code: (credits, cap, capped) for code, (_, cap, credits, capped) in SERVICE_CREDITS.items()
    }
    assert {s["service"]: s["health"] for s in body["services"]}[
        contract["managed-print"].pk
    ] == "66.7"


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8").lstrip("\ufeff"))))


def test_the_sla_results_export_carries_each_credit_in_pounds_and_pence(sam, contract):
    exporter = SlaResultsExporter(user=sam, parameters=ReportParameters(month=P06))
    heading = "Credit earned before the cap"
    column = [c.heading for c in exporter.columns].index(heading)

    typed = {row[2]: row[column] for row in exporter.rows()}
    rows = csv_rows(render_csv(exporter)[2])

    assert {code: exact(credit) for code, credit in typed.items()} == SLA_CREDITS
    assert {row["SLA"]: row[heading] for row in rows} == SLA_CREDITS
    ec03 = next(row for row in rows if row["SLA"] == "EC-03")
    assert (ec03["Figure in force"], ec03["Outcome"]) == ("99.6000", "Met")
    header, *values = list(load_workbook(io.BytesIO(render_xlsx(exporter)[2])).worksheets[0])
    cells = {row[2].value: row[[c.value for c in header].index(heading)] for row in values}
    assert cells["PR-01"].value == Decimal("5.00") and cells["PR-01"].number_format == "£#,##0.00"
    assert cells["MP-01"].value == 40765.55  # a number in the workbook, shown to the penny


def test_the_service_credits_and_contract_health_exports_agree(sam, contract, partnership):
    parameters = ReportParameters(month=P06)
    services = csv_rows(render_csv(ServiceCreditsExporter(user=sam, parameters=parameters))[2])
    health = csv_rows(render_csv(ContractHealthExporter(user=sam, parameters=parameters))[2])

    name_of = {s.name: code for code, s in contract.items()}
    assert {
        name_of[row["Service"]]: (
            row["Credit cap"],
            row["Credits"],
            row["Capped"],
            row["Credits year to date"],
        )
        for row in services
    } == {
        code: (cap, credits, "Yes" if capped else "No", credits)
        for code, (_, cap, credits, capped) in SERVICE_CREDITS.items()
    }
    assert {name_of[row["Service"]]: row["Monthly charge"] for row in services} == {
        "managed-print": "116473.00",
        "print-room": "1000.30",
        "payroll": "1001.00",
        "exact-cap": "1000.00",
        "over-cap": "1999.00",
    }
    september = next(row for row in health if row["Month"] == P06.key)
    assert (september["Contract health"], september["Credits"]) == ("47.4", MONTH_CREDITS)
    assert {row["Credits"] for row in health if row["Month"] != P06.key} == {"0.00"}


def test_the_monthly_pack_shows_the_same_credits(sam, contract, partnership):
    pack = monthly_pack(user=sam, parameters=ReportParameters(month=P06))

    (section,) = pack.partnerships
    assert (exact(section.current.credits), exact(section.credits_to_date)) == (
        MONTH_CREDITS,
        MONTH_CREDITS,
    )
    assert {s.code: (exact(m.credits), exact(to_date)) for s, m, to_date in section.services} == {
        code: (credits, credits) for code, (_, _, credits, _) in SERVICE_CREDITS.items()
    }


# --- coordination --------------------------------------------------------------------------


def test_coordination_for_whole_number_counts(housing, finance, contract):
    """Housing received five referrals in September (agreed 5 days unless said): resolved in
    3 (through the partner's service), 4 and 5 days (on time), in 10 days (late), and one
    agreed at 90 days still open (pending). It sent one to Finance, still open past its due
    date (late for Finance). A third department, Adults, had none."""
    DepartmentFactory(council=housing.council, name="Adults", code="adults")
    received = [
        (date(2025, 9, 1), date(2025, 9, 4), 5, Channel.SERVICE),
        (date(2025, 9, 2), date(2025, 9, 6), 5, Channel.EMAIL),
        (date(2025, 9, 3), date(2025, 9, 8), 5, Channel.EMAIL),
        (date(2025, 9, 3), date(2025, 9, 13), 5, Channel.EMAIL),
        (date(2025, 9, 20), None, 90, Channel.EMAIL),
    ]
    for raised, resolved, days, channel in received:
        ReferralFactory(
            from_department=finance,
            to_department=housing,
            raised_on=raised,
            resolved_on=resolved,
            agreed_days=days,
            channel=channel,
            service=contract["managed-print"] if channel == Channel.SERVICE else None,
        )
    ReferralFactory(from_department=housing, to_department=finance, raised_on=date(2025, 9, 5))

    figures = coordination_by_department(periods=[P06], today=TODAY)[(housing.pk, P06.key)]
    council = council_coordination(periods=[P06], today=TODAY)[0]

    # Housing: on time 3 of 4 decided = 75.0; digital 1 of 6 = 16.66…; reach 1 of 2 = 50;
    # median of 3, 4, 5, 10 days = 4.5; index 100 × (0.5 × 0.75 + 0.25 × 1/6 + 0.25 × 0.5)
    # = 54.166… → 54.2.
    assert (figures.received, figures.sent, figures.on_time, figures.late, figures.pending) == (
        5,
        1,
        3,
        1,
        1,
    )
    assert (exact(figures.on_time_share), exact(figures.median_days), exact(figures.index)) == (
        "75.0",
        "4.5",
        "54.2",
    )
    assert [exact(c.score) for c in figures.components] == ["75.0", "16.7", "50.0"]
    # Council: on time 3 of 5 decided = 60; digital 1 of 6; reach the mean of Housing's and
    # Finance's 50 = 50; index 100 × (0.3 + 0.041666… + 0.125) = 46.666… → 46.7.
    assert (exact(council.on_time_share), exact(council.median_days), exact(council.index)) == (
        "60.0",
        "4.5",
        "46.7",
    )


# --- case 08, end to end -------------------------------------------------------------------

CASE_08_SERVICES = [
    ("payroll-bureau", "Payroll bureau (probe)", "1001.00"),
    ("print-room", "Print room (probe)", "1000.30"),
]
CASE_08_SLAS = [
    ("payroll-bureau", "PAY-ACC-01", "Payslips correct first time"),
    ("print-room", "PRINT-01", "Print SLA 1"),
    ("print-room", "PRINT-02", "Print SLA 2"),
    ("print-room", "PRINT-03", "Print SLA 3"),
    ("print-room", "PRINT-04", "Print SLA 4"),
]
# ../shared/cases/08-sla-results-credit-rounding.csv, its month shifted to October 2025,
# the latest closed month here.
CASE_08_CSV = (
    "sla_code,period,value,commentary\n"
    "PAY-ACC-01,2025-26-P07,95.0,Payroll run re-issued after a tax code error\n"
    "PRINT-01,2025-26-P07,90,Printer fleet outage\n"
    "PRINT-02,2025-26-P07,90,Printer fleet outage\n"
    "PRINT-03,2025-26-P07,90,Printer fleet outage\n"
    "PRINT-04,2025-26-P07,90,Printer fleet outage\n"
)


def test_case_08_four_credits_of_5_00_make_20_00_everywhere(
    client, ada, pat, sam, partnership, finance, django_capture_on_commit_callbacks
):
    # The admin sets the services and SLAs up through the API, as the case did.
    client.force_login(ada)
    service_ids = {}
    for code, name, charge in CASE_08_SERVICES:
        answer = client.post(
            "/api/v1/services/",
            {
                "partnership": partnership.pk,
                "code": code,
                "name": name,
                "monthly_charge": charge,
                "credit_cap_percent": "15.00",
                "departments": [finance.pk],
            },
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content
        service_ids[code] = answer.json()["id"]
    for service_code, code, title in CASE_08_SLAS:
        answer = client.post(
            "/api/v1/slas/",
            {
                "service": service_ids[service_code],
                "code": code,
                "title": title,
                "unit": "percent",
                "polarity": "higher",
                "expected_level": "99.0",
                "minimum_level": "98.0",
                "credit_percent": "0.50",
            },
            content_type="application/json",
        )
        assert answer.status_code == 201, answer.content

    # The partner imports October's results; the eager task runs once the job commits.
    client.force_login(pat)
    upload = SimpleUploadedFile("results.csv", CASE_08_CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/api/v1/sla-results/import/", {"file": upload})
    assert answer.status_code == 202, answer.content
    assert client.get(answer.json()["url"]).json()["status"] == "succeeded"

    # The service's month: 4 × £5.00 = £20.00 (the product said £20.01); payroll £5.01.
    client.force_login(sam)
    body = client.get(f"/api/v1/metrics/partnerships/{partnership.pk}/?period={P07.key}").json()
    credits = {s["service"]: s["credits"] for s in body["services"]}
    assert (credits[service_ids["print-room"]], credits[service_ids["payroll-bureau"]]) == (
        "20.00",
        "5.01",
    )
    assert body["credits"] == "25.01"

    # The pages: the SLA results page lists £5.00 four times, the partnership page £20.00.
    sla_page = client.get(f"/partnerships/{partnership.pk}/sla-results/{P07.key}/")
    assert sla_page.content.decode().count("= £5.00 (before the service cap)") == 4
    partnership_page = client.get(f"/partnerships/{partnership.pk}/?period={P07.key}")
    rows = {s.code: m for s, m, _ in partnership_page.context["service_rows"]}
    assert exact(rows["print-room"].credits) == "20.00"
    assert "£20.00" in partnership_page.content.decode()

    # The SLA results export, asked for through the API: 5.00 per SLA, never 5.0015.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/v1/reports/",
            {"kind": "sla_results", "file_format": "csv", "parameters": {"period": P07.key}},
            content_type="application/json",
        )
    assert answer.status_code == 202, answer.content
    run = ReportRun.objects.get()
    download = client.get(f"/api/v1/reports/{run.pk}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert b"5.0015" not in content
    assert {row["SLA"]: row["Credit earned before the cap"] for row in csv_rows(content)} == {
        "PAY-ACC-01": "5.01",
        "PRINT-01": "5.00",
        "PRINT-02": "5.00",
        "PRINT-03": "5.00",
        "PRINT-04": "5.00",
    }
