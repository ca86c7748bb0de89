"""The audit trail shows values (issue 15, point 5): every change names each changed field
with its value before and after, as people read them, on the audit-trail page, in its CSV
and XLSX downloads and on the record's history page; each kind of record is labelled by
its model's verbose name.

Each worked example makes a change the way the product makes it (a service, the API, the
admin, an import) and reads it back in all four places. Time is frozen on 14 October 2025
at 16:40 in London, after September 2025 (2025-26-P06) has ended.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from departments.history import NO_USER, ValueChange, value_changes, versions_of
from departments.models import KpiReturn, Referral
from departments.returns.selectors import return_history
from departments.returns.services import save_return
from partnerships.records import services as record_services
from partnerships.sla_results import services as partner_services
from reporting.audit.selectors import AuditTrail
from reporting.audit.sources import LABEL_ORDER, OBJECT_TYPES, SOURCES
from reporting.reports.exports.audit import AuditTrailExporter
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.renderers import render_csv, render_xlsx
from tests.factories import (
    DepartmentFactory,
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 10, 14, 16, 40, tzinfo=LONDON)
SEPTEMBER = "2025-26-P06"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def indicator(housing):
    return IndicatorFactory(
        department=housing, code="LPI-HOU-03", title="Homelessness cases prevented"
    )


@pytest.fixture
def root(db):
    return UserFactory(
        username="root", first_name="Rosa", last_name="Root", is_staff=True, is_superuser=True
    )


# --- reading one change in the four places ----------------------------------------------------


def page_changes(client, reader, kind: str, record: str) -> list[tuple]:
    """(action, [(label, before, after)]) of the record's entries on the trail page."""
    client.force_login(reader)
    response = client.get(f"/audit-trail/?object_type={kind}")
    assert response.status_code == 200
    return [
        (entry.object_type, entry.action, [_triple(c) for c in entry.changes])
        for entry in response.context["entries"]
        if entry.record == record
    ]


def history_changes(client, reader, kind: str, pk: int) -> list[tuple]:
    client.force_login(reader)
    response = client.get(f"/audit-trail/{kind}/{pk}/")
    assert response.status_code == 200
    return [
        (entry.object_type, entry.action, [_triple(c) for c in entry.changes])
        for entry in response.context["entries"]
    ]


def _triple(change: ValueChange) -> tuple:
    return (change.label, change.before, change.after)


def export_changes(reader, kind: str, record: str) -> dict[str, list[tuple]]:
    """The record's rows in the CSV and in the XLSX: (kind, change, field, before, after)."""
    exporter = AuditTrailExporter(user=reader, parameters=ReportParameters(object_type=kind))
    text = render_csv(exporter)[2].decode("utf-8")[1:]
    csv_rows = [
        (r["Kind of record"], r["Change"], r["Field"], r["Before"], r["After"])
        for r in csv.DictReader(io.StringIO(text))
        if r["Record"] == record
    ]
    sheet = load_workbook(io.BytesIO(render_xlsx(exporter)[2])).worksheets[0]
    heading, *rows = list(sheet.iter_rows(values_only=True))
    at = {name: heading.index(name) for name in heading}
    xlsx_rows = [
        tuple(
            row[at[name]] or "" for name in ("Kind of record", "Change", "Field", "Before", "After")
        )
        for row in rows
        if row[at["Record"]] == record
    ]
    return {"csv": csv_rows, "xlsx": xlsx_rows}


def as_export_rows(kind_label: str, action: str, changes: list[tuple]) -> list[tuple]:
    return [(kind_label, action, label, before or "", after) for label, before, after in changes]


# --- a return edited ----------------------------------------------------------------------------


