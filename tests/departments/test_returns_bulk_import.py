"""The returns import writes in bulk through the single save's checks and audit.

Each row is checked by ``services.prepare_return`` (the checks ``save_return`` makes for
the form and the API) against its stored return, locked with the rest of its chunk of
rows in one query, and written a batch at a time by ``services.save_prepared_returns``.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026 (2026-27-P07)
has ended. Housing's 50 monthly percentage indicators HOU-00 to HOU-49 have one decimal
place; alice is an officer of Housing.
"""

import io
import math
from collections import Counter
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.cells import ImportRejected, RowError
from core.importer import LOOK_AHEAD_ROWS, ImportSummary, iter_rows, run_import
from departments import periods
from departments.figures_generation import figures_generation
from departments.models import KpiReturn, ReturnState, Target
from departments.returns import bulk, services
from departments.returns.bulk import BULK_BATCH_SIZE
from departments.returns.imports import BATCH_SIZE, ReturnRowHandler
from departments.returns.services import StaleVersion, save_return
from tests.factories import IndicatorFactory, KpiReturnFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
EARLIER = datetime(2026, 11, 2, 9, tzinfo=LONDON)
HEADER = "indicator_code,period,value,commentary,improvement_action\n"
History = KpiReturn.history.model
P06 = "2026-27-P06"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def indicators(housing):
    return [IndicatorFactory(department=housing, code=f"HOU-{n:02d}") for n in range(50)]


def months(count: int) -> list[str]:
    """The keys of the ``count`` months up to October 2026, oldest first."""
    month, keys = periods.Period.parse("2026-27-P07"), []
    for _ in range(count):
        keys.append(month.key)
        month = month.previous()
    return keys[::-1]


def pairs(indicators, count: int) -> list[tuple]:
    """``count`` (indicator, month key) pairs, a month's indicators before the next month's:
    in a file of them, pair ``n`` is on row ``n + 2`` (the header is row 1)."""
    needed = months(math.ceil(count / len(indicators)))
    return [(indicator, month) for month in needed for indicator in indicators][:count]


def returns_file(rows) -> str:
    """A returns file of (indicator, month key, value, commentary) rows."""
    return HEADER + "".join(
        f"{indicator.code},{month},{value},{commentary},\n"
        for indicator, month, value, commentary in rows
    )


def run(actor, text: str) -> ImportSummary:
    return run_import(
        iter_rows(io.BytesIO(text.encode()), "csv"), ReturnRowHandler(actor), max_rows=200_000
    )


def history_of(kpi_return) -> list[tuple]:
    """(type, user, change reason, version, value) of each history row, oldest first."""
    return list(
        kpi_return.history.order_by("history_date", "history_id").values_list(
            "history_type", "history_user__username", "history_change_reason", "version", "value"
        )
    )


@pytest.fixture
def batches_written(monkeypatch):
    """The number of changed returns in each batch the import writes, in order."""
    written = []
    real = services.save_prepared_returns

    def counted(prepared):
        written.append(sum(change.changed for change in prepared))
        real(prepared)

    monkeypatch.setattr(services, "save_prepared_returns", counted)
    return written


# --- the audit trail -----------------------------------------------------------------------


