"""Keeping the monthly summaries of referrals (``departments.models.referral_summaries``)
equal to the referrals themselves.

Every write of referrals counts its change here, in the same transaction: the services
(raising, acknowledging, resolving) and the importer call ``record_referral_changes``
with what each referral counted for before and after. Counts are added with one
``INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n`` per table and batch, which
PostgreSQL and SQLite both run atomically, so two writers counting into the same month at
once both land. ``rebuild_referral_summaries`` recounts everything from the referrals
(the management command of the same name, the seeding of the demo council, and the
migration that created the tables).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple, Protocol

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q

from core.copying import analyze
from departments.figures_generation import figures_changed
from departments.models import Channel, Referral
from departments.models.referral_summaries import (
    ReferralDaysMonth,
    ReferralOpenMonth,
    ReferralPairMonth,
)
from departments.querysets import resolved_late, resolved_on_time

logger = logging.getLogger(__name__)

# Rows per INSERT: well under SQLite's limit of 32,766 bound values.
_BATCH = 500


class Tally(NamedTuple):
    """What one referral counts for in the monthly summaries. A named tuple, not a
    dataclass: an import makes one for every referral it writes, and this is cheaper."""

    period: str
    from_id: int
    to_id: int
    digital: bool  # through one of the partner's services
    due_on: date
    resolution_days: int | None  # None while the referral is open
    on_time: bool  # resolved on or before its due date (DESIGN.md section 3, "on time")


class Counted(Protocol):
    """What a tally is read from: a ``Referral`` with its derived fields set, or a
    ``services.CheckedReferral``, which names its fields alike."""

    period: str
    from_department_id: int
    to_department_id: int
    channel: str
    due_on: date
    resolved_on: date | None
    resolution_days: int | None


def tally(referral: Counted) -> Tally:
    """The tally of a referral as it stands in memory."""
    return Tally(
        period=referral.period,
        from_id=referral.from_department_id,
        to_id=referral.to_department_id,
        digital=referral.channel == Channel.SERVICE,
        due_on=referral.due_on,
        resolution_days=referral.resolution_days,
        # querysets.resolved_on_time, in Python.
        on_time=referral.resolved_on is not None and referral.resolved_on <= referral.due_on,
    )


def record_referral_changes(*, removed: Iterable[Tally] = (), added: Iterable[Tally] = ()) -> None:
    """Count referrals out of (``removed``: what changed referrals counted for before) and
    into (``added``: new referrals, and changed ones as they are now) the summaries.

    Call it inside the transaction that writes the referrals. A change that moves nothing
    (an acknowledgement) writes nothing. Rows left at zero are deleted, so the summaries
    always equal a rebuild row for row.
    """
    changes = SummaryChanges()
    changes.count(removed, -1)
    changes.count(added, 1)
    changes.record()


class SummaryChanges:
    """What writes of referrals change in the summaries, gathered from their tallies and
    written at once (``record``), as ``record_referral_changes`` does for one write.

    Kept by summary row (month, departments, due date or days), never by referral, so an
    import gathers every batch's changes in memory bounded by the summary rows it touches
    and writes them once, at its end, in its transaction: the same counts as a write per
    batch, for one statement per table instead of one per batch.
    """

    def __init__(self) -> None:
        self._start_again()

    def _start_again(self) -> None:
        self.pairs: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.opens: dict[tuple, int] = defaultdict(int)
        self.days: dict[tuple, int] = defaultdict(int)

    def count(self, tallies: Iterable[Tally], sign: int) -> None:
        """Count the tallies in (``sign`` 1) or out (-1)."""
        pairs, opens, days = self.pairs, self.opens, self.days
        for t in tallies:
            counts = pairs[(t.period, t.from_id, t.to_id)]
            counts[0] += sign
            counts[1] += sign * t.digital
            if t.resolution_days is None:
                opens[(t.period, t.from_id, t.to_id, t.due_on)] += sign
            else:
                counts[2 if t.on_time else 3] += sign
                days[(t.period, t.to_id, t.resolution_days)] += sign

    def record(self) -> None:
        """Write what was counted into the summaries, and start again from nothing.

        Raises SummariesOutOfStep, refusing the write, when a count would go below zero.
        """
        # In key order: every writer then locks the summary rows it shares with another in
        # the same order, and waits for it instead of deadlocking.
        pair_rows = sorted((*key, *counts) for key, counts in self.pairs.items() if any(counts))
        open_rows = sorted((*key, n) for key, n in self.opens.items() if n)
        day_rows = sorted((*key, n) for key, n in self.days.items() if n)
        self._start_again()
        if not (pair_rows or open_rows or day_rows):
            return
        # Raw counts send no signals: cached figures are retired here.
        figures_changed()
        with transaction.atomic():
            _add(ReferralPairMonth, _PAIR_KEYS, _PAIR_COUNTS, pair_rows)
            _add(ReferralOpenMonth, _OPEN_KEYS, ("referrals",), open_rows)
            _add(ReferralDaysMonth, _DAYS_KEYS, ("referrals",), day_rows)
            lowered = any(n < 0 for row in pair_rows for n in row[3:]) or any(
                row[-1] < 0 for row in open_rows + day_rows
            )
            if lowered:
                # Only a count that went down can reach zero, or below: counting in alone
                # (an import of new referrals) has nothing to delete and nothing to check.
                touched = {row[0] for row in pair_rows + open_rows + day_rows}
                _delete_empty_and_refuse_negative(touched)


def _delete_empty_and_refuse_negative(touched: set[str]) -> None:
    """Delete the summary rows of the ``touched`` months left at zero; raise
    SummariesOutOfStep when one went below."""
    for model in (ReferralPairMonth, ReferralOpenMonth, ReferralDaysMonth):
        model.objects.filter(period__in=touched, referrals=0).delete()
    negative = Q(referrals__lt=0) | Q(through_service__lt=0)
    negative |= Q(resolved_on_time__lt=0) | Q(resolved_late__lt=0)
    if ReferralPairMonth.objects.filter(negative, period__in=touched).exists() or any(
        model.objects.filter(period__in=touched, referrals__lt=0).exists()
        for model in (ReferralOpenMonth, ReferralDaysMonth)
    ):
        # Counting out more than was counted in: the summaries no longer match the
        # referrals (changed outside the product). Refuse the write rather than show wrong
        # figures, and say so to the person and to the administrators' log.
        logger.error(
            "Referral summaries out of step with the referrals in %s: "
            "run manage.py rebuild_referral_summaries",
            ", ".join(sorted(touched)),
        )
        raise SummariesOutOfStep(
            "Nothing was saved: the council's monthly counts of referrals no longer match "
            "the referrals. Ask an administrator to recount them "
            "(manage.py rebuild_referral_summaries), then try again."
        )


_PAIR_KEYS = ("period", "from_department", "to_department")
_PAIR_COUNTS = ("referrals", "through_service", "resolved_on_time", "resolved_late")
_OPEN_KEYS = ("period", "from_department", "to_department", "due_on")
_DAYS_KEYS = ("period", "to_department", "days")


class SummariesOutOfStep(ValidationError):
    """A change would count referrals out of a summary that never counted them in. A
    ValidationError, so the form, the API and the importer answer it as they answer any
    refused write (a message, nothing stored), never as a server error."""


def _add(model, keys: tuple[str, ...], counts: tuple[str, ...], rows: list[tuple]) -> None:
    """Add each row's counts to the row with the same keys, inserting it when missing:
    ``INSERT … ON CONFLICT (keys) DO UPDATE SET count = count + excluded.count``.

    PostgreSQL: one statement whatever the number of rows, the rows given as one array a
    column (``unnest``); the VALUES of thousands of rows took psycopg longer to bind than
    the database to run. SQLite (3.24 and later): the same statement with VALUES, a
    statement per ``_BATCH`` rows.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in keys + counts]
    columns = [quote(field.column) for field in fields]
    key_columns = ", ".join(columns[: len(keys)])
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns[len(keys) :])
    # Only quoted names and column types of our own models are spliced in; values are bound.
    insert = f"INSERT INTO {table} ({', '.join(columns)}) "
    conflict = f" ON CONFLICT ({key_columns}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            cursor.execute(
                f"{insert} SELECT * FROM unnest({arrays}){conflict}",  # noqa: S608
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            cursor.execute(
                f"{insert} VALUES {', '.join([one_row] * len(batch))}{conflict}",  # noqa: S608
                [value for row in batch for value in row],
            )


