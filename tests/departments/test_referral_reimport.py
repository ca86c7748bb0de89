"""Referral imports are idempotent and take their dates by the one London date rule.

A referral's source reference identifies it within the council (DESIGN.md section 3,
"Coordination"): a second import of the same rows creates nothing and says how many were
unchanged; a changed row updates the referral (with history); a reference twice in one
file is a row error. Cases 07 and 10 of ``../shared/cases/`` are copied below verbatim.

Time is frozen on 29 November 2026 in London, the day the cases were run (the latest
closed month is then October 2026, 2026-27-P07).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import importer
from core.cells import CellText, ImportRejected
from core.importer import iter_json_rows, run_import
from departments.figures_generation import figures_generation
from departments.models import ImportJob, Referral
from departments.periods import Period
from departments.referrals import imports as referral_imports
from departments.referrals.imports import ReferralRowHandler
from reporting.metrics.coordination import coordination_by_department, council_coordination
from tests.constraints import refused
from tests.factories import DepartmentFactory, ReferralFactory, ServiceFactory

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/referrals/import/"
TODAY = date(2026, 11, 29)
OCT = Period.parse("2026-27-P07")

# ../shared/cases/10-referrals-reimport.csv
CASE_10 = """\
from_department,to_department,category,raised_on,acknowledged_on,resolved_on,agreed_days,channel,reference
housing,revenues-benefits,Housing benefit change of circumstances,2026-10-05,2026-10-06,2026-10-09,10,case-management,CMS-2026-104551
housing,revenues-benefits,Housing benefit change of circumstances,2026-10-12,2026-10-12,,10,email,CMS-2026-104552
"""  # noqa: E501

# ../shared/cases/07-referrals-utc-timestamps.csv
CASE_07 = """\
from_department,to_department,category,raised_on,acknowledged_on,resolved_on,agreed_days,channel,reference
housing,adult-social-care,Hospital discharge housing check,2026-03-31T23:30:00Z,2026-04-01T08:10:00Z,2026-04-07T23:20:00Z,7,case-management,CMS-TZ-0001
housing,adult-social-care,Hospital discharge housing check,2026-04-01T00:30:00+01:00,2026-04-01T09:10:00+01:00,2026-04-08T00:20:00+01:00,7,case-management,CMS-TZ-0002
"""  # noqa: E501


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def revenues(council):
    return DepartmentFactory(
        council=council, name="Revenues and Benefits", code="revenues-benefits"
    )


@pytest.fixture
def asc(council):
    return DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care")


@pytest.fixture
def service(partnership):
    return ServiceFactory(partnership=partnership, code="case-management")


def post_file(client, capture, text: str, name: str = "referrals.csv") -> dict:
    """Import through the API as the logged-in user; the job's answer once it has run."""
    with capture(execute=True):
        response = client.post(IMPORT, {"file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 202, response.json()
    return client.get(response.json()["url"]).json()


def figures() -> tuple:
    """October's coordination, per department and council-wide, as the pages show it."""
    by_department = coordination_by_department(periods=[OCT], today=TODAY)
    council = council_coordination(periods=[OCT], today=TODAY, by_department=by_department)
    return sorted(by_department.items()), council


# --- case 10: importing the same file twice ----------------------------------------------------


def test_case_10_a_second_import_creates_nothing_and_says_so(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    first = post_file(client, django_capture_on_commit_callbacks, CASE_10)
    assert (first["status"], first["created_count"], first["errors"]) == ("succeeded", 2, [])
    before = figures()
    council = before[1][0]
    assert (council.received, council.on_time, council.digital) == (2, 1, 1)
    history = Referral.history.count()

    again = post_file(client, django_capture_on_commit_callbacks, CASE_10)

    assert again["status"] == "succeeded", again["errors"]
    assert (again["created_count"], again["updated_count"]) == (0, 0)
    job = ImportJob.objects.get(pk=again["id"])
    assert job.unchanged_count == 2
    assert job.message == (
        "2 rows read: 0 created, 0 updated, 2 unchanged (already stored as they are)."
    )
    assert sorted(Referral.objects.values_list("reference", flat=True)) == [
        "CMS-2026-104551",
        "CMS-2026-104552",
    ]
    assert Referral.history.count() == history  # nothing written
    assert figures() == before


def test_case_10_through_json_rows_and_xlsx_is_unchanged_too(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    from tests.departments.test_referral_import import xlsx_bytes

    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    header, *lines = CASE_10.splitlines()
    rows = [dict(zip(header.split(","), line.split(","), strict=True)) for line in lines]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"rows": rows}, content_type="application/json")
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.created_count, job.unchanged_count) == ("succeeded", 0, 2)

    # The same rows typed in Excel: real date cells and numbers.
    def cell(column: str, text: str):
        if column.endswith("_on") and text:
            return datetime.fromisoformat(text)
        return float(text) if column == "agreed_days" else (text or None)

    table = [[cell(c, t) for c, t in zip(header.split(","), line.split(","), strict=True)]
             for line in lines]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        upload = SimpleUploadedFile("r.xlsx", xlsx_bytes(table, header.split(",")))
        response = client.post(IMPORT, {"file": upload})
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.created_count, job.unchanged_count) == ("succeeded", 0, 2)
    assert Referral.objects.count() == 2


