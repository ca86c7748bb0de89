"""Writing many saves of returns' figures at once, as an import does.

Each save is checked by ``services.prepare_return`` (the checks of every single save)
against its stored return, read and locked with the rest of its batch in one query
(``locked_returns``); the checked saves are then written together, with a history row
each, by ``save_prepared_returns``. ``services`` offers all three names.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Literal

from django.db import transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from simple_history.utils import bulk_create_with_history

from departments.figures_generation import figures_changed
from departments.models import KpiReturn, PerformanceIndicator
from departments.rating import COUNTED_STATES
from departments.returns.changes import ENTERED_FIELDS
from departments.returns.ratings import recount_ratings_of_returns


@dataclass(frozen=True)
class PreparedReturn:
    """A save of one return's figures, checked by ``prepare_return``, not yet written.

    ``kpi_return`` is the row to store: "created", a new return at version 1; "updated",
    the stored return (locked) with the new figures, texts and state and its version
    raised by one. Both carry the history user and ``reason`` ("Created", "Edited",
    "Edited and submitted") for the history row. "unchanged": the stored return as it
    is, nothing to write.
    """

    kpi_return: KpiReturn
    outcome: Literal["created", "updated", "unchanged"]
    reason: str = ""

    @property
    def changed(self) -> bool:
        return self.outcome != "unchanged"


def locked_returns(
    wanted: Iterable[tuple[PerformanceIndicator, str]],
) -> dict[tuple[int, str], KpiReturn]:
    """The stored returns of many (indicator, period key) pairs, read in one query and
    locked (``select_for_update``) until the caller's transaction ends, as ``save_return``
    locks the one it changes; keyed by (indicator id, period key), a pair with none left
    out, each with its indicator attached. Only the returns asked for are locked, and in
    primary key order, so two writers locking the same returns wait rather than deadlock.
    """
    indicators: dict[int, PerformanceIndicator] = {}
    by_period: dict[str, set[int]] = defaultdict(set)
    by_indicator: dict[int, set[str]] = defaultdict(set)
    for indicator, period_key in wanted:
        indicators[indicator.pk] = indicator
        by_period[period_key].add(indicator.pk)
        by_indicator[indicator.pk].add(period_key)
    if not indicators:
        return {}
    # One condition per period, or per indicator when there are fewer of those.
    if len(by_period) <= len(by_indicator):
        conditions = [Q(period=key, indicator_id__in=ids) for key, ids in by_period.items()]
    else:
        conditions = [Q(indicator_id=pk, period__in=keys) for pk, keys in by_indicator.items()]
    # Not the default ordering: it joins the indicators, which would be locked too.
    query = KpiReturn.objects.filter(reduce(operator.or_, conditions)).order_by("pk")
    found = {}
    for kpi_return in query.select_for_update():
        kpi_return.indicator = indicators[kpi_return.indicator_id]
        found[(kpi_return.indicator_id, kpi_return.period)] = kpi_return
    return found


# What a save of a return's figures can change in a stored return (``prepare_return``).
SAVED_FIELDS = (
    *ENTERED_FIELDS,
    "state",
    "submitted_by",
    "submitted_at",
    "version",
    "updated_at",
)
BULK_BATCH_SIZE = 1000  # rows per INSERT or UPDATE statement (SQLite takes fewer)


def save_prepared_returns(prepared: Sequence[PreparedReturn]) -> None:
    """Write many checked saves at once, as ``save_return`` writes one: new returns and
    changed ones with one statement each per ``BULK_BATCH_SIZE``, each return with its
    history row (who and why as ``prepare_return`` set them, at the version it raised),
    and the cached figures retired once for them all. "Unchanged" ones are passed over.

    Call it in the transaction that prepared them and locked their stored returns
    (``locked_returns``), with each return at most once; outside a transaction it
    raises TransactionManagementError. A database error (another writer created the
    same return meanwhile) propagates, and the caller's transaction undoes the batch.
    """
    creations = [change.kpi_return for change in prepared if change.outcome == "created"]
    updates = [change.kpi_return for change in prepared if change.outcome == "updated"]
    if not creations and not updates:
        return
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "Prepared returns are written in the transaction that locked them."
        )
    for kpi_return in creations:
        kpi_return.set_period_dates()  # what save() does; bulk inserts do not call it
    if creations:
        bulk_create_with_history(creations, KpiReturn, batch_size=BULK_BATCH_SIZE)
    if updates:
        _update_in_bulk(updates)
        KpiReturn.history.bulk_history_create(updates, batch_size=BULK_BATCH_SIZE, update=True)
    # The ratings of the indicator-years whose counted returns changed, in one recount (a
    # few queries per 500 indicators). ``prepare_return`` refuses to change a counted
    # return, so a return written here was not counted before: only those counted now
    # change a rating, and a file of drafts (every import today) recounts nothing.
    recount_ratings_of_returns(r for r in creations + updates if r.state in COUNTED_STATES)
    # Bulk writes send no signals, so the receivers that retire cached figures after
    # each single save never hear of these: retire them here, once for the batch.
    figures_changed()


def _update_in_bulk(updates: list[KpiReturn]) -> None:
    """Write the SAVED_FIELDS of stored, locked returns, one statement per batch.

    Not ``bulk_update`` (nor simple-history's ``bulk_update_with_history``, which calls
    it): its CASE of one WHEN per row for each field costs Python about a millisecond a
    row to build, so 10,000 changed returns took 27 s on PostgreSQL, no faster than one
    save each. An INSERT of the same rows, ON CONFLICT (indicator, period) DO UPDATE,
    writes the same columns at the speed of an insert; every row exists and is locked,
    so each one conflicts and is updated, never inserted. History rows are written by
    the caller, as ``bulk_update_with_history`` writes them.
    """
    created = [kpi_return.created_at for kpi_return in updates]
    KpiReturn.objects.bulk_create(
        updates,
        batch_size=BULK_BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["indicator", "period"],
        update_fields=list(SAVED_FIELDS),
    )
    # An insert stamps "created at" on the objects (not on the rows, which keep theirs);
    # the history rows are made from the objects.
    for kpi_return, created_at in zip(updates, created, strict=True):
        kpi_return.created_at = created_at