def test_a_bulk_import_writes_one_history_row_per_return_as_the_single_save_does(
    alice, harriet, indicators, batches_written, monkeypatch
):
    edited_indicator, same_indicator, by_hand_indicator = indicators[:3]
    with time_machine.travel(EARLIER, tick=False):
        edited = save_return(
            indicator=edited_indicator, period_key=P06, actor=harriet, value="80.0", commentary="x"
        )
        same = save_return(indicator=same_indicator, period_key=P06, actor=alice, value="85.0")
    # What one save through the form or the API records, to compare the import with.
    by_hand = save_return(indicator=by_hand_indicator, period_key=P06, actor=alice, value="91.5")
    new = [pair for pair in pairs(indicators, 1_550) if pair[1] != P06][:1_500]
    generations = []
    monkeypatch.setattr(bulk, "figures_changed", lambda: generations.append(1))
    before = figures_generation()

    summary = run(
        alice,
        returns_file(
            [
                (edited_indicator, P06, "82.5", "Two long absences"),
                (same_indicator, P06, "85.0", ""),
                *((indicator, month, "91.5", "") for indicator, month in new),
            ]
        ),
    )

    assert (summary.created, summary.updated, summary.unchanged) == (1_500, 1, 1)
    assert batches_written == [1_000, 501]
    # Cached figures are retired once per batch, by the bulk writer; bulk writes send no
    # signal, so the receivers that retire them after each single save never ran.
    assert len(generations) == 2
    assert figures_generation() == before
    created = KpiReturn.objects.exclude(period=P06)
    assert created.count() == 1_500
    assert set(
        History.objects.filter(id__in=created.values("id")).values_list(
            "history_type", "history_user", "history_change_reason", "version", "value"
        )
    ) == {("+", alice.pk, "Created", 1, Decimal("91.5"))}
    assert History.objects.filter(id__in=created.values("id")).count() == 1_500
    assert history_of(by_hand) == [("+", "alice", "Created", 1, Decimal("91.5"))]
    edited.refresh_from_db()
    assert history_of(edited) == [
        ("+", "harriet", "Created", 1, Decimal("80.0")),
        ("~", "alice", "Edited", 2, Decimal("82.5")),
    ]
    assert (edited.version, edited.commentary, edited.state, edited.created_by) == (
        2,
        "Two long absences",
        ReturnState.DRAFT,
        harriet,
    )
    assert (edited.created_at, edited.updated_at) == (EARLIER, NOW)
    assert (edited.history.latest().created_at, edited.history.latest().updated_at) == (
        EARLIER,
        NOW,
    )
    assert history_of(same) == [("+", "alice", "Created", 1, Decimal("85.0"))]
    assert KpiReturn.objects.get(pk=same.pk).version == 1
    first = created.order_by("period_start", "indicator__code").first()
    assert (first.period, first.period_start, first.financial_year, first.created_by) == (
        "2024-25-P01",
        periods.Period.parse("2024-25-P01").start,
        2024,
        alice,
    )


# --- queries -------------------------------------------------------------------------------


def statements(model, rows: int, *, stored: bool = False) -> int:
    """The statements the database needs to write ``rows`` rows of ``model`` in bulk:
    one per BULK_BATCH_SIZE rows on PostgreSQL; SQLite takes at most 999 values in one
    statement, so fewer rows each (45 new returns, 43 changed ones, 37 history rows).
    An INSERT names every column but the generated key, which a ``stored`` row has."""
    fields = [f for f in model._meta.concrete_fields if stored or not f.primary_key]
    per_statement = min(BULK_BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * rows))
    return math.ceil(rows / per_statement)


def writes(rows: int, *, stored: bool = False) -> int:
    """The INSERTs of ``rows`` returns (new, or ``stored`` ones changed) and of their
    history rows, written BATCH_SIZE at a time."""
    batches = [min(BATCH_SIZE, rows - done) for done in range(0, rows, BATCH_SIZE)]
    return sum(statements(KpiReturn, n, stored=stored) + statements(History, n) for n in batches)


@pytest.mark.parametrize("rows", [40, 800])
def test_the_queries_of_an_import_do_not_grow_with_its_rows(
    alice, indicators, rows, django_assert_max_num_queries
):
    """On PostgreSQL 7, 6 and 4 queries for 40 rows as for 800 (one saved return was 4)."""
    chosen = pairs(indicators, rows)

    # New returns: the user's scope, the indicators, the savepoint and its release, the
    # chunk's stored returns (locked), then the INSERTs of returns and history rows.
    with django_assert_max_num_queries(5 + writes(rows)) as created:
        run(alice, returns_file((i, month, "91.5", "") for i, month in chosen))
    # Every return changed: the scope is kept on the user; the changed rows are written
    # by an INSERT ... ON CONFLICT DO UPDATE (see services._update_in_bulk).
    with django_assert_max_num_queries(4 + writes(rows, stored=True)) as updated:
        run(alice, returns_file((i, month, "92.5", "") for i, month in chosen))
    # The same file again: nothing to write.
    with django_assert_max_num_queries(4) as unchanged:
        summary = run(alice, returns_file((i, month, "92.5", "") for i, month in chosen))

    assert summary.unchanged == rows
    kinds = [
        [query["sql"].split()[0] for query in captured.captured_queries]
        for captured in (created, updated, unchanged)
    ]
    assert [k.count("SELECT") for k in kinds] == [3, 2, 2]
    assert [k.count("INSERT") for k in kinds] == [writes(rows), writes(rows, stored=True), 0]
    assert [k.count("UPDATE") for k in kinds] == [0, 0, 0]
    locks = [
        query["sql"]
        for query in created.captured_queries
        if query["sql"].startswith('SELECT "departments_kpireturn"')
    ]
    assert len(locks) == 1
    assert ("FOR UPDATE" in locks[0]) == connection.features.has_select_for_update