# --- case 07: date-times in UTC and with an offset ---------------------------------------------


def test_case_07_both_rows_are_raised_on_1_april_in_london(
    client, alice, housing, asc, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    job = post_file(client, django_capture_on_commit_callbacks, CASE_07)
    assert (job["status"], job["created_count"], job["errors"]) == ("succeeded", 2, [])
    found = {
        r.reference: (r.raised_on, r.period, r.acknowledged_on, r.resolved_on, r.due_on)
        for r in Referral.objects.all()
    }
    # 23:30 UTC on 31 March is 00:30 BST on 1 April: financial year 2026-27, P01.
    # Acknowledged 08:10 UTC = 09:10 BST on 1 April; resolved 23:20 UTC on 7 April =
    # 00:20 BST on 8 April; due 1 April + 7 days = 8 April: resolved on its due date.
    expected = (
        date(2026, 4, 1),
        "2026-27-P01",
        date(2026, 4, 1),
        date(2026, 4, 8),
        date(2026, 4, 8),
    )
    assert found == {"CMS-TZ-0001": expected, "CMS-TZ-0002": expected}
    assert set(Referral.objects.values_list("resolution_days", flat=True)) == {7}


# --- a changed row updates; a reference twice in a file is refused ---------------------------


def test_a_changed_row_updates_the_referral_with_history_and_both_periods(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    first = Referral.objects.get(reference="CMS-2026-104551")
    generation = figures_generation()
    # Row 2 now raised on 30 September (moves from October to September, P06) and
    # agreed in 14 days; row 3 resolved on 20 October.
    changed = CASE_10.replace(
        "2026-10-05,2026-10-06,2026-10-09,10,", "2026-09-30,2026-10-06,2026-10-09,14,"
    ).replace("2026-10-12,2026-10-12,,10,", "2026-10-12,2026-10-12,2026-10-20,10,")

    job = post_file(client, django_capture_on_commit_callbacks, changed)

    assert job["status"] == "succeeded", job["errors"]
    assert (job["created_count"], job["updated_count"]) == (0, 2)
    assert Referral.objects.count() == 2
    first_pk = first.pk
    first = Referral.objects.get(reference="CMS-2026-104551")
    assert (first.pk, first.raised_on, first.period, first.due_on, first.resolution_days) == (
        first_pk,
        date(2026, 9, 30),
        "2026-27-P06",
        date(2026, 10, 14),
        9,
    )
    second = Referral.objects.get(reference="CMS-2026-104552")
    assert (second.resolved_on, second.resolution_days) == (date(2026, 10, 20), 8)
    latest = first.history.latest("history_id")
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        alice,
        "Updated by import",
    )
    assert first.raised_by == alice  # who raised it does not change
    # Bulk writes send no signals: the import itself retires every cached figure.
    assert figures_generation() != generation


def test_one_changed_row_and_one_unchanged(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    changed = CASE_10.replace(",email,", ",phone,")
    job = post_file(client, django_capture_on_commit_callbacks, changed)
    assert (job["created_count"], job["updated_count"]) == (0, 1)
    assert ImportJob.objects.get(pk=job["id"]).unchanged_count == 1
    assert Referral.objects.get(reference="CMS-2026-104552").channel == "phone"


def test_case_10_a_reimport_with_one_bad_row_changes_no_stored_referral(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    """A variant of case 10: the second file changes one referral and has a bad row. The
    import is all or nothing, so the changed referral keeps its stored values and gains no
    version, and the figures do not move (that nothing is even written is
    test_referral_import's test of the two passes)."""
    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    before, history = figures(), Referral.history.count()
    channels = dict(Referral.objects.values_list("reference", "channel"))
    changed = CASE_10.replace(",email,", ",phone,") + (
        "housing,housing,Rent arrears,2026-10-05,,,10,email,CMS-2026-104553\n"
    )

    job = post_file(client, django_capture_on_commit_callbacks, changed)

    assert job["status"] == "failed"
    assert [(e["row"], e["column"]) for e in job["errors"]] == [(4, "to_department")]
    assert dict(Referral.objects.values_list("reference", "channel")) == channels
    assert Referral.history.count() == history
    assert figures() == before


def test_an_empty_or_absent_resolved_date_keeps_the_one_recorded(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    # The receiving side may have resolved CMS-2026-104552 in the product meanwhile; the
    # old export, still empty there, does not undo that.
    Referral.objects.filter(reference="CMS-2026-104552").update(resolved_on=date(2026, 10, 20))
    job = post_file(client, django_capture_on_commit_callbacks, CASE_10)
    assert ImportJob.objects.get(pk=job["id"]).unchanged_count == 2
    header, *lines = CASE_10.splitlines()
    without = "\n".join(
        ",".join(cells[:5] + cells[6:]) for cells in (line.split(",") for line in [header, *lines])
    )
    job = post_file(client, django_capture_on_commit_callbacks, without)
    assert ImportJob.objects.get(pk=job["id"]).unchanged_count == 2
    resolved = Referral.objects.filter(resolved_on__isnull=False).count()
    assert resolved == 2


def test_the_same_reference_twice_in_one_file_names_the_earlier_row(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    twice = CASE_10.replace("CMS-2026-104552", "CMS-2026-104551")
    job = post_file(client, django_capture_on_commit_callbacks, twice)
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 3,
            "column": "reference",
            "message": "The reference 'CMS-2026-104551' is also on row 2: a referral can "
            "appear only once in a file",
        }
    ]
    assert not Referral.objects.exists()


def test_a_reference_of_another_departments_referral_cannot_be_taken_over(
    client, alice, housing, finance, revenues, service, django_capture_on_commit_callbacks
):
    theirs = ReferralFactory(
        from_department=finance,
        to_department=revenues,
        raised_on=date(2026, 10, 1),
        reference="CMS-2026-104551",
    )
    client.force_login(alice)
    job = post_file(client, django_capture_on_commit_callbacks, CASE_10)
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 2,
            "column": "reference",
            "message": "The reference 'CMS-2026-104551' is a referral between departments "
            "that are not yours: you cannot change it",
        }
    ]
    theirs.refresh_from_db()
    assert (theirs.from_department, Referral.objects.count()) == (finance, 1)


# --- the handler at bulk speed ---------------------------------------------------------------


def demo_rows(count: int, *, channel: str = "email") -> list[dict[str, str]]:
    return [
        {
            "from_department": "housing",
            "to_department": "revenues-benefits",
            "category": "Housing benefit change of circumstances",
            "raised_on": f"2026-10-{1 + n % 28:02d}T23:30:00Z",
            "acknowledged_on": "",
            "resolved_on": "",
            "agreed_days": "10",
            "channel": channel,
            "reference": f"CMS-{n:06d}",
        }
        for n in range(count)
    ]


def import_rows(actor, rows):
    return run_import(iter_json_rows(rows), ReferralRowHandler(actor), max_rows=10_000)


def queries_of(actor, rows) -> tuple[int, int, object]:
    """(reads of stored referrals, all queries, summary) of one import."""
    with CaptureQueriesContext(connection) as captured:
        summary = import_rows(actor, rows)
    reads = [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT") and 'FROM "departments_referral"' in q["sql"]
    ]
    return len(reads), len(captured), summary


@pytest.mark.parametrize("count", [20, 400])
def test_the_stored_references_of_a_chunk_are_read_in_one_query(alice, housing, revenues, count):
    # Inserts and updates go in batches too (SQLite takes at most 999 values a statement,
    # so 400 rows need a few statements): far fewer queries than rows, whatever happens.
    reads, total, summary = queries_of(alice, demo_rows(count))
    assert (summary.created, summary.unchanged, reads) == (count, 0, 1)
    assert total < 40
    reads, total, summary = queries_of(alice, demo_rows(count))
    assert (summary.created, summary.unchanged, reads) == (0, count, 1)
    assert total < 10  # nothing to write
    reads, total, summary = queries_of(alice, demo_rows(count, channel="phone"))
    assert (summary.updated, reads) == (count, 1)
    assert total < 60
    assert Referral.objects.filter(channel="phone").count() == count


def test_chunks_and_batches_smaller_than_the_file(monkeypatch, alice, housing, revenues):
    """Across look-ahead chunks and write batches: a repeat in a later chunk is still
    found, updates in an earlier batch are written, the counts add up."""
    monkeypatch.setattr(importer, "LOOK_AHEAD_ROWS", 7)
    monkeypatch.setattr(referral_imports, "BATCH_SIZE", 5)
    import_rows(alice, demo_rows(30))
    rows = demo_rows(40)
    for row in rows[10:20]:
        row["agreed_days"] = "12"
    summary = import_rows(alice, rows)
    assert (summary.created, summary.updated, summary.unchanged) == (10, 10, 20)
    assert Referral.objects.filter(agreed_days=12).count() == 10
    assert Referral.objects.count() == 40

    repeated = [*demo_rows(3), demo_rows(20)[15], *demo_rows(12)[3:], demo_rows(20)[1]]
    with pytest.raises(ImportRejected) as rejected:
        import_rows(alice, repeated)
    assert [(e.row, e.column) for e in rejected.value.errors] == [(14, "reference")]
    assert "is also on row 2" in rejected.value.errors[0].message


def test_a_percentage_formatted_agreed_days_cell_is_a_row_error(alice, housing, revenues):
    row = {**demo_rows(1)[0], "agreed_days": CellText.of("10", percent_format=True)}
    with pytest.raises(ImportRejected) as rejected:
        run_import([(2, row)], ReferralRowHandler(alice), max_rows=10)
    assert [e.as_dict() for e in rejected.value.errors] == [
        {
            "row": 2,
            "column": "agreed_days",
            "message": "Agreed days is formatted as a percentage (10%) in the spreadsheet, but "
            "this figure is not a percentage: format the cell as a number",
        }
    ]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("46113", date(2026, 4, 1)),  # an Excel date serial
        ("01/04/2026", date(2026, 4, 1)),  # typed day first
        ("2026-04-01 00:30:00", date(2026, 4, 1)),  # London time
        ("2026-03-31 23:30:00", date(2026, 3, 31)),
        ("2026-03-31T23:30:00Z", date(2026, 4, 1)),
    ],
)
def test_every_way_of_writing_a_date_gives_the_same_date(alice, housing, revenues, cell, expected):
    import_rows(alice, [{**demo_rows(1)[0], "raised_on": cell}])
    assert Referral.objects.get().raised_on == expected


