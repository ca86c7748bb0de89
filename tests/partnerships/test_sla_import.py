"""Importing SLA results: POST /api/v1/sla-results/import/ with a CSV or XLSX file (or JSON
rows), through the same importer as returns: all or nothing, every problem listed by row
and column, only the partner manager may import.

The task is dispatched once the job is committed. In a test the transaction never
commits, so the tests run the on-commit callbacks themselves (Celery is eager in tests).

Time is frozen on Saturday 15 November 2025, noon in London: September (2025-26-P06) and
October 2025 (P07) have ended, November (P08) has not.
"""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from departments.models import ImportJob, ImportStatus
from departments.roles import Role
from partnerships.models import SlaResult
from partnerships.sla_results import services
from partnerships.sla_results.imports import SlaResultRowHandler
from tests.factories import (
    MembershipFactory,
    PartnershipFactory,
    ServiceFactory,
    SlaFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
IMPORT = "/api/v1/sla-results/import/"
HEADER = "sla_code,period,value,commentary\n"
P06, P07, P08 = "2025-26-P06", "2025-26-P07", "2025-26-P08"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def availability(service, code: str):
    """Higher is better: met from 99.5, minor failure from 98, serious below 98."""
    return SlaFactory(
        service=service,
        code=code,
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal("4"),
    )


@pytest.fixture
def slas(partnership, council):
    """pat's SLAs AV-01, AV-02 and RT-01 (lower is better: 2 s expected, 3.5 s minimum);
    the other partnership's WS-01."""
    hosting = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    other = PartnershipFactory(council=council, name="Waste Services Partnership")
    waste = ServiceFactory(partnership=other, code="waste", name="Waste systems")
    return {
        "AV-01": availability(hosting, "AV-01"),
        "AV-02": availability(hosting, "AV-02"),
        "RT-01": SlaFactory(
            service=hosting,
            code="RT-01",
            polarity="lower",
            expected_level=Decimal("2"),
            minimum_level=Decimal("3.5"),
            credit_percent=Decimal("2"),
        ),
        "WS-01": availability(waste, "WS-01"),
    }


def csv_file(text: str, name: str = "results.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, upload_file, capture):
    """POST the file, then run what waits for the commit (the eager task)."""
    with capture(execute=True):
        return client.post(IMPORT, {"file": upload_file})


def job_of(response) -> ImportJob:
    assert response.status_code == 202, response.content
    return ImportJob.objects.get(pk=response.json()["id"])


def stored() -> dict[tuple[str, str], tuple[Decimal, str]]:
    return {
        (r.sla.code, r.period): (r.reported_value, r.commentary)
        for r in SlaResult.objects.select_related("sla")
    }


def test_the_partner_imports_a_months_results(
    client, pat, slas, django_capture_on_commit_callbacks
):
    services.enter_sla_result(
        sla=slas["AV-02"], period_key=P06, actor=pat, value="97", commentary="Outage"
    )
    client.force_login(pat)
    text = HEADER + (
        f"AV-01,{P07},99.91,\n"
        f'AV-02,{P07},97.2,"Storage outage, 3 October"\n'
        f"RT-01,{P07},2.4,Slow pages after the upgrade\n"
        f"AV-02,{P06},99.6,\n"  # corrects September's unverified result
    )

    response = upload(client, csv_file(text, "october.csv"), django_capture_on_commit_callbacks)

    assert response.json()["kind"] == "sla_results"
    job = job_of(response)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert (job.created_count, job.updated_count, job.processed_rows) == (3, 1, 4)
    assert stored() == {
        ("AV-01", P07): (Decimal("99.91"), ""),
        ("AV-02", P07): (Decimal("97.2"), "Storage outage, 3 October"),
        ("RT-01", P07): (Decimal("2.4"), "Slow pages after the upgrade"),
        ("AV-02", P06): (Decimal("99.6"), ""),
    }
    corrected = SlaResult.objects.get(sla=slas["AV-02"], period=P06)
    assert corrected.version == 2
    assert [(h.history_user, h.history_change_reason) for h in corrected.history.all()] == [
        (pat, "Corrected"),
        (pat, "Entered"),
    ]
    # The job's URL answers with the finished job.
    followed = client.get(response.json()["url"]).json()
    assert (followed["status"], followed["created_count"], followed["updated_count"]) == (
        "succeeded",
        3,
        1,
    )


def test_one_bad_row_stores_nothing_and_every_problem_is_listed(
    client, pat, sam, slas, django_capture_on_commit_callbacks
):
    verified = services.enter_sla_result(sla=slas["AV-01"], period_key=P06, actor=pat, value="99.9")
    services.verify_sla_result(result=verified, actor=sam)
    client.force_login(pat)
    text = HEADER + (
        f"AV-02,{P07},99.9,\n"  # 2 good
        f"NOPE-1,{P07},99.9,\n"  # 3 unknown code
        f"WS-01,{P07},99.9,\n"  # 4 another partnership's SLA
        f"AV-02,{P06},97.5,\n"  # 5 serious failure without commentary
        f"RT-01,{P07},3.0,\n"  # 6 lower is better: a minor failure without commentary
        f"AV-01,{P08},99.9,\n"  # 7 November has not ended
        f"AV-01,{P07},ninety,\n"  # 8 not a number
        "AV-01,2025-26-Q2,99.9,\n"  # 9 a quarter
        f"AV-01,{P06},99.8,\n"  # 10 verified already
        f"AV-02,{P07},99.8,\n"  # 11 the same result as row 2
        f",{P07},99.8,\n"  # 12 no code
    )

    job = job_of(upload(client, csv_file(text), django_capture_on_commit_callbacks))

    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "sla_code", "Unknown SLA code 'NOPE-1' (or not in your partnership)"),
        (4, "sla_code", "Unknown SLA code 'WS-01' (or not in your partnership)"),
        (
            5,
            "commentary",
            "Explain the serious failure: a result that misses the expected level needs commentary",
        ),
        (
            6,
            "commentary",
            "Explain the minor failure: a result that misses the expected level needs commentary",
        ),
        (7, "period", "November 2025 (P08 2025/26) has not ended yet"),
        (8, "value", "Enter the result as a number, like 99.5"),
        (9, "period", "SLA results are monthly: use a month such as 2025-26-P06"),
        (10, "value", "This result is verified: it can no longer be changed by the partner"),
        (11, "period", f"AV-02 for {P07} is also on row 2: a result can appear only once"),
        (12, "sla_code", "Enter the SLA code"),
    ]
    assert job.message == "Nothing was imported: 10 problems found."
    assert (job.created_count, job.updated_count) == (0, 0)
    # Only the verified September result that was there before.
    assert stored() == {("AV-01", P06): (Decimal("99.9"), "")}


