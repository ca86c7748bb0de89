"""The audit trail: every recorded change to the audited records, with the value of each
changed field before and after, newest first, filtered and cut to the reader's scope.

django-simple-history keeps one history table per audited model. The trail counts them
all in one query (a UNION ALL of each table's count) and finds a page's entries with one
more (a UNION ALL of each table's times, ordered and cut in the database), then reads the
rows of only the kinds of record on the page, merges them by time and reads the values of
the entries it shows in bulk (``departments.history.versions_of``: the previous rows, the
names and the places in one query per model, never one per row). Reading the whole trail
(the download, a record's history) reads each table in turn. Each kind of record is
labelled by its model's verbose name. Times are stored in UTC and the date filters are
whole days in Europe/London.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone

from departments.history import ValueChange, versions_of
from departments.roles import scope_for
from reporting.audit.sources import LABEL_ORDER, SOURCES, AuditSource, Described
from reporting.reports.exports.base import page_path as page_link

# Entries read together: the values of this many are fetched in one set of queries.
BATCH_SIZE = 500


@dataclass(frozen=True)
class TrailEntry:
    when: datetime
    who: str
    who_id: int | None
    kind: str  # the source's key, as in OBJECT_TYPES
    object_type: str  # the kind of record as people read it ("SLA result")
    record_id: int
    record: str
    department: str
    action: str  # "Created", "Changed" or "Deleted"
    reason: str
    link: str  # the path of the record's page, "" when there is none
    changes: tuple[ValueChange, ...]  # each changed field, before and after

    @property
    def history_link(self) -> str:
        """The path of the record's history page."""
        return page_link("reporting:record-history", self.kind, self.record_id)


@dataclass(frozen=True)
class _Pending:
    """A history row merged into the trail, before its values are read."""

    key: tuple
    source: AuditSource
    row: object
    described: Described


@dataclass
class AuditTrail:
    """The trail for one reader and set of filters; iterate it, count it, or page it.

    ``record_id`` with ``object_type`` narrows it to one record: that record's history.
    ``after`` (an instant) keeps the changes made after it, such as those since a reader's
    previous visit; ``since`` and ``until`` are whole London days.
    """

    user: object
    since: date | None = None
    until: date | None = None
    after: datetime | None = None
    person_id: int | None = None
    object_type: str = ""
    department_id: int | None = None
    record_id: int | None = None

    def _sources(self) -> list[AuditSource]:
        if self.object_type:
            return [SOURCES[self.object_type]] if self.object_type in SOURCES else []
        return list(SOURCES.values())

    def _queryset(self, source: AuditSource):
        queryset = source.history()
        scope = scope_for(self.user)
        if not scope.council_wide:
            # Outside the council-wide roles: one's own departments' and partnership's
            # records, and one's own personal records (as the records' querysets allow).
            if source.personal:
                allowed = Q(**{source.personal: self.user.pk})
            else:
                allowed = Q(pk__in=[])
                for lookup in source.departments:
                    allowed |= Q(**{f"{lookup}__in": scope.department_ids})
                if source.partnership:
                    allowed |= Q(**{f"{source.partnership}__in": scope.partnership_ids})
                if source.key == "sign_off" and scope.department_ids:
                    allowed |= Q(department_id__isnull=True)
            queryset = queryset.filter(allowed)
        if self.since:
            queryset = queryset.filter(history_date__gte=_start_of(self.since))
        if self.until:
            queryset = queryset.filter(history_date__lt=_start_of(self.until + timedelta(days=1)))
        if self.after:
            queryset = queryset.filter(history_date__gt=self.after)
        if self.person_id:
            queryset = queryset.filter(history_user_id=self.person_id)
        if self.department_id:
            if not source.departments:
                return queryset.none()
            in_department = Q(pk__in=[])
            for lookup in source.departments:
                in_department |= Q(**{lookup: self.department_id})
            queryset = queryset.filter(in_department)
        if self.record_id is not None:
            queryset = queryset.filter(id=self.record_id)
        return queryset.select_related("history_user", *source.related).order_by(
            "-history_date", "-history_id"
        )

    def _querysets(self) -> list[tuple[AuditSource, QuerySet]]:
        """Each source the filters can match, with its history rows in the reader's scope
        (a source the department filter rules out is left out, not queried)."""
        pairs = [(source, self._queryset(source)) for source in self._sources()]
        return [(source, queryset) for source, queryset in pairs if not queryset.query.is_empty()]

    def count(self) -> int:
        """How many entries the trail holds, in one query: each history table's count,
        joined by UNION ALL (ALL: two tables with the same count are two rows)."""
        counts = [
            # Grouped by a constant, so each part is one row: the count of the whole table.
            queryset.order_by()
            .annotate(trail_kind=Value(source.key))
            .values("trail_kind")
            .annotate(n=Count("*"))
            .values_list("n", flat=True)
            for source, queryset in self._querysets()
        ]
        if not counts:
            return 0
        return sum(counts[0].union(*counts[1:], all=True))

    def __iter__(self) -> Iterator[TrailEntry]:
        """Every entry, newest first; ties in time in a fixed order (kind, then record)."""
        streams = [
            _pending(source, queryset.iterator(chunk_size=2000))
            for source, queryset in self._querysets()
        ]
        merged = _merged(streams)
        while batch := list(itertools.islice(merged, BATCH_SIZE)):
            yield from _entries(batch)

    def page(self, number: int, size: int) -> list[TrailEntry]:
        """Entries of page ``number`` (from 1), exactly as the whole trail orders them.

        One query finds the ``number * size`` newest entries' times across every table
        (ordered by time, then by the kind's place in ``LABEL_ORDER``); each kind found
        there is then read from its newest entry down to its oldest time in that cut (so
        entries at that same instant are all read, for the merge to order them by record),
        at most ``number * size`` rows; only the page's entries have their values read.
        A trail of one kind of record (a filter by kind) reads its table alone.
        """
        needed = number * size
        querysets = self._querysets()
        if len(querysets) > 1:
            oldest = _oldest_in_cut(querysets, needed)
            querysets = [
                (source, queryset.filter(history_date__gte=oldest[source.key]))
                for source, queryset in querysets
                if source.key in oldest
            ]
        streams = [_pending(source, queryset[:needed]) for source, queryset in querysets]
        return _entries(list(itertools.islice(_merged(streams), needed - size, needed)))