def test_each_chunk_of_rows_reads_its_stored_returns_once(
    alice, indicators, django_assert_max_num_queries
):
    rows = 2_500  # three look-ahead chunks and three batches (1,000, 1,000, 500)
    chosen = pairs(indicators, rows)
    run(alice, returns_file((i, month, "91.5", "") for i, month in chosen))
    chunks = math.ceil(rows / LOOK_AHEAD_ROWS)

    with django_assert_max_num_queries(3 + chunks + writes(rows, stored=True)) as captured:
        summary = run(alice, returns_file((i, month, "92.5", "") for i, month in chosen))

    assert (summary.updated, chunks) == (2_500, 3)
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1 + chunks  # the indicators, then each chunk's stored returns
    assert KpiReturn.objects.filter(value=Decimal("92.5"), version=2).count() == 2_500


# --- all or nothing ------------------------------------------------------------------------


@pytest.mark.slow  # 10,000 returns: scheduled first (tests/conftest.py)
def test_a_locked_return_on_row_9000_of_10000_stores_nothing(alice, indicators, batches_written):
    chosen = pairs(indicators, 10_000)
    locked_indicator, locked_month = chosen[9_000 - 2]
    KpiReturnFactory(
        indicator=locked_indicator, period=locked_month, value=Decimal("88.0"), state="locked"
    )
    stored_history = History.objects.count()

    with pytest.raises(ImportRejected) as refused:
        run(alice, returns_file((i, month, "91.5", "") for i, month in chosen))

    assert refused.value.errors == [
        RowError(
            9_000,
            "period",
            "This return is locked because its period is signed off; ask SMT to reopen it",
        )
    ]
    assert refused.value.message == "Nothing was imported: 1 problem found."
    # Rows 2 to 8,999 were checked and 8,000 of them written before row 9,000 was
    # refused; none was written after it, and the transaction undid the eight batches.
    assert batches_written == [1_000] * 8
    assert list(KpiReturn.objects.values_list("period", "value", "version", "state")) == [
        (locked_month, Decimal("88.0"), 1, ReturnState.LOCKED)
    ]
    assert History.objects.count() == stored_history


# --- the services' bulk contract -----------------------------------------------------------

RED_MESSAGES = {
    "commentary": ["Explain why the result is red: a red return needs commentary"],
    "improvement_action": [
        "Say what will be done about it: a red return needs an improvement action"
    ],
}


def save_in_bulk(actor, changes: list[dict]) -> None:
    """Save many returns as a bulk caller does, in one transaction: a thousand at a time,
    their stored returns locked and their targets read in one query each, every change
    checked by ``prepare_return`` and the thousand written by ``save_prepared_returns``.
    ``changes``: ``prepare_return``'s arguments other than ``actor``, ``stored`` and
    ``target``."""
    with transaction.atomic():
        for start in range(0, len(changes), BATCH_SIZE):
            chunk = changes[start : start + BATCH_SIZE]
            stored = services.locked_returns((c["indicator"], c["period_key"]) for c in chunk)
            years = {periods.Period.parse(c["period_key"]).year for c in chunk}
            targets = {
                (target.indicator_id, target.financial_year): target
                for target in Target.objects.filter(
                    indicator__in={c["indicator"] for c in chunk}, financial_year__in=years
                )
            }
            prepared = []
            for change in chunk:
                indicator, key = change["indicator"], change["period_key"]
                year = periods.Period.parse(key).year
                prepared.append(
                    services.prepare_return(
                        actor=actor,
                        stored=stored.get((indicator.pk, key)),
                        target=targets.get((indicator.pk, year)),
                        **change,
                    )
                )
            services.save_prepared_returns(prepared)


