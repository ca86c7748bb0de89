"""The Contract Performance Notice of an approved assessment: every regulation 39(4) field
in the JSON and the CSV, the same bytes when rebuilt, formula injection neutralised."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.contracts import notices, services
from partnerships.contracts.models import AssessmentKind, ContractKpi, KpiMeasure
from partnerships.contracts.ratings import Rating
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory
from tests.pdf_text import pdf_words

DETAILS = {
    "procurement_title": "ICT Strategic Service Partnership",
    "procurement_identifier": "ocds-h6vhtk-0429d1",
    "contract_identifier": "CON-2020-ICT-01",
    "supplier_identifier": "GB-PPON-PBCD-1234-ABCD",
    "supplier_postal_address": "1 Harbour Street, Bristol BS1 4AA",
    "supplier_email": "contracts@meridian.example",
    "authority_identifier": "GB-PPON-CNCL-5678-EFGH",
    "authority_postal_address": "Town Hall, High Street, Exampletown EX1 1AA",
    "authority_email": "procurement@council.example",
}


@pytest.fixture
def approved(partnership, sam, ada):
    for name, value in DETAILS.items():
        setattr(partnership, name, value)
    partnership.save()
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    for n in range(1, 13):
        value = Decimal("97.0") if n in (7, 8) else Decimal("99.7")
        SlaResultFactory(sla=sla, period=f"2024-25-P{n:02d}", reported_value=value)
    kpis = [
        ContractKpi(partnership=partnership, title="Availability", measure=KpiMeasure.SLAS),
        ContractKpi(
            partnership=partnership,
            title='=HYPERLINK("http://evil.example")',
            measure=KpiMeasure.MILESTONES,
        ),
        ContractKpi(
            partnership=partnership,
            title="Incident resolution",
            description="Priority 1 incidents resolved within four hours.",
            measure=KpiMeasure.SLAS,
            linked_to_payment=True,
        ),
    ]
    for kpi in kpis:
        services.save_contract_kpi(
            kpi=kpi, actor=ada, slas=[sla] if kpi.measure == KpiMeasure.SLAS else []
        )
    assessment = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=date(2025, 4, 1),
        today=date(2026, 1, 15),
    )
    for row in assessment.ratings.select_related("kpi"):
        if row.kpi.measure == KpiMeasure.MILESTONES:
            services.rate(
                rating=row, actor=sam, value=Rating.OTHER, reason="No milestones fell due."
            )
        else:
            services.rate(rating=row, actor=sam, value=row.proposed_rating)
    with time_machine.travel("2026-01-20 10:00 +00:00", tick=False):
        return services.approve(assessment=assessment, actor=sam)


def test_the_json_names_every_regulation_39_4_field(approved):
    fields = json.loads(notices.notice_json(approved).content)
    assert fields["contracting authority"] == {
        "name": approved.partnership.council.name,
        "postal address": DETAILS["authority_postal_address"],
        "email address": DETAILS["authority_email"],
        "unique identifier": DETAILS["authority_identifier"],
    }
    assert fields["title of the procurement"] == DETAILS["procurement_title"]
    assert fields["unique identifier of the procurement"] == DETAILS["procurement_identifier"]
    assert fields["unique identifier of the public contract"] == DETAILS["contract_identifier"]
    assert [
        k["key performance indicator"]
        for k in fields["key performance indicators set under section 52"]
    ] == ['=HYPERLINK("http://evil.example")', "Availability", "Incident resolution"]
    assert fields["statement"].startswith("This notice sets out the contracting authority's")
    (supplier,) = fields["suppliers assessed"]
    assert {k: supplier[k] for k in ("name", "postal address", "email address")} == {
        "name": "Meridian Digital Services Ltd",
        "postal address": DETAILS["supplier_postal_address"],
        "email address": DETAILS["supplier_email"],
    }
    assert supplier["unique identifier"] == DETAILS["supplier_identifier"]
    # 10 met and 2 serious failures of 12: 83.3, serious in 16.7% of months.
    assert [
        (a["rating"], a["explanation"])
        for a in supplier["assessment of performance against the key performance indicators"]
    ] == [
        ("Other", "No milestones fell due."),
        ("Requires improvement", ""),
        ("Requires improvement", ""),
    ]
    assert fields["period the assessment covers"] == {"start": "2024-04-01", "end": "2025-03-31"}
    assert fields["date of the assessment"] == "2026-01-20"


def test_the_csv_has_every_field_and_neutralises_formulas(approved):
    content = notices.notice_csv(approved).content
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert list(rows[0]) == notices.CSV_COLUMNS
    assert [r["key performance indicator"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example")',
        "Availability",
        "Incident resolution",
    ]
    assert [r["linked to payment"] for r in rows] == ["No", "No", "Yes"]
    assert rows[0]["assessment of performance"] == "Other"
    assert rows[0]["explanation"] == "No milestones fell due."
    assert {r["supplier unique identifier"] for r in rows} == {DETAILS["supplier_identifier"]}
    assert {r["period the assessment covers: end"] for r in rows} == {"2025-03-31"}


def test_the_pdf_names_every_field_read_back_with_pdftotext(approved):
    built = notices.notice_pdf(approved)
    assert built.content.startswith(b"%PDF")
    text = pdf_words(built.content)
    for name, value in notices.notice_lines(notices.notice_fields(approved)):
        assert name in text
        assert " ".join(value.split())[:40] in text
    for heading in ("Key performance indicator", "Linked to payment", "Rating", "Explanation"):
        assert heading in text
    assert "Requires improvement (below the KPIs)" in text
    assert "No milestones fell due." in text


@pytest.mark.parametrize("file_format", ["json", "csv", "pdf"])
def test_rebuilding_gives_the_same_bytes_and_checksum(approved, file_format):
    first = notices.NOTICE_FORMATS[file_format](approved)
    again = notices.NOTICE_FORMATS[file_format](type(approved).objects.get(pk=approved.pk))
    assert first.content == again.content
    assert first.sha256 == again.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first.filename == (
        f"contract-performance-notice-{approved.partnership_id}-2024-04-01-to-2025-03-31."
        f"{file_format}"
    )


def test_the_notice_keeps_the_details_approved_whatever_is_edited_later(approved):
    before = {f: notices.NOTICE_FORMATS[f](approved).content for f in notices.NOTICE_FORMATS}
    partnership = approved.partnership
    partnership.supplier_email = "new-contracts@meridian.example"
    partnership.procurement_title = "Renamed procurement"
    partnership.authority_identifier = ""
    partnership.save()
    kpi = ContractKpi.objects.get(partnership=partnership, title="Availability")
    kpi.title = "Service availability"
    kpi.linked_to_payment = True
    kpi.save()
    approved.refresh_from_db()
    for file_format, content in before.items():
        assert notices.NOTICE_FORMATS[file_format](approved).content == content, file_format
    fields = notices.notice_fields(approved)
    assert fields["suppliers assessed"][0]["email address"] == "contracts@meridian.example"
    assert fields["title of the procurement"] == "ICT Strategic Service Partnership"
    assert fields["contracting authority"]["unique identifier"] == "GB-PPON-CNCL-5678-EFGH"
    assert fields["key performance indicators set under section 52"][1] == {
        "key performance indicator": "Availability",
        "description": "",
        "linked to payment": False,
    }


def test_no_notice_from_a_draft_or_without_the_contract_details(approved, sam):
    partnership = approved.partnership
    partnership.supplier_email = ""
    partnership.procurement_identifier = " "
    partnership.save()
    # Approved again with the details missing: the notice names what to record first.
    draft = services.reopen(assessment=approved, actor=sam, reason="Correction")
    with pytest.raises(ValidationError, match="only from an approved assessment"):
        notices.notice_csv(draft)
    again = services.approve(assessment=draft, actor=sam)
    with pytest.raises(ValidationError) as refused:
        notices.notice_json(again)
    assert refused.value.message_dict["partnership"] == [
        "Record the contract's details first, then reopen the assessment and approve it "
        "again (the notice shows the details as they stood at approval): the unique "
        "identifier of the procurement, the supplier's email address."
    ]
    partnership.supplier_email = "contracts@meridian.example"
    partnership.procurement_identifier = "ocds-h6vhtk-0429d1"
    partnership.save()
    again = services.approve(
        assessment=services.reopen(assessment=again, actor=sam, reason="Details recorded"),
        actor=sam,
    )
    assert json.loads(notices.notice_json(again).content)[
        "unique identifier of the procurement"
    ] == ("ocds-h6vhtk-0429d1")


def test_a_reopened_assessment_keeps_the_notice_it_published(client, approved, sam):
    first_json = notices.notice_json(approved)
    first_csv = notices.notice_csv(approved)
    reopened = services.reopen(assessment=approved, actor=sam, reason="A corrected figure")
    row = reopened.ratings.select_related("kpi").get(kpi__title="Availability")
    services.rate(rating=row, actor=sam, value=Rating.INADEQUATE, reason="Two outages.")
    with time_machine.travel("2026-02-02 10:00 +00:00", tick=False):
        again = services.approve(assessment=reopened, actor=sam)
    assert notices.notice_json(again).sha256 != first_json.sha256
    kept = [
        h.notice_details["published"]
        for h in again.history.order_by("history_id")
        if h.history_change_reason == "Approved"
    ]
    assert [k["sha256"] for k in kept] == [
        {"json": first_json.sha256, "csv": first_csv.sha256},
        {"json": notices.notice_json(again).sha256, "csv": notices.notice_csv(again).sha256},
    ]
    # The first notice, rebuilt from what its approval kept, is the same bytes.
    assert kept[0]["json"].encode("utf-8") == first_json.content
    client.force_login(sam)
    page = client.get(
        reverse("reporting:record-history", args=["assessment", again.pk])
    ).content.decode()
    assert f"JSON {first_json.sha256}" in page
    assert "{&#x27;" not in page and "{'" not in page


def test_the_page_and_pdf_give_dates_in_words_and_each_kpis_description(client, approved, sam):
    built = notices.notice_pdf(approved)
    pdf = pdf_words(built.content)
    client.force_login(sam)
    page = client.get(reverse("partnerships:notice", args=[approved.pk])).content.decode()
    for text in (pdf, page):
        assert "1 April 2024 to 31 March 2025" in text
        assert "20 January 2026" in text
        assert "Priority 1 incidents resolved within four hours." in text
        assert "2024-04-01" not in text and "2026-01-20" not in text