def test_a_return_edited_shows_its_value_and_commentary_before_and_after(
    client, alice, audrey, indicator
):
    first = save_return(
        indicator=indicator,
        period_key=SEPTEMBER,
        actor=alice,
        value="91.5",
        commentary="Two new caseworkers.",
    )
    save_return(
        indicator=indicator,
        period_key=SEPTEMBER,
        actor=alice,
        value="88.0",
        commentary="One caseworker left in September.",
        expected_version=first.version,
    )
    kpi_return = KpiReturn.objects.get()
    edited = [
        ("Value", "91.5", "88.0"),
        ("Commentary", "Two new caseworkers.", "One caseworker left in September."),
    ]

    on_page = page_changes(client, audrey, "return", "LPI-HOU-03, September 2025")
    assert on_page[0] == ("KPI return", "Changed", edited)
    created = on_page[1]
    assert created[:2] == ("KPI return", "Created")
    assert ("Value", None, "91.5") in created[2]
    assert ("Period", None, "September 2025 (P06 2025/26)") in created[2]
    assert ("Indicator", None, "LPI-HOU-03 Homelessness cases prevented") in created[2]
    assert ("Created by", None, alice.get_full_name()) in created[2]

    exported = export_changes(audrey, "return", "LPI-HOU-03, September 2025")
    expected = as_export_rows("KPI return", "Changed", edited)
    assert exported["csv"][:2] == exported["xlsx"][:2] == expected
    assert ("KPI return", "Created", "Value", "", "91.5") in exported["csv"]

    assert history_changes(client, audrey, "return", kpi_return.pk)[0] == on_page[0]
    # The return's own page shows the same, with the officer as reader.
    client.force_login(alice)
    html = client.get(f"/returns/{kpi_return.pk}/").content.decode()
    assert "<li>Value: 91.5 → 88.0</li>" in html
    assert "<li>Commentary: Two new caseworkers. → One caseworker left in September.</li>" in html


# --- an SLA result corrected, then verified -----------------------------------------------------


def test_an_sla_result_corrected_and_verified_reads_as_an_sla_result(
    client, pat, sam, audrey, ada, partnership
):
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        sla = SlaFactory(service=ServiceFactory(partnership=partnership), code="AV-01")
    entered = partner_services.enter_sla_result(
        sla=sla, period_key=SEPTEMBER, actor=pat, value="99.7"
    )
    corrected = partner_services.enter_sla_result(
        sla=sla,
        period_key=SEPTEMBER,
        actor=pat,
        value="98.4",
        commentary="The 14 September outage added to the log.",
        expected_version=entered.version,
    )
    partner_services.verify_sla_result(result=corrected, actor=sam, expected_version=2)
    record = "AV-01, September 2025"
    verified = [
        ("Verification", "Awaiting verification", "Verified"),
        ("Verified by", "–", sam.get_full_name()),
        ("Verified at", "–", "14 October 2025, 16:40"),
    ]
    correction = [
        ("Reported value", "99.7", "98.4"),
        ("Commentary", "–", "The 14 September outage added to the log."),
    ]

    on_page = page_changes(client, audrey, "sla_result", record)
    assert [entry[:2] for entry in on_page] == [
        ("SLA result", "Changed"),
        ("SLA result", "Changed"),
        ("SLA result", "Created"),
    ]
    assert on_page[0][2] == verified
    assert on_page[1][2] == correction

    exported = export_changes(audrey, "sla_result", record)
    expected = as_export_rows("SLA result", "Changed", verified + correction)
    assert exported["csv"][:5] == exported["xlsx"][:5] == expected

    assert history_changes(client, pat, "sla_result", corrected.pk) == on_page
    # The administrator's home page lists the latest changes under their own kind, never
    # as "Membership" (the finding).
    # (The personas' accounts, made at the real time, are newer than the changes made at
    # the travelled time: they are left aside.)
    client.force_login(ada)
    changes = client.get("/").context["home"].list("changes_since_last_visit")
    home = [item.record for item in changes.items if item.record.kind != "account"]
    assert [(e.object_type, e.record, e.action) for e in home[:3]] == [
        ("SLA result", record, "Changed"),
        ("SLA result", record, "Changed"),
        ("SLA result", record, "Created"),
    ]
    assert [_triple(c) for c in home[0].changes] == verified


# --- a target changed through the API -----------------------------------------------------------