def test_a_file_without_the_value_column_is_refused_on_row_1(
    client, pat, slas, django_capture_on_commit_callbacks
):
    client.force_login(pat)

    job = job_of(
        upload(
            client, csv_file(f"sla_code,period\nAV-01,{P07}\n"), django_capture_on_commit_callbacks
        )
    )

    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {"row": 1, "column": "value", "message": "Required column missing: value"}
    ]
    assert not SlaResult.objects.exists()


def test_an_xlsx_file_is_imported(client, pat, slas, django_capture_on_commit_callbacks):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["sla_code", "period", "value", "commentary"])
    sheet.append(["AV-01", P07, 99.75, None])
    sheet.append(["RT-01", P07, 1.8, None])
    content = io.BytesIO()
    workbook.save(content)
    client.force_login(pat)

    job = job_of(
        upload(
            client,
            SimpleUploadedFile(
                "october.xlsx",
                content.getvalue(),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            django_capture_on_commit_callbacks,
        )
    )

    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert stored() == {
        ("AV-01", P07): (Decimal("99.75"), ""),
        ("RT-01", P07): (Decimal("1.8"), ""),
    }


def test_json_rows_are_imported_like_a_file(client, pat, slas, django_capture_on_commit_callbacks):
    client.force_login(pat)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            IMPORT,
            {
                "rows": [
                    {"sla_code": "AV-01", "period": P07, "value": "99.6"},
                    {"sla_code": "AV-02", "period": P07, "value": "96", "commentary": "Outage"},
                ]
            },
            content_type="application/json",
        )

    job = job_of(response)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.created_count == 2
    assert stored()[("AV-02", P07)] == (Decimal("96"), "Outage")


@pytest.mark.parametrize("who", ["sam", "audrey", "alice"])
def test_only_the_partner_may_import(request, client, slas, who):
    client.force_login(request.getfixturevalue(who))

    response = client.post(IMPORT, {"file": csv_file(HEADER + f"AV-01,{P07},99.9,\n")})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the partner's contract manager can import SLA results."
    }
    assert not ImportJob.objects.exists()
    assert not SlaResult.objects.exists()


def test_the_partner_of_another_partnership_sees_pats_codes_as_unknown(
    client, council, slas, django_capture_on_commit_callbacks
):
    quinn = UserFactory(username="quinn")
    MembershipFactory(
        user=quinn,
        role=Role.PARTNER,
        department=None,
        partnership=slas["WS-01"].service.partnership,
    )
    client.force_login(quinn)
    text = HEADER + f"WS-01,{P07},99.9,\nAV-01,{P07},99.9,\n"

    job = job_of(upload(client, csv_file(text), django_capture_on_commit_callbacks))

    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "sla_code", "Unknown SLA code 'AV-01' (or not in your partnership)")
    ]
    assert not SlaResult.objects.exists()


def test_an_sla_code_two_services_share_is_refused_not_guessed(pat, partnership):
    for name in ("Network", "Hosting"):
        SlaFactory(service=ServiceFactory(partnership=partnership, name=name), code="AV-01")
    handler = SlaResultRowHandler(pat)
    with pytest.raises(ValidationError) as error:
        handler.write_row(2, {"sla_code": "AV-01", "period": "2025-26-P06", "value": "99.9"})
    assert error.value.message_dict["sla_code"] == [
        "SLA code 'AV-01' is used by more than one service (Hosting, Network): ask an "
        "administrator to make the codes distinct"
    ]
