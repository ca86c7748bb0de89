"""The monthly summaries of referrals agree with the referrals, through every write path.

Random referrals (a fixed seed per case) are raised, acknowledged and resolved through the
services, the API and the importer (creating and then changing referrals, across months),
and then:

- the summaries kept by those writes are, row for row, what a rebuild from the referrals
  writes (``manage.py rebuild_referral_summaries``);
- every coordination count and median that the pages read from the summaries equals the
  same figure worked out here in plain Python from the referrals, by DESIGN.md section 3's
  definitions, on several days (late moves with "today").

Runs on SQLite here and on PostgreSQL in CI.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Referral, ReferralDaysMonth, ReferralOpenMonth, ReferralPairMonth
from departments.periods import Period, periods_between
from departments.referrals.services import acknowledge_referral, raise_referral, resolve_referral
from departments.referrals.summaries import (
    SummariesOutOfStep,
    rebuild_referral_summaries,
    record_referral_changes,
    tally,
)
from reporting.metrics.coordination import (
    coordination_by_department,
    council_coordination,
    department_matrix,
)
from tests.factories import DepartmentFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MONTHS = periods_between(Period.parse("2026-27-P01"), Period.parse("2026-27-P07"))


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def departments(council, housing, finance):
    return [
        housing,
        finance,
        DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care"),
        DepartmentFactory(council=council, name="Planning", code="planning"),
    ]


@pytest.fixture
def service(partnership):
    return ServiceFactory(partnership=partnership, code="case-management")


def _summary_rows() -> dict[str, list[tuple]]:
    return {
        "pairs": sorted(
            ReferralPairMonth.objects.values_list(
                "period",
                "from_department",
                "to_department",
                "referrals",
                "through_service",
                "resolved_on_time",
                "resolved_late",
            )
        ),
        "open": sorted(
            ReferralOpenMonth.objects.values_list(
                "period", "from_department", "to_department", "due_on", "referrals"
            )
        ),
        "days": sorted(
            ReferralDaysMonth.objects.values_list("period", "to_department", "days", "referrals")
        ),
    }


def _random_day(rng: random.Random) -> date:
    month = rng.choice(MONTHS)
    return month.start + timedelta(days=rng.randrange((month.end - month.start).days + 1))


def _write_through_every_path(rng, departments, ada, client, capture) -> None:
    """Raise, acknowledge and resolve through the services and the API; import new
    referrals and then change some of them (dates across months, agreed days, channel)."""
    channels = ["case-management", "email", "phone", "paper"]
    raised = []
    for _ in range(40):
        source, target = rng.sample(departments, 2)
        raised.append(
            raise_referral(
                actor=ada,
                from_department=source,
                to_department=target,
                category="Housing needs assessment",
                raised_on=_random_day(rng),
                agreed_days=rng.randint(1, 30),
                channel=rng.choice(channels),
            )
        )
    for referral in rng.sample(raised, 25):
        if rng.random() < 0.3:
            acknowledge_referral(actor=ada, referral=referral, on=referral.raised_on)
        days = rng.randint(0, 40)
        resolve_referral(
            actor=ada,
            referral=referral,
            on=min(referral.raised_on + timedelta(days=days), NOW.date()),
        )
    client.force_login(ada)
    for _ in range(10):
        source, target = rng.sample(departments, 2)
        response = client.post(
            "/api/v1/referrals/",
            {
                "from_department": source.pk,
                "to_department": target.pk,
                "category": "Council tax query",
                "raised_on": _random_day(rng).isoformat(),
                "agreed_days": rng.randint(1, 20),
                "channel": rng.choice(channels),
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        if rng.random() < 0.5:
            resolved = client.post(f"/api/v1/referrals/{response.json()['id']}/resolve/", {})
            assert resolved.status_code == 200, resolved.json()

    def import_file(rows: list[dict]) -> None:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        with capture(execute=True):
            response = client.post(
                "/api/v1/referrals/import/",
                {"file": SimpleUploadedFile("referrals.csv", out.getvalue().encode())},
            )
        assert response.status_code == 202, response.json()
        job = client.get(response.json()["url"]).json()
        assert job["status"] == "succeeded", job["errors"]

    def row(reference: str) -> dict:
        source, target = rng.sample(departments, 2)
        raised_on = _random_day(rng)
        resolved_on = raised_on + timedelta(days=rng.randint(0, 40))
        return {
            "from_department": source.code,
            "to_department": target.code,
            "category": "Hospital discharge housing check",
            "raised_on": raised_on.isoformat(),
            "acknowledged_on": "",
            "resolved_on": resolved_on.isoformat()
            if rng.random() < 0.6 and resolved_on <= NOW.date()
            else "",
            "agreed_days": str(rng.randint(1, 30)),
            "channel": rng.choice(channels),
            "reference": reference,
        }

    first = [row(f"CMS-{n}") for n in range(60)]
    import_file(first)
    # The same references again, a third of them changed: moved to another month, given
    # other agreed days or channel, or resolved.
    again = []
    for old in first:
        new = row(old["reference"]) if rng.random() < 0.35 else dict(old)
        new["from_department"], new["to_department"] = old["from_department"], old["to_department"]
        if old["resolved_on"] and not new["resolved_on"]:
            new["resolved_on"] = old["resolved_on"]  # a recorded date stays recorded
            if new["resolved_on"] < new["raised_on"]:
                new["raised_on"] = old["raised_on"]
        again.append(new)
    import_file(again)


def _expected(departments, today: date):
    """Every count, by the definitions, from the referrals themselves."""
    referrals = list(Referral.objects.all())
    by_department, council, matrix = {}, {}, defaultdict(lambda: [0, 0, 0])
    for month in MONTHS:
        of_month = [r for r in referrals if r.period == month.key]

        def on_time(r):
            return r.resolved_on is not None and r.resolved_on <= r.raised_on + timedelta(
                days=r.agreed_days
            )

        def late(r):
            due = r.raised_on + timedelta(days=r.agreed_days)
            return r.resolved_on > due if r.resolved_on else due < today

        def median(rs):
            days = [(r.resolved_on - r.raised_on).days for r in rs if r.resolved_on]
            return Decimal(str(statistics.median(days))) if days else None

        for d in departments:
            received = [r for r in of_month if r.to_department_id == d.pk]
            sent = [r for r in of_month if r.from_department_id == d.pk]
            by_department[(d.pk, month.key)] = (
                len(received),
                len(sent),
                sum(map(on_time, received)),
                sum(map(late, received)),
                sum(r.channel == "service" for r in received + sent),
                len({r.from_department_id for r in received} | {r.to_department_id for r in sent}),
                median(received),
            )
        council[month.key] = (
            len(of_month),
            sum(map(on_time, of_month)),
            sum(map(late, of_month)),
            sum(r.channel == "service" for r in of_month),
            median(of_month),
        )
        for r in of_month:
            cell = matrix[(month.key, r.from_department_id, r.to_department_id)]
            cell[0] += 1
            cell[1] += on_time(r)
            cell[2] += late(r)
    return by_department, council, {k: tuple(v) for k, v in matrix.items()}


def _shown(today: date):
    by_department = coordination_by_department(periods=MONTHS, today=today)
    council = council_coordination(periods=MONTHS, today=today, by_department=by_department)
    return (
        {
            key: (
                c.received,
                c.sent,
                c.on_time,
                c.late,
                c.digital,
                c.counterparts,
                c.median_days,
            )
            for key, c in by_department.items()
        },
        {c.period.key: (c.received, c.on_time, c.late, c.digital, c.median_days) for c in council},
        {
            (month.key, a, b): (cell.volume, cell.on_time, cell.late)
            for month in MONTHS
            for (a, b), cell in department_matrix(period=month, today=today).items()
        },
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_summaries_equal_the_referrals_after_every_kind_of_write(
    seed, departments, service, ada, client, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    _write_through_every_path(rng, departments, ada, client, django_capture_on_commit_callbacks)
    assert Referral.objects.count() == 110

    kept = _summary_rows()
    call_command("rebuild_referral_summaries", stdout=io.StringIO())
    assert _summary_rows() == kept
    assert kept["pairs"] and kept["open"] and kept["days"]

    for today in (date(2026, 5, 10), date(2026, 8, 1), NOW.date(), date(2027, 3, 1)):
        assert _shown(today) == _expected(departments, today), today


def test_counting_out_what_was_never_counted_in_is_refused(departments):
    """Summaries that no longer match their referrals stop the write instead of showing
    wrong figures, and say what to run."""
    referral = Referral(
        from_department=departments[0],
        to_department=departments[1],
        category="Housing needs assessment",
        raised_on=date(2026, 9, 3),
        agreed_days=5,
        channel="email",
    )
    referral.set_derived_fields()
    with pytest.raises(SummariesOutOfStep, match="rebuild_referral_summaries"):
        record_referral_changes(removed=[tally(referral)])
    assert not ReferralPairMonth.objects.exists()


def test_summaries_out_of_step_refuse_a_resolution_with_a_message_not_a_server_error(
    departments, ada, client
):
    """Referrals changed outside the product leave the summaries behind: resolving one
    then is refused on the page and through the API with words saying what to do, and the
    referral stays as it was."""
    referral = raise_referral(
        actor=ada,
        from_department=departments[0],
        to_department=departments[1],
        category="Housing needs assessment",
        raised_on=date(2026, 9, 3),
        agreed_days=5,
        channel="email",
    )
    ReferralOpenMonth.objects.all().delete()  # as if changed outside the product
    client.force_login(ada)

    page = client.post(f"/referrals/{referral.pk}/resolve/", follow=True)
    assert page.status_code == 200
    assert "Ask an administrator to recount them" in page.content.decode()
    api = client.post(f"/api/v1/referrals/{referral.pk}/resolve/", {})
    assert api.status_code == 400
    assert "manage.py rebuild_referral_summaries" in str(api.json())
    referral.refresh_from_db()
    assert referral.resolved_on is None
    assert ReferralPairMonth.objects.get().resolved_on_time == 0


def test_summaries_out_of_step_fail_an_import_with_a_message_and_store_nothing(
    departments, ada, client, django_capture_on_commit_callbacks
):
    header = (
        "from_department,to_department,category,raised_on,resolved_on,agreed_days,channel,reference"
    )
    row = f"{departments[0].code},{departments[1].code},Rent arrears,2026-09-03,{{}},5,email,CMS-1"
    client.force_login(ada)

    def post(text):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/referrals/import/",
                {"file": SimpleUploadedFile("referrals.csv", f"{header}\n{text}\n".encode())},
            )
        return client.get(response.json()["url"]).json()

    assert post(row.format(""))["status"] == "succeeded"
    ReferralOpenMonth.objects.all().delete()  # as if changed outside the product
    job = post(row.format("2026-09-06"))
    assert job["status"] == "failed"
    assert job["message"].startswith("Nothing was saved: the council's monthly counts")
    assert Referral.objects.get(reference="CMS-1").resolved_on is None


def test_an_acknowledgement_moves_no_count_and_a_resolution_moves_one(departments, ada):
    referral = raise_referral(
        actor=ada,
        from_department=departments[0],
        to_department=departments[1],
        category="Housing needs assessment",
        raised_on=date(2026, 9, 3),
        agreed_days=5,
        channel="email",
    )
    before = _summary_rows()
    assert before["open"] == [
        ("2026-27-P06", departments[0].pk, departments[1].pk, date(2026, 9, 8), 1)
    ]
    acknowledge_referral(actor=ada, referral=referral, on=date(2026, 9, 4))
    assert _summary_rows() == before
    resolve_referral(actor=ada, referral=referral, on=date(2026, 9, 10))
    after = _summary_rows()
    assert after["open"] == []  # the empty row is gone, as a rebuild would have none
    assert after["pairs"] == [("2026-27-P06", departments[0].pk, departments[1].pk, 1, 0, 0, 1)]
    assert after["days"] == [("2026-27-P06", departments[1].pk, 7, 1)]


def test_a_rebuild_retires_cached_figures_after_writing_inside_its_transaction(
    departments, ada, monkeypatch
):
    """A figure read from the old counts while a rebuild runs must not outlive it: the
    generation changes once the new counts are written, inside the rebuild's transaction
    (and again at its commit), never before."""
    raise_referral(
        actor=ada,
        from_department=departments[0],
        to_department=departments[1],
        category="Housing needs assessment",
        raised_on=date(2026, 9, 3),
        agreed_days=5,
        channel="email",
    )
    seen = []
    monkeypatch.setattr(
        "departments.referrals.summaries.figures_changed",
        lambda: seen.append((ReferralPairMonth.objects.count(), connection.in_atomic_block)),
    )
    ReferralPairMonth.objects.all().delete()
    call_command("rebuild_referral_summaries", stdout=io.StringIO())
    assert seen == [(1, True)]


def test_the_rebuild_is_written_by_the_database_whatever_the_number_of_referrals(
    departments, service, ada, client, django_capture_on_commit_callbacks
):
    """Three INSERT … SELECT, one a table: no summary row passes through Python, so a
    million referrals cost the rebuild no memory; it answers the rows written."""
    _write_through_every_path(
        random.Random(4), departments, ada, client, django_capture_on_commit_callbacks
    )
    kept = _summary_rows()
    with CaptureQueriesContext(connection) as captured:
        written = rebuild_referral_summaries()
    inserts = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3 and all("SELECT" in sql for sql in inserts)
    assert _summary_rows() == kept
    assert written == {name: len(rows) for name, rows in kept.items()}