def _oldest_in_cut(querysets: list[tuple[AuditSource, QuerySet]], limit: int) -> dict:
    """{source key: the oldest time among its entries} over the ``limit`` newest entries of
    all sources, found in one query (a UNION ALL of each table's times and kind).

    Entries newer than the cut's last (time, kind) are all in the cut, so every source's
    entries that the trail's merge puts among its first ``limit`` have a time at or after
    the oldest time the cut holds for that source.
    """
    parts = [
        queryset.order_by()
        .annotate(trail_order=Value(LABEL_ORDER[source.key]))
        .values_list("trail_order", "history_date")
        for source, queryset in querysets
    ]
    if not parts:
        return {}
    by_order = {LABEL_ORDER[source.key]: source.key for source, _ in querysets}
    newest = parts[0].union(*parts[1:], all=True).order_by("-history_date", "-trail_order")[:limit]
    oldest: dict = {}
    for order, when in newest:
        key = by_order[order]
        oldest[key] = min(when, oldest.get(key, when))
    return oldest


def _merged(streams: list[Iterator[_Pending]]) -> Iterator[_Pending]:
    """The sources' entries merged newest first: by time, then kind, then record."""
    return heapq.merge(*streams, key=lambda pending: pending.key, reverse=True)


def _pending(source: AuditSource, rows: Iterable) -> Iterator[_Pending]:
    """One source's rows (a function, so each stream keeps its own source)."""
    for row in rows:
        described = source.describe(row)
        yield _Pending((row.history_date, source.label, described[0]), source, row, described)


def _entries(batch: list[_Pending]) -> list[TrailEntry]:
    versions = versions_of([pending.row for pending in batch])
    return [_entry(pending, version) for pending, version in zip(batch, versions, strict=True)]


def _entry(pending: _Pending, version) -> TrailEntry:
    row, source = pending.row, pending.source
    record, department, link = pending.described
    user = row.history_user
    return TrailEntry(
        when=row.history_date,
        who=version.who,
        who_id=user.pk if user else None,
        kind=source.key,
        object_type=source.label,
        record_id=row.id,
        record=record,
        department=department,
        action=version.action,
        reason=row.history_change_reason or "",
        link=link,
        changes=version.changes,
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