def test_a_target_changed_through_the_api_shows_its_annual_value_and_tolerance(
    client, ada, audrey, indicator
):
    target = TargetFactory(indicator=indicator, annual_value=Decimal("90"), tolerance=Decimal("5"))
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/targets/{target.pk}/",
        {"annual_value": "92.5", "tolerance": "2.25"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    # Figures to the indicator's one decimal place, and never fewer than they hold.
    changed = [("Annual value", "90.0", "92.5"), ("Tolerance", "5.0", "2.25")]

    on_page = page_changes(client, audrey, "target", "LPI-HOU-03, 2025/26")
    assert on_page[0] == ("Target", "Changed", changed)
    assert ("Financial year", None, "2025/26") in on_page[1][2]
    exported = export_changes(audrey, "target", "LPI-HOU-03, 2025/26")
    assert (
        exported["csv"][:2] == exported["xlsx"][:2] == as_export_rows("Target", "Changed", changed)
    )
    history = history_changes(client, audrey, "target", target.pk)
    assert history[0] == on_page[0]
    client.force_login(audrey)
    page = client.get(f"/audit-trail/target/{target.pk}/").content.decode()
    assert "<li>Annual value: 90.0 → 92.5</li>" in page
    assert f"<td>{ada.get_full_name()}</td>" in page  # who made it, through the API


# --- partnership weights changed in the admin ---------------------------------------------------


def test_partnership_weights_changed_in_the_admin_show_before_and_after(
    client, root, audrey, partnership
):
    client.force_login(root)
    response = client.post(
        f"/admin/partnerships/partnership/{partnership.pk}/change/",
        {
            "council": partnership.council_id,
            "partner": partnership.partner_id,
            "name": partnership.name,
            "start_date": "2020-04-01",
            "end_date": "2030-03-31",
            "annual_value": "12500000.50",
            "weight_sla": 35,
            "weight_credits": 25,
            "weight_milestones": 15,
            "weight_escalations": 15,
            "weight_timely": 10,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    changed = [
        ("Annual contract value", "£12,000,000.00", "£12,500,000.50"),
        ("SLA performance weight", "40", "35"),
        ("Service credits weight", "20", "25"),
    ]

    on_page = page_changes(client, audrey, "partnership", partnership.name)
    assert on_page[0] == ("Partnership", "Changed", changed)
    assert ("Start date", None, "1 April 2020") in on_page[1][2]
    exported = export_changes(audrey, "partnership", partnership.name)
    assert (
        exported["csv"][:3]
        == exported["xlsx"][:3]
        == as_export_rows("Partnership", "Changed", changed)
    )
    assert history_changes(client, audrey, "partnership", partnership.pk)[0] == on_page[0]


# --- a milestone delivered, an escalation resolved, a risk re-scored ----------------------------


def test_a_milestone_delivered_shows_its_state_and_date(client, pat, audrey, partnership):
    milestone = MilestoneFactory(partnership=partnership, title="Data centre migration")
    record_services.update_milestone(
        milestone=milestone, actor=pat, state="delivered", delivered_date=date(2025, 9, 26)
    )
    delivered = [("Delivered date", "–", "26 September 2025"), ("State", "Planned", "Delivered")]

    on_page = page_changes(client, audrey, "milestone", "Data centre migration")
    assert on_page[0] == ("Milestone", "Changed", delivered)
    exported = export_changes(audrey, "milestone", "Data centre migration")
    assert (
        exported["csv"][:2]
        == exported["xlsx"][:2]
        == as_export_rows("Milestone", "Changed", delivered)
    )
    assert history_changes(client, pat, "milestone", milestone.pk)[0] == on_page[0]
    client.force_login(pat)
    records = client.get(f"/partnerships/{partnership.pk}/records/").content.decode()
    assert f'href="/audit-trail/milestone/{milestone.pk}/"' in records


def test_an_escalation_resolved_through_the_api(client, sam, audrey, partnership):
    escalation = EscalationFactory(
        partnership=partnership, title="Repeated network outages at depots", severity="high"
    )
    client.force_login(sam)
    response = client.patch(
        f"/api/v1/escalations/{escalation.pk}/",
        {"state": "resolved", "resolution": "New routers at all depots."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    resolved = [
        ("State", "Open", "Resolved"),
        ("Resolved on", "–", "14 October 2025"),
        ("Resolution", "–", "New routers at all depots."),
    ]

    record = "Repeated network outages at depots"
    on_page = page_changes(client, audrey, "escalation", record)
    assert on_page[0] == ("Escalation", "Changed", resolved)
    assert ("Severity", None, "High") in on_page[1][2]  # choices by their label
    exported = export_changes(audrey, "escalation", record)
    assert (
        exported["csv"][:3]
        == exported["xlsx"][:3]
        == as_export_rows("Escalation", "Changed", resolved)
    )
    assert history_changes(client, audrey, "escalation", escalation.pk)[0] == on_page[0]


def test_a_risk_rescored_through_the_api(client, pat, audrey, partnership):
    risk = RiskFactory(partnership=partnership, title="Key supplier staff turnover")
    client.force_login(pat)
    response = client.patch(
        f"/api/v1/risks/{risk.pk}/",
        {"likelihood": 4, "impact": 5, "mitigation": "Retention bonus."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    rescored = [
        ("Likelihood", "3", "4"),
        ("Impact", "4", "5"),
        ("Mitigation", "–", "Retention bonus."),
    ]

    on_page = page_changes(client, audrey, "risk", "Key supplier staff turnover")
    assert on_page[0] == ("Risk", "Changed", rescored)
    exported = export_changes(audrey, "risk", "Key supplier staff turnover")
    assert (
        exported["csv"][:3] == exported["xlsx"][:3] == as_export_rows("Risk", "Changed", rescored)
    )
    assert history_changes(client, pat, "risk", risk.pk)[0] == on_page[0]


# --- creations, deletions, imports, scope ---------------------------------------------------


def test_a_deletion_reads_deleted_and_lists_no_values(client, audrey, partnership, ada):
    risk = RiskFactory(partnership=partnership, title="Data centre lease ends early")
    pk = risk.pk
    risk._history_user = ada
    risk.delete()

    on_page = page_changes(client, audrey, "risk", "Data centre lease ends early")
    assert [entry[:2] for entry in on_page] == [("Risk", "Deleted"), ("Risk", "Created")]
    assert on_page[0][2] == []
    exported = export_changes(audrey, "risk", "Data centre lease ends early")
    assert exported["csv"][0] == ("Risk", "Deleted", "", "", "")
    client.force_login(audrey)
    page = client.get(f"/audit-trail/risk/{pk}/").content.decode()
    assert "<td>Deleted</td><td>Deleted</td>" in page


def test_imported_referrals_show_as_created_and_updated_by_the_importer(
    client, alice, audrey, housing, partnership, django_capture_on_commit_callbacks
):
    DepartmentFactory(council=housing.council, name="Revenues and Benefits", code="revenues")
    ServiceFactory(partnership=partnership, code="case-management", name="Case management")
    header = (
        "from_department,to_department,category,raised_on,acknowledged_on,resolved_on,"
        "agreed_days,channel,reference\n"
    )
    row = (
        "housing,revenues,Change of circumstances,2025-09-05,2025-09-06,{resolved},10,email,CMS-1\n"
    )

    def upload(resolved: str) -> None:
        client.force_login(alice)
        text = header + row.format(resolved=resolved)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/referrals/import/",
                {"file": SimpleUploadedFile("referrals.csv", text.encode())},
            )
        assert response.status_code == 202

    upload("")
    upload("2025-09-12")
    referral = Referral.objects.get()
    assert Referral.history.filter(history_user=alice).count() == 2  # bulk, with history

    record = "CMS-1 Change of circumstances"
    on_page = page_changes(client, audrey, "referral", record)
    assert [entry[:2] for entry in on_page] == [("Referral", "Changed"), ("Referral", "Created")]
    assert on_page[0][2] == [("Resolved on", "–", "12 September 2025")]
    created = {label: after for label, _, after in on_page[1][2]}
    assert created["From department"] == "Housing"
    assert created["Raised on"] == "5 September 2025"
    assert created["Channel"] == "Email"
    client.force_login(audrey)
    entries = client.get("/audit-trail/?object_type=referral").context["entries"]
    assert {(e.who, e.reason) for e in entries} == {
        (alice.get_full_name(), "Imported"),
        (alice.get_full_name(), "Updated by import"),
    }
    # The officer of a department it touches reads it too, with its history.
    assert history_changes(client, alice, "referral", referral.pk) == on_page


def test_a_record_outside_the_readers_scope_has_no_history_page(client, bob, pat, indicator):
    target = TargetFactory(indicator=indicator)
    client.force_login(bob)  # Finance
    assert client.get(f"/audit-trail/target/{target.pk}/").status_code == 404
    client.force_login(pat)
    assert client.get(f"/audit-trail/target/{target.pk}/").status_code == 404
    assert client.get("/audit-trail/no_such_kind/1/").status_code == 404


def test_each_kind_of_record_is_labelled_by_its_verbose_name(client, audrey):
    client.force_login(audrey)
    kinds = dict(client.get("/audit-trail/").context["object_types"])
    assert kinds["sla_result"] == "SLA result"
    assert kinds["sla"] == "SLA"
    assert kinds["return"] == "KPI return"
    assert kinds["indicator"] == "Performance indicator"
    assert kinds["sign_off"] == "Period sign-off"
    assert {kinds[k] for k in ("milestone", "escalation", "risk", "target", "partnership")} == {
        "Milestone",
        "Escalation",
        "Risk",
        "Target",
        "Partnership",
    }


def test_the_one_function_reads_a_row_against_the_previous_row(partnership, ada):
    """``value_changes`` on the library's rows, as ``versions_of`` calls it."""
    service = ServiceFactory(
        partnership=partnership, name="Case management", monthly_charge=Decimal("125000.00")
    )
    service.monthly_charge = Decimal("130000.5")
    service.credit_cap_percent = Decimal("12.5")
    service._history_user = ada
    service.save()
    latest, first = service.history.order_by("-history_id")
    (version,) = versions_of([latest])
    assert [_triple(c) for c in version.changes] == [
        ("Monthly charge", "£125,000.00", "£130,000.50"),
        ("Credit cap", "10%", "12.5%"),
    ]
    from departments.history import lookups_for

    again = value_changes(latest, previous=first, lookups=lookups_for([latest, first]))
    assert again == version.changes
    assert version.summary == ("Monthly charge: £125,000.00 → £130,000.50; Credit cap: 10% → 12.5%")


# --- the page stays fast ----------------------------------------------------------------------


def _changes_of_every_kind(n: int, *, partnership, indicator, pat, sam, start: int) -> None:
    """``n`` more records of several kinds, each created then changed, a minute apart."""
    for i in range(start, start + n):
        with time_machine.travel(NOW + timedelta(minutes=i + 1), tick=False):
            sla = SlaFactory(service=ServiceFactory(partnership=partnership), code=f"Q-{i:03d}")
            result = partner_services.enter_sla_result(
                sla=sla, period_key=SEPTEMBER, actor=pat, value="99.7"
            )
            partner_services.verify_sla_result(result=result, actor=sam)
            risk = RiskFactory(partnership=partnership, title=f"Risk {i}")
            risk.likelihood = 5
            risk._history_user = sam
            risk.save()
            target = TargetFactory(
                indicator=IndicatorFactory(department=indicator.department, code=f"Q-{i:03d}")
            )
            target.annual_value = Decimal("95")
            target.save()


HISTORY_TABLES = {source.model.history.model._meta.db_table: key for key, source in SOURCES.items()}


def _page_queries(client, path: str) -> tuple[int, int]:
    """(queries, entries shown) of one request for an audit-trail page, after checking the
    trail's own: one query counts the entries of every kind of record and one finds the
    page's (each a UNION ALL of the history tables); then each kind on the page is read
    twice (its entries, their previous versions), a kind only on the pages before it once
    (its entries, to find where the page starts) and no other kind at all."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    entries = response.context["entries"]
    # Each entry says what changed: its values, or (an account's new password, signing out
    # everywhere) the event, as its reason.
    assert all(e.changes or e.action == "Deleted" or e.reason for e in entries)
    sql = [query["sql"] for query in captured.captured_queries]
    unions = [query for query in sql if " UNION ALL " in query]
    tables = [
        re.match(r'SELECT .*? FROM "(\w+)"', query)[1] for query in sql if query not in unions
    ]
    assert len(unions) == 2
    assert unions[0].count('SELECT COUNT(*) AS "n" FROM') == len(SOURCES) == 33
    reads = Counter(HISTORY_TABLES[table] for table in tables if table in HISTORY_TABLES)
    shown = {entry.kind for entry in entries}
    assert {kind for kind, n in reads.items() if n == 2} == shown
    assert set(reads.values()) <= {1, 2}
    return len(captured), len(entries)


def test_the_trail_page_makes_the_same_number_of_queries_however_many_rows(
    client, audrey, pat, sam, partnership, indicator, monkeypatch
):
    made = {"partnership": partnership, "indicator": indicator, "pat": pat, "sam": sam}
    client.force_login(audrey)
    # Every entry on one page, so both pages show the same kinds of record.
    monkeypatch.setattr("reporting.audit.views.PAGE_SIZE", 1000)
    _changes_of_every_kind(1, start=0, **made)
    client.get("/audit-trail/")
    small, few = _page_queries(client, "/audit-trail/")
    _changes_of_every_kind(5, start=1, **made)
    large, many = _page_queries(client, "/audit-trail/")

    assert many == few + 5 * 9
    assert small == large
    # One count and one search of the 33 kinds of record (user accounts, permission
    # groups, the directory's role mappings, the four of benchmarking, the four of
    # contract assessments, publications to residents and the three of scrutiny among
    # them), then for the page's kinds only: their rows, and their entries' previous rows,
    # names, places and many-to-many values, one query per model or field; never one per
    # row, nor per kind not shown.
    monkeypatch.setattr("reporting.audit.views.PAGE_SIZE", 50)
    queries, shown = _page_queries(client, "/audit-trail/")
    assert shown == 50
    assert queries <= large <= 39  # 91 when each kind was counted and read on its own
    assert _page_queries(client, "/audit-trail/?page=2")[0] <= large


def test_the_trail_page_builds_no_history_manager(
    client, audrey, pat, sam, partnership, indicator, monkeypatch
):
    """django-simple-history's ``Model.history`` builds a new manager class on every
    access (about a millisecond): the trail reads the history tables without it, however
    many kinds of record it counts and shows."""
    from simple_history.models import HistoryDescriptor

    made = {"partnership": partnership, "indicator": indicator, "pat": pat, "sam": sam}
    _changes_of_every_kind(1, start=0, **made)
    client.force_login(audrey)
    built = []
    original = HistoryDescriptor.__get__
    monkeypatch.setattr(
        HistoryDescriptor,
        "__get__",
        lambda self, instance, owner: built.append(owner) or original(self, instance, owner),
    )
    page = client.get("/audit-trail/")
    assert page.status_code == 200 and "SLA result" in page.content.decode()
    assert built == []


@pytest.mark.parametrize("size", [1, 4, 9, 50])
def test_pages_cut_the_whole_trail_in_its_order_at_any_size(
    audrey, harriet, pat, sam, partnership, indicator, size
):
    """A page is found in the database and merged in Python: page after page gives the
    whole trail in its own order, ties in time included (a record made and changed in the
    same instant, several kinds at one instant: time is frozen), for every reader."""
    _changes_of_every_kind(
        3, start=0, partnership=partnership, indicator=indicator, pat=pat, sam=sam
    )
    for reader in (audrey, harriet, pat):
        whole = list(AuditTrail(user=reader))
        trail = AuditTrail(user=reader)
        pages = [trail.page(number, size) for number in range(1, -(-len(whole) // size) + 2)]

        assert len(whole) == trail.count() > 9
        assert [entry for page in pages for entry in page] == whole
        assert pages[-1] == []


def test_no_two_kinds_of_record_share_a_label():
    """Entries at one instant are ordered by label: the page's search orders by each label's
    place (``LABEL_ORDER``), one place per kind."""
    labels = [label for _, label in OBJECT_TYPES]
    assert len(set(labels)) == len(labels) == len(set(LABEL_ORDER.values()))


def test_a_date_beyond_the_products_range_is_a_clear_message_not_a_server_error(client, audrey):
    client.force_login(audrey)

    page = client.get("/audit-trail/?until=9999-12-31")
    report = client.post(
        "/api/v1/reports/",
        {"kind": "audit_trail", "file_format": "csv", "parameters": {"until": "9999-12-31"}},
        content_type="application/json",
    )

    message = "'9999-12-31' is outside the dates this product takes: 1900 to 2100"
    assert page.status_code == 200
    assert page.context["errors"] == {"until": message}
    assert report.status_code == 400
    assert message in str(report.json())


def test_a_change_no_one_signed_in_made_reads_alike_on_the_trail_and_the_returns_history(
    indicator, sam
):
    """A return written with no user (the demo seeding, a bulk import) is attributed in one
    wording by the audit trail and by the return's own history."""
    kpi_return = KpiReturnFactory(indicator=indicator, period=SEPTEMBER)

    (entry,) = AuditTrail(user=sam, object_type="return", record_id=kpi_return.pk)
    (history,) = return_history(kpi_return)
    assert entry.who == history.who == NO_USER == "System (seeded or imported)"
