"""Breach and poor-performance notices (section 71(4) of the Procurement Act 2023): the
SMT records one and approves it; its notice as page, PDF, JSON and CSV, the same bytes
when rebuilt, the details as they stood at approval; the partner sees approved ones only;
the next notice falls due 30 days after."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from partnerships.contracts import breach_notices, breaches, plans, selectors
from partnerships.contracts.models import PerformanceNotice
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory
from tests.partnerships.test_contract_notices import DETAILS
from tests.pdf_text import pdf_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(partnership):
    for name, value in DETAILS.items():
        setattr(partnership, name, value)
    partnership.save()
    return partnership


def _breach(partnership, actor, **changes):
    values = {
        "kind": "breach",
        "what_happened": "Backups were not taken for six weeks; two days of data were lost.",
        "occurred_on": date(2026, 3, 2),
        "action_taken": "damages",
        "action_details": "Awarded by the adjudicator.",
        "damages": Decimal("40000.00"),
        "today": date(2026, 3, 5),
        **changes,
    }
    return breaches.record_notice(partnership=partnership, actor=actor, **values)


@pytest.fixture
def approved(contract, sam):
    notice = _breach(contract, sam)
    with time_machine.travel("2026-03-20 10:00 +00:00", tick=False):
        return breaches.approve_notice(notice=notice, actor=sam)


def test_a_breach_is_notifiable_only_with_termination_damages_or_settlement(contract, sam, pat):
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, action_taken="other", damages=None)
    assert refused.value.message_dict["action_taken"] == [
        "A breach is notifiable only when termination, damages or a settlement followed "
        "(section 71(4)(a)): choose one of them."
    ]
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, damages=None)
    assert refused.value.message_dict["damages"] == ["Give the damages awarded, in pounds."]
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, action_taken="settlement")
    assert refused.value.message_dict["damages"] == [
        "Damages are given only when damages were awarded."
    ]
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, occurred_on=date(2026, 3, 6))
    assert refused.value.message_dict["occurred_on"] == [
        "The day cannot be after today (5 March 2026)."
    ]
    with pytest.raises(PermissionDenied):
        _breach(contract, pat)
    assert PerformanceNotice.objects.count() == 0


def test_a_failure_to_perform_names_a_plan_not_met(contract, sam):
    sla = SlaFactory(service=ServiceFactory(partnership=contract))
    plan = plans.record_plan(
        partnership=contract,
        actor=sam,
        sla=sla,
        action="Restore availability above 99.5%.",
        owner="Partner service director",
        due_date=date(2026, 1, 31),
        today=date(2026, 1, 1),
    )
    values = {"kind": "poor_performance", "action_taken": "other", "damages": None}
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, **values)
    assert "proper opportunity to improve" in refused.value.message_dict["plan"][0]
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, plan=plan, **{**values, "occurred_on": date(2026, 1, 31)})
    assert refused.value.message_dict["plan"] == [
        "That plan is due on 31 January 2026: until then the supplier still has its "
        "opportunity to improve."
    ]
    notice = _breach(contract, sam, plan=plan, **values)
    assert (notice.state, notice.plan, notice.publish_by) == ("draft", plan, date(2026, 4, 1))


def test_the_notice_names_every_field_and_keeps_the_details_approved(approved):
    fields = json.loads(breach_notices.notice_json(approved).content)
    assert fields == {
        "notice type": "Contract performance notice (UK9): breach of contract",
        "contracting authority": {
            "name": approved.partnership.council.name,
            "postal address": DETAILS["authority_postal_address"],
            "email address": DETAILS["authority_email"],
            "unique identifier": DETAILS["authority_identifier"],
        },
        "title of the procurement": DETAILS["procurement_title"],
        "unique identifier of the procurement": DETAILS["procurement_identifier"],
        "unique identifier of the public contract": DETAILS["contract_identifier"],
        "supplier": {
            "name": approved.partnership.partner.name,
            "postal address": DETAILS["supplier_postal_address"],
            "email address": DETAILS["supplier_email"],
            "unique identifier": DETAILS["supplier_identifier"],
        },
        "ground for the notice": breach_notices.GROUNDS["breach"],
        "what happened": "Backups were not taken for six weeks; two days of data were lost.",
        "date": "2026-03-02",
        "action taken": "Damages were awarded",
        "details of the action taken": "Awarded by the adjudicator.",
        "amount of damages (GBP)": "40000.00",
        "opportunity to improve": None,
        "date of the decision": "2026-03-20",
    }
    (row,) = csv.DictReader(
        io.StringIO(breach_notices.notice_csv(approved).content.decode("utf-8-sig"))
    )
    assert list(row) == breach_notices.CSV_COLUMNS
    assert (row["amount of damages (GBP)"], row["date"]) == ("40000.00", "2026-03-02")
    before = {f: build(approved).content for f, build in breach_notices.NOTICE_FORMATS.items()}
    partnership = approved.partnership
    partnership.supplier_email = "changed@meridian.example"
    partnership.save()
    again = PerformanceNotice.objects.get(pk=approved.pk)
    for file_format, build in breach_notices.NOTICE_FORMATS.items():
        rebuilt = build(again)
        assert rebuilt.content == before[file_format], file_format
        assert rebuilt.sha256 == hashlib.sha256(before[file_format]).hexdigest()


def test_the_pdf_reads_back_every_field(approved):
    built = breach_notices.notice_pdf(approved)
    text = pdf_words(built.content)
    assert "Breach of contract notice" in text
    for name, value in breach_notices.notice_lines(breach_notices.notice_fields(approved)):
        assert name in text
        assert " ".join(value.split())[:40] in text
    assert "£40,000.00" in text


def test_approval_is_audited_and_locks(approved, sam):
    reasons = [h.history_change_reason for h in approved.history.order_by("history_id")]
    assert reasons == ["Recorded", "Approved"]
    with pytest.raises(ValidationError, match="already approved"):
        breaches.approve_notice(notice=approved, actor=sam)
    draft = _breach(approved.partnership, sam, occurred_on=date(2026, 3, 4))
    with pytest.raises(ValidationError, match="only from an approved"):
        breach_notices.notice_json(draft)


def test_the_next_notice_is_due_30_days_after_a_breach_or_a_flagged_plan(contract, sam):
    today = date(2026, 3, 10)
    contract.start_date = date(2025, 6, 1)
    contract.save()
    due = selectors.next_notice_due(contract, today, drafts=True)
    assert (due.due_on, due.reason) == (date(2026, 5, 31), "12 months after the contract started")
    notice = _breach(contract, sam)
    due = selectors.next_notice_due(contract, today, drafts=True)
    assert (due.due_on, due.reason, due.overdue) == (
        date(2026, 4, 1),
        "30 days after the breach of 2 March 2026",
        False,
    )
    with time_machine.travel("2026-03-20 10:00 +00:00", tick=False):
        breaches.approve_notice(notice=notice, actor=sam)
    due = selectors.next_notice_due(contract, today, drafts=True)
    assert (due.due_on, due.reason) == (date(2026, 5, 31), "12 months after the contract started")
    # A plan for an SLA still in serious failure, open past 31 March 2026: it failed on
    # 1 April, so the notice is due 30 days later, on 1 May.
    sla = SlaFactory(service=ServiceFactory(partnership=contract))
    SlaResultFactory(sla=sla, period="2025-26-P12", reported_value=Decimal("97.0"))
    plans.record_plan(
        partnership=contract,
        actor=sam,
        sla=sla,
        action="Restore availability.",
        owner="Partner",
        due_date=date(2026, 3, 31),
        today=date(2026, 1, 1),
    )
    due = selectors.next_notice_due(contract, date(2026, 5, 2), drafts=True)
    assert (due.due_on, due.reason, due.overdue) == (
        date(2026, 5, 1),
        "30 days after a rectification plan was open past its due date",
        True,
    )


def test_the_smt_records_and_approves_through_the_pages_and_the_partner_sees_it(
    client, contract, sam, pat, alice
):
    client.force_login(sam)
    url = f"/partnerships/{contract.pk}/performance-notices/new/"
    refused = client.post(
        url,
        {
            "kind": "breach",
            "what_happened": "Payroll ran two days late.",
            "occurred_on": "2026-03-02",
            "action_taken": "other",
        },
    )
    assert refused.status_code == 400
    assert "A breach is notifiable only when termination" in refused.content.decode()
    with time_machine.travel("2026-03-05 10:00 +00:00", tick=False):
        done = client.post(
            url,
            {
                "kind": "breach",
                "what_happened": "Payroll ran two days late.",
                "occurred_on": "2026-03-02",
                "action_taken": "settlement",
                "action_details": "Settled at £12,000.",
            },
        )
    notice = PerformanceNotice.objects.get()
    assert done.url == f"/performance-notices/{notice.pk}/"
    page = client.get(done.url).content.decode()
    assert "Publish by" in page and "1 April 2026" in page and "Approve for publication" in page
    contract_page = client.get(f"/partnerships/{contract.pk}/contract/").content.decode()
    assert f"/performance-notices/{notice.pk}/" in contract_page

    client.force_login(pat)
    assert client.get(done.url).status_code == 404
    assert f"/performance-notices/{notice.pk}/" not in (
        client.get(f"/partnerships/{contract.pk}/contract/").content.decode()
    )
    assert client.post(done.url).status_code == 404

    client.force_login(sam)
    assert client.post(done.url).status_code == 302
    shown = client.get(done.url).content.decode()
    assert "Contract performance notice (UK9): breach of contract" in shown
    download = client.get(done.url + "?file_format=csv")
    assert download["X-Content-SHA256"] == hashlib.sha256(download.content).hexdigest()
    assert download.content.decode("utf-8-sig").splitlines()[1].count("Settled at £12,000.") == 1

    client.force_login(pat)
    assert client.get(done.url).status_code == 200
    assert client.get(done.url + "?file_format=pdf").content.startswith(b"%PDF")
    client.force_login(alice)
    assert client.get(done.url).status_code == 404


def test_the_api_records_approves_and_downloads_within_scope(client, contract, sam, pat):
    client.force_login(sam)
    with time_machine.travel("2026-03-05 10:00 +00:00", tick=False):
        made = client.post(
            "/api/v1/performance-notices/",
            {
                "partnership": contract.pk,
                "kind": "breach",
                "what_happened": "Data centre outage of three days.",
                "occurred_on": "2026-03-01",
                "action_taken": "termination",
                "action_details": "The hosting service was terminated.",
            },
            content_type="application/json",
        )
    assert made.status_code == 201, made.content
    assert (made.json()["state"], made.json()["publish_by"]) == ("draft", "2026-03-31")
    pk = made.json()["id"]
    client.force_login(pat)
    assert client.get("/api/v1/performance-notices/").json()["count"] == 0
    assert client.get(f"/api/v1/performance-notices/{pk}/notice/").status_code == 404
    client.force_login(sam)
    bad = client.post(
        "/api/v1/performance-notices/",
        {
            "partnership": contract.pk,
            "kind": "breach",
            "what_happened": "x",
            "occurred_on": "2026-03-01",
            "action_taken": "damages",
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["damages"] == [
        "Give the damages awarded, in pounds."
    ]
    assert client.post(f"/api/v1/performance-notices/{pk}/approve/").status_code == 200
    assert client.post(f"/api/v1/performance-notices/{pk}/approve/").status_code == 409
    client.force_login(pat)
    assert client.get("/api/v1/performance-notices/").json()["count"] == 1
    body = client.get(f"/api/v1/performance-notices/{pk}/notice/?file_format=json")
    assert json.loads(body.content)["action taken"] == (
        "The contract was terminated (in whole or in part)"
    )


def test_a_draft_recorded_in_error_is_withdrawn_with_a_reason_and_stays_in_the_trail(
    client, approved, sam, pat
):
    draft = _breach(approved.partnership, sam, occurred_on=date(2026, 3, 4))
    with pytest.raises(ValidationError) as refused:
        breaches.withdraw_notice(notice=draft, actor=sam, reason=" ")
    assert refused.value.message_dict["reason"] == ["Give the reason for withdrawing the draft."]
    with pytest.raises(PermissionDenied):
        breaches.withdraw_notice(notice=draft, actor=pat, reason="Wrong contract.")
    with pytest.raises(ValidationError, match="a published notice cannot be withdrawn"):
        breaches.withdraw_notice(notice=approved, actor=sam, reason="Wrong contract.")
    client.force_login(sam)
    page = client.post(
        f"/performance-notices/{draft.pk}/", {"action": "withdraw", "reason": "Wrong contract."}
    )
    assert page.url == f"/partnerships/{approved.partnership_id}/contract/"
    assert list(PerformanceNotice.objects.all()) == [approved]
    gone = PerformanceNotice.history.filter(id=draft.pk).order_by("history_id").last()
    assert (gone.history_type, gone.history_change_reason, gone.history_user) == (
        "-",
        "Withdrawn: Wrong contract.",
        sam,
    )


def test_the_partner_never_learns_of_a_draft_breach_from_the_deadline(client, contract, sam, pat):
    contract.start_date = date(2025, 6, 1)
    contract.save()
    with time_machine.travel("2026-04-10 10:00 +00:00", tick=False):
        _breach(contract, sam)  # 2 March 2026: its notice was due by 1 April, overdue
        client.force_login(sam)
        smt_page = client.get(f"/partnerships/{contract.pk}/contract/").content.decode()
        client.force_login(pat)
        partner_page = client.get(f"/partnerships/{contract.pk}/contract/").content.decode()
    assert "1 April 2026 (30 days after the breach of 2 March 2026)" in smt_page
    assert "2 March 2026" not in partner_page and "Overdue" not in partner_page
    assert "31 May 2026 (12 months after the contract started)" in partner_page


def test_a_breach_before_the_contract_began_is_refused(contract, sam):
    with pytest.raises(ValidationError) as refused:
        _breach(contract, sam, occurred_on=date(1990, 1, 1))
    assert refused.value.message_dict["occurred_on"] == [
        "When it happened cannot be before the contract started (1 April 2020)."
    ]
    assert PerformanceNotice.objects.count() == 0


def test_negative_damages_name_the_field_and_the_limit(client, contract, sam):
    client.force_login(sam)
    with time_machine.travel("2026-03-05 10:00 +00:00", tick=False):
        page = client.post(
            f"/partnerships/{contract.pk}/performance-notices/new/",
            {
                "kind": "breach",
                "what_happened": "Payroll ran two days late.",
                "occurred_on": "2026-03-02",
                "action_taken": "damages",
                "damages": "-5",
            },
        )
        api = client.post(
            "/api/v1/performance-notices/",
            {
                "partnership": contract.pk,
                "kind": "breach",
                "what_happened": "Payroll ran two days late.",
                "occurred_on": "2026-03-02",
                "action_taken": "damages",
                "damages": "-5",
            },
            content_type="application/json",
        )
    assert page.status_code == 400
    assert breaches.DAMAGES_NEGATIVE in page.content.decode()
    assert api.status_code == 400 and api.json()["damages"] == [breaches.DAMAGES_NEGATIVE]
    assert PerformanceNotice.objects.count() == 0


def test_closing_the_plan_later_leaves_the_approved_notice_as_it_was(contract, sam):
    sla = SlaFactory(service=ServiceFactory(partnership=contract))
    plan = plans.record_plan(
        partnership=contract,
        actor=sam,
        sla=sla,
        action="Restore availability above 99.5%.",
        owner="Partner service director",
        due_date=date(2026, 1, 31),
        today=date(2026, 1, 1),
    )
    notice = _breach(
        contract, sam, kind="poor_performance", action_taken="other", damages=None, plan=plan
    )
    with time_machine.travel("2026-03-20 10:00 +00:00", tick=False):
        notice = breaches.approve_notice(notice=notice, actor=sam)
    before = {name: build(notice).content for name, build in breach_notices.NOTICE_FORMATS.items()}
    assert breach_notices.notice_fields(notice)["opportunity to improve"]["outcome"] == "Open"
    # The supplier meets the plan after all: the plan says so; the published notice, which
    # said what stood when the council decided, does not change.
    with time_machine.travel("2026-04-15 10:00 +01:00", tick=False):
        plans.close_plan(plan=plan, actor=sam, state="met", reason="Restored in April.")
    notice = PerformanceNotice.objects.get(pk=notice.pk)
    after = {name: build(notice).content for name, build in breach_notices.NOTICE_FORMATS.items()}
    assert after == before


def test_the_poor_performance_notice_reads_in_words(client, contract, sam):
    sla = SlaFactory(service=ServiceFactory(partnership=contract))
    plan = plans.record_plan(
        partnership=contract,
        actor=sam,
        sla=sla,
        action="Restore availability above 99.5%.",
        owner="Partner service director",
        due_date=date(2026, 1, 31),
        today=date(2026, 1, 1),
    )
    notice = _breach(
        contract, sam, kind="poor_performance", action_taken="other", damages=None, plan=plan
    )
    with time_machine.travel("2026-03-20 10:00 +00:00", tick=False):
        breaches.approve_notice(notice=notice, actor=sam)
    client.force_login(sam)
    page = client.get(f"/performance-notices/{notice.pk}/").content.decode()
    assert "Other action" in page and "poor performance only" not in page
    assert "2 March 2026" in page and "31 January 2026" in page and "20 March 2026" in page
    assert "2026-03-02" not in page and "2026-01-31" not in page