@pytest.fixture
def targets(indicators):
    """A target of 90 with a tolerance of 5 for every indicator and year from 2009-10:
    85.0 is amber, 84.9 red."""
    return Target.objects.bulk_create(
        Target(
            indicator=indicator,
            financial_year=year,
            annual_value=Decimal("90"),
            tolerance=Decimal("5"),
        )
        for indicator in indicators
        for year in range(2009, 2027)
    )


def test_a_bulk_save_records_what_a_single_save_records(alice, indicators, targets):
    single = save_return(
        indicator=indicators[0],
        period_key=P06,
        actor=alice,
        value="70.0",
        commentary="Storm damage backlog",
        improvement_action="Extra crews until January",
        submit=True,
    )
    stored = KpiReturnFactory(indicator=indicators[1], period=P06, value=Decimal("80.0"))

    save_in_bulk(
        alice,
        [
            {
                "indicator": indicator,
                "period_key": P06,
                "value": "70.0",
                "commentary": "Storm damage backlog",
                "improvement_action": "Extra crews until January",
                "submit": True,
            }
            for indicator in indicators[1:3]
        ],
    )

    edited, created = (KpiReturn.objects.get(indicator=i, period=P06) for i in indicators[1:3])
    assert history_of(single) == [("+", "alice", "Created and submitted", 1, Decimal("70.0"))]
    assert history_of(created) == history_of(single)
    assert history_of(stored)[1:] == [("~", "alice", "Edited and submitted", 2, Decimal("70.0"))]
    for kpi_return in (single, edited, created):
        assert (kpi_return.state, kpi_return.submitted_by, kpi_return.submitted_at) == (
            ReturnState.SUBMITTED,
            alice,
            NOW,
        )


@pytest.mark.slow  # 10,000 returns: scheduled first (tests/conftest.py)
def test_a_stale_version_on_the_9000th_of_10000_saves_stores_nothing(
    alice, indicators, batches_written
):
    chosen = pairs(indicators, 10_000)
    rows = [
        KpiReturn(indicator=i, department=i.department, period=month, value=Decimal("80.0"))
        for i, month in chosen
    ]
    for kpi_return in rows:
        kpi_return.set_period_dates()
    rows[8_999].value, rows[8_999].version = Decimal("81.0"), 2  # someone saved it since
    KpiReturn.objects.bulk_create(rows)
    changes = [
        {"indicator": i, "period_key": month, "value": "85.0", "expected_version": 1}
        for i, month in chosen
    ]

    with pytest.raises(StaleVersion) as stale:
        save_in_bulk(alice, changes)

    assert (stale.value.current.period, stale.value.current_version) == (chosen[8_999][1], 2)
    assert batches_written == [1_000] * 8  # written, then undone with the transaction
    assert Counter(KpiReturn.objects.values_list("value", "version")) == {
        (Decimal("80.0"), 1): 9_999,
        (Decimal("81.0"), 2): 1,
    }
    assert not History.objects.exists()


@pytest.mark.slow  # 10,000 returns: scheduled first (tests/conftest.py)
def test_a_red_submission_without_commentary_on_the_9000th_of_10000_stores_nothing(
    alice, indicators, targets, batches_written
):
    changes = [
        {"indicator": i, "period_key": month, "value": "91.5", "submit": True}
        for i, month in pairs(indicators, 10_000)
    ]
    changes[8_999]["value"] = "84.9"

    with pytest.raises(ValidationError) as refused:
        save_in_bulk(alice, changes)

    assert refused.value.message_dict == RED_MESSAGES
    assert batches_written == [1_000] * 8
    assert not KpiReturn.objects.exists()
    assert not History.objects.exists()