def rebuild_referral_summaries(
    *,
    referral_model=Referral,
    pair_model=ReferralPairMonth,
    open_model=ReferralOpenMonth,
    days_model=ReferralDaysMonth,
) -> dict[str, int]:
    """Recount every summary from the referrals; returns the rows written per table.

    Three grouped queries over the referrals, whatever their number, each written by the
    database straight into its table (``INSERT … SELECT``): no row passes through Python
    (a million referrals group into some 120,000 rows). The models are parameters so that
    the migration creating the tables can fill them with its own historical models.
    """
    referrals = referral_model.objects.order_by()
    pair_columns = ("period", "from_department", "to_department")
    open_columns = ("period", "from_department", "to_department", "due_on")
    grouped = {
        "pairs": (
            pair_model,
            (*pair_columns, "referrals", "through_service", "resolved_on_time", "resolved_late"),
            referrals.values(*pair_columns)
            .annotate(
                n=Count("pk"),
                digital=Count("pk", filter=Q(channel=Channel.SERVICE)),
                on_time=Count("pk", filter=resolved_on_time()),
                late=Count("pk", filter=resolved_late()),
            )
            .values_list(*pair_columns, "n", "digital", "on_time", "late"),
        ),
        "open": (
            open_model,
            (*open_columns, "referrals"),
            referrals.filter(resolved_on__isnull=True)
            .values(*open_columns)
            .annotate(n=Count("pk"))
            .values_list(*open_columns, "n"),
        ),
        "days": (
            days_model,
            ("period", "to_department", "days", "referrals"),
            referrals.filter(resolution_days__isnull=False)
            .values("period", "to_department", "resolution_days")
            .annotate(n=Count("pk"))
            .values_list("period", "to_department", "resolution_days", "n"),
        ),
    }
    quote = connection.ops.quote_name
    written = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for name, (model, fields, rows) in grouped.items():
            model.objects.all().delete()
            columns = ", ".join(quote(model._meta.get_field(field).column) for field in fields)
            select, params = rows.query.sql_with_params()
            # Our own table and column names, and the ORM's query, are spliced in.
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {select}",  # noqa: S608
                params,
            )
            written[name] = cursor.rowcount
        # Inside the transaction: the generation changes now and again at the commit, so
        # a figure read from the old counts while the rebuild runs is not kept after it.
        figures_changed()
    analyze(pair_model, open_model, days_model)  # the planner's statistics of the new rows
    return written