# --- the constraint --------------------------------------------------------------------------


def test_a_reference_is_unique_when_given(housing, finance):
    ReferralFactory(from_department=housing, to_department=finance, reference="CMS-1")
    ReferralFactory(from_department=housing, to_department=finance, reference="")
    ReferralFactory(from_department=finance, to_department=housing, reference="")
    refused(
        lambda: ReferralFactory(from_department=finance, to_department=housing, reference="CMS-1"),
        "referral_reference_unique",
    )
    ReferralFactory(from_department=finance, to_department=housing, reference="cms-1")
    assert Referral.objects.count() == 4


def test_the_admin_form_is_told_a_reference_is_taken(housing, finance):
    ReferralFactory(from_department=housing, to_department=finance, reference="CMS-1")
    other = ReferralFactory.build(from_department=finance, to_department=housing, reference="CMS-1")
    with pytest.raises(ValidationError) as error:
        other.validate_constraints()
    assert error.value.messages == ["Another referral already has this reference."]


def test_the_migration_removes_repeated_imports_and_keeps_differing_referrals(
    migrations_database,
):
    """Databases hold the duplicates of the bug: the migration that adds the constraint
    removes exact copies and marks a differing referral's reference, then applies."""
    before = [("departments", "0008_text_limits_and_whole_audit_reasons")]
    after = [("departments", "0010_referral_reference_unique_constraint")]
    apps = migrations_database.start_at(before)
    council = apps.get_model("departments", "Council").objects.create(name="Test council")
    department = apps.get_model("departments", "Department")
    housing = department.objects.create(council=council, name="Housing", code="housing")
    finance = department.objects.create(council=council, name="Finance", code="finance")
    referral = apps.get_model("departments", "Referral")
    fields = {
        "from_department": housing,
        "to_department": finance,
        "category": "Rent arrears",
        "raised_on": date(2026, 10, 5),
        "agreed_days": 5,
        "channel": "email",
        "period": "2026-27-P07",
        "due_on": date(2026, 10, 10),
    }
    first = referral.objects.create(reference="CMS-1", **fields)
    referral.objects.create(reference="CMS-1", **fields)  # the second import of the file
    changed = referral.objects.create(reference="CMS-1", **{**fields, "agreed_days": 9})
    alone = referral.objects.create(reference="CMS-2", **fields)
    referral.objects.create(reference="", **fields)
    referral.objects.create(reference="", **fields)

    migrations_database.migrate(after)
    stored = dict(referral.objects.order_by("pk").values_list("pk", "reference"))

    assert {pk: ref for pk, ref in stored.items() if ref} == {
        first.pk: "CMS-1",
        changed.pk: "CMS-1 (3)",
        alone.pk: "CMS-2",
    }
    assert len(stored) == 5


def test_a_senders_file_cannot_move_a_date_the_receiving_department_recorded(
    client, alice, housing, revenues, service, django_capture_on_commit_callbacks
):
    """Acknowledging and resolving are the receiver's steps (DESIGN.md section 4): the
    sender's re-import may fill a date still empty, never change one recorded."""
    from departments.referrals.services import resolve_referral
    from departments.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    client.force_login(alice)
    post_file(client, django_capture_on_commit_callbacks, CASE_10)
    rita = UserFactory(username="rita")
    MembershipFactory(user=rita, role=Role.OFFICER, department=revenues)
    pending = Referral.objects.get(reference="CMS-2026-104552")
    resolve_referral(actor=rita, referral=pending, on=date(2026, 10, 30), today=TODAY)
    earlier = CASE_10.replace("2026-10-12,2026-10-12,,10,", "2026-10-12,2026-10-12,2026-10-14,10,")

    job = post_file(client, django_capture_on_commit_callbacks, earlier)

    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 3,
            "column": "resolved_on",
            "message": "Only the receiving department can change a date it recorded: "
            "2026-10-30 is kept",
        }
    ]
    pending.refresh_from_db()
    assert pending.resolved_on == date(2026, 10, 30)
