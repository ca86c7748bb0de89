"""The length limit of typed text on the partnership side (issue 14, point 8): an SLA
result's commentary, the reasons for a dispute and its resolution, and the descriptions,
resolutions and mitigations of escalations and risks hold at most TEXT_LIMIT (10,000)
characters. One more is refused before anything is written, through the page, the API
and an import row alike, with a message naming the field and the limit.

Time is frozen on Saturday 15 November 2025, noon in London: October 2025 (2025-26-P07)
is the latest closed month.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.imports.services import start_import
from departments.models import ImportStatus
from departments.numbers import TEXT_LIMIT
from partnerships.models import Escalation, Risk, SlaResult, Verification
from partnerships.records import services as record_services
from partnerships.sla_results import services
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
P07 = "2025-26-P07"
LONGEST = ("Two outages at the depots. " * 371)[: TEXT_LIMIT - 1] + "."
TOO_LONG = LONGEST + "."


def too_long(label: str) -> str:
    return f"{label} can be at most 10,000 characters (it has 10,001)"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sla(partnership):
    """Higher is better: met from 99.5, so 99.8 needs no commentary."""
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    return SlaFactory(
        service=service,
        code="AV-01",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
    )


def test_the_texts_are_exactly_the_limit_and_one_more():
    assert (len(LONGEST), len(TOO_LONG)) == (10_000, 10_001)


# --- an SLA result's commentary ---------------------------------------------------------------


def test_the_results_page_refuses_10001_characters_of_commentary_and_takes_10000(
    client, pat, partnership, sla
):
    client.force_login(pat)
    url = f"/partnerships/{partnership.pk}/sla-results/{P07}/"

    refused = client.post(url, {f"value-{sla.pk}": "99.8", f"commentary-{sla.pk}": TOO_LONG})

    assert refused.status_code == 400
    assert ("commentary", f"commentary-{sla.pk}", f"AV-01: {too_long('Commentary')}") in (
        refused.context["errors"]
    )
    assert not SlaResult.objects.exists()

    taken = client.post(url, {f"value-{sla.pk}": "99.8", f"commentary-{sla.pk}": LONGEST})

    assert taken.status_code == 302
    assert SlaResult.objects.get().commentary == LONGEST


def test_the_api_refuses_10001_characters_of_commentary_and_takes_10000(client, pat, sla):
    client.force_login(pat)
    body = {"sla": sla.pk, "period": P07, "value": "99.8"}

    refused = client.post(
        "/api/v1/sla-results/", {**body, "commentary": TOO_LONG}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"commentary": [too_long("Commentary")]}
    assert not SlaResult.objects.exists()

    taken = client.post(
        "/api/v1/sla-results/", {**body, "commentary": LONGEST}, content_type="application/json"
    )

    assert taken.status_code == 201, taken.json()
    assert taken.json()["commentary"] == LONGEST


def _import(actor, text: str, capture):
    upload = SimpleUploadedFile("results.csv", text.encode(), content_type="text/csv")
    with capture(execute=True):
        job = start_import(kind="sla_results", actor=actor, uploaded_file=upload)
    job.refresh_from_db()
    return job


def test_an_import_row_with_10001_characters_of_commentary_is_a_row_error(
    pat, sla, django_capture_on_commit_callbacks
):
    header = "sla_code,period,value,commentary\n"

    refused = _import(
        pat, f"{header}AV-01,{P07},99.8,{TOO_LONG}\n", django_capture_on_commit_callbacks
    )

    assert refused.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in refused.errors] == [
        (2, "commentary", too_long("Commentary"))
    ]
    assert not SlaResult.objects.exists()

    taken = _import(
        pat, f"{header}AV-01,{P07},99.8,{LONGEST}\n", django_capture_on_commit_callbacks
    )

    assert taken.status == ImportStatus.SUCCEEDED, taken.errors
    assert SlaResult.objects.get().commentary == LONGEST


# --- the reasons of a dispute and its resolution --------------------------------------------------


@pytest.fixture
def result(pat, sla):
    return services.enter_sla_result(sla=sla, period_key=P07, actor=pat, value="99.8")


def test_the_page_refuses_a_reason_for_a_dispute_over_the_limit(client, sam, result):
    client.force_login(sam)

    response = client.post(
        f"/sla-results/{result.pk}/dispute/", {"reason": TOO_LONG, "version": "1"}, follow=True
    )

    assert f"AV-01: {too_long('Reason for the dispute')}" in response.content.decode()
    result.refresh_from_db()
    assert (result.verification, result.dispute_reason) == (Verification.UNVERIFIED, "")


def test_the_api_refuses_a_reason_for_a_dispute_over_the_limit_and_takes_10000(client, sam, result):
    client.force_login(sam)
    url = f"/api/v1/sla-results/{result.pk}/dispute/"

    refused = client.post(url, {"reason": TOO_LONG}, content_type="application/json")

    assert refused.status_code == 400
    assert refused.json() == {"reason": [too_long("Reason for the dispute")]}
    result.refresh_from_db()
    assert (result.verification, result.version) == (Verification.UNVERIFIED, 1)

    taken = client.post(url, {"reason": LONGEST}, content_type="application/json")

    assert taken.status_code == 200, taken.json()
    result.refresh_from_db()
    assert (result.verification, result.dispute_reason) == (Verification.DISPUTED, LONGEST)
    # The audit trail keeps the whole reason (its column held 100 characters before).
    assert result.history.latest().history_change_reason == f"Disputed: {LONGEST}"


def test_a_reason_for_the_resolution_has_the_same_limit(sam, result):
    services.dispute_sla_result(result=result, actor=sam, reason="Our monitoring shows 97.9.")

    with pytest.raises(ValidationError) as refused:
        services.resolve_sla_dispute(result=result, actor=sam, reason=TOO_LONG, agreed_value="98")

    assert refused.value.message_dict == {"reason": [too_long("Reason for the resolution")]}
    result.refresh_from_db()
    assert (result.verification, result.agreed_value) == (Verification.DISPUTED, None)
    resolved = services.resolve_sla_dispute(
        result=result, actor=sam, reason=LONGEST, agreed_value="98"
    )
    assert (resolved.resolution_reason, resolved.agreed_value) == (LONGEST, Decimal("98"))


# --- escalations and risks -----------------------------------------------------------------------


def test_the_records_page_refuses_a_description_over_the_limit_with_the_services_message(
    client, sam, partnership
):
    client.force_login(sam)
    form = {
        "kind": "escalation",
        "escalation-title": "Repeated outages at the depots",
        "escalation-severity": "high",
        "escalation-owner": "Head of ICT client",
        "escalation-raised_on": "2025-11-03",
        "escalation-state": "open",
    }
    page = client.get(f"/partnerships/{partnership.pk}/records/").content.decode()
    # No maxlength: a browser would cut a longer pasted text without a word.
    assert 'maxlength="10000"' not in page

    refused = client.post(
        f"/partnerships/{partnership.pk}/records/", {**form, "escalation-description": TOO_LONG}
    )

    assert refused.status_code == 400
    errors = refused.context["errors"]
    assert errors == [("description", "id_escalation-description", too_long("Description"))]
    beside_the_field = f'<span class="visually-hidden">Error:</span> {too_long("Description")}'
    assert beside_the_field in refused.content.decode()
    assert not Escalation.objects.exists()

    taken = client.post(
        f"/partnerships/{partnership.pk}/records/", {**form, "escalation-description": LONGEST}
    )

    assert taken.status_code == 302
    assert Escalation.objects.get().description == LONGEST


def test_the_api_refuses_a_risk_mitigation_over_the_limit_naming_the_field(
    client, sam, partnership
):
    client.force_login(sam)
    body = {
        "partnership": partnership.pk,
        "title": "Supplier insolvency",
        "likelihood": 2,
        "impact": 5,
        "owner": "Head of procurement",
        "raised_on": "2025-11-03",
    }

    refused = client.post(
        "/api/v1/risks/", {**body, "mitigation": TOO_LONG}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["mitigation"]
    assert "10000" in refused.json()["mitigation"][0]
    assert not Risk.objects.exists()
    taken = client.post(
        "/api/v1/risks/", {**body, "mitigation": LONGEST}, content_type="application/json"
    )
    assert taken.status_code == 201, taken.json()


def test_save_record_refuses_every_text_over_the_limit(sam, partnership):
    risk = Risk(
        partnership=partnership,
        title="Supplier insolvency",
        likelihood=2,
        impact=5,
        owner="Head of procurement",
        raised_on=date(2025, 11, 3),
        description=TOO_LONG,
        mitigation=TOO_LONG,
        resolution=LONGEST,
    )

    with pytest.raises(ValidationError) as refused:
        record_services.save_record(record=risk, actor=sam)

    assert refused.value.message_dict == {
        "description": [too_long("Description")],
        "mitigation": [too_long("Mitigation")],
    }
    assert not Risk.objects.exists()
