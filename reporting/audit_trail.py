"""The audit trail: every recorded change to returns, targets, SLA results, sign-offs and
memberships, newest first, filtered and cut to the reader's scope.

django-simple-history keeps one history table per model; the trail reads each with one
query (cut to what a page needs) and merges them by time. Times are stored in UTC and
the date filters are whole days in Europe/London.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from departments.models import KpiReturn, Membership, PeriodSignOff, Target
from departments.roles import scope_for
from partnerships.models import SlaResult
from reporting.exports.base import page_path as page_link

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class AuditSource:
    """One audited model: its label, how its rows reach a department or a partnership."""

    key: str
    label: str
    model: type
    related: tuple[str, ...]
    department: str | None  # lookup of the department id on the history row
    partnership: str | None


SOURCES = {
    source.key: source
    for source in (
        AuditSource(
            "return", "KPI return", KpiReturn, ("indicator", "department"), "department_id", None
        ),
        AuditSource(
            "target", "Target", Target, ("indicator__department",), "indicator__department_id", None
        ),
        AuditSource(
            "sla_result",
            "SLA result",
            SlaResult,
            ("sla__service",),
            None,
            "sla__service__partnership_id",
        ),
        AuditSource(
            "sign_off", "Period sign-off", PeriodSignOff, ("department",), "department_id", None
        ),
        AuditSource(
            "membership",
            "Membership",
            Membership,
            ("department", "partnership"),
            "department_id",
            None,
        ),
    )
}
OBJECT_TYPES = [(source.key, source.label) for source in SOURCES.values()]


@dataclass(frozen=True)
class TrailEntry:
    when: datetime
    who: str
    who_id: int | None
    object_type: str
    record: str
    department: str
    action: str
    reason: str
    link: str  # the path of the record's page, "" when there is none


def _describe(source: AuditSource, row) -> tuple[str, str, str]:
    """(record, department name, link) of one history row."""
    if source.key == "return":
        link = page_link("departments:return-detail", row.id) if row.history_type != "-" else ""
        return f"{row.indicator.code} {row.period}", row.department.name, link
    if source.key == "target":
        indicator = row.indicator
        link = page_link("reporting:indicator", indicator.pk)
        return f"{indicator.code} {row.financial_year}", indicator.department.name, link
    if source.key == "sla_result":
        service = row.sla.service
        link = page_link(
            "reporting:partnership", service.partnership_id, query=f"period={row.period}"
        )
        return f"{row.sla.code} {row.period}", "", link
    if source.key == "sign_off":
        where = row.department.name if row.department else "Whole council"
        return f"{row.period} for {where}", row.department.name if row.department else "", ""
    target = row.department or row.partnership
    return (
        f"{row.role} of {target or 'the council'}",
        row.department.name if row.department else "",
        "",
    )


@dataclass
class AuditTrail:
    """The trail for one reader and set of filters; iterate it, count it, or page it."""

    user: object
    since: date | None = None
    until: date | None = None
    person_id: int | None = None
    object_type: str = ""
    department_id: int | None = None

    def _sources(self) -> list[AuditSource]:
        if self.object_type:
            return [SOURCES[self.object_type]] if self.object_type in SOURCES else []
        return list(SOURCES.values())

    def _queryset(self, source: AuditSource):
        queryset = source.model.history.all()
        scope = scope_for(self.user)
        if not scope.council_wide:
            # Outside the council-wide roles: one's own departments' and partnership's
            # records, and one's own memberships (as the records' own querysets allow).
            allowed = Q(pk__in=[])
            if source.department and source.key != "membership":
                allowed |= Q(**{f"{source.department}__in": scope.department_ids})
            if source.partnership:
                allowed |= Q(**{f"{source.partnership}__in": scope.partnership_ids})
            if source.key == "membership":
                allowed = Q(user_id=self.user.pk)
            if source.key == "sign_off":
                allowed |= Q(department_id__isnull=True) if scope.department_ids else Q(pk__in=[])
            queryset = queryset.filter(allowed)
        if self.since:
            queryset = queryset.filter(history_date__gte=_start_of(self.since))
        if self.until:
            queryset = queryset.filter(history_date__lt=_start_of(self.until + timedelta(days=1)))
        if self.person_id:
            queryset = queryset.filter(history_user_id=self.person_id)
        if self.department_id:
            if source.department is None:
                return queryset.none()
            queryset = queryset.filter(**{source.department: self.department_id})
        return queryset.select_related("history_user", *source.related).order_by(
            "-history_date", "-history_id"
        )

    def count(self) -> int:
        return sum(self._queryset(source).count() for source in self._sources())

    def _streams(self, limit: int | None) -> list[Iterator[TrailEntry]]:
        streams = []
        for source in self._sources():
            queryset = self._queryset(source)
            rows = queryset[:limit] if limit is not None else queryset.iterator(chunk_size=2000)
            streams.append(_entries(source, rows))
        return streams

    def __iter__(self) -> Iterator[TrailEntry]:
        """Every entry, newest first; ties in time in a fixed order (kind, then record)."""
        return heapq.merge(*self._streams(None), key=_order, reverse=True)

    def page(self, number: int, size: int) -> list[TrailEntry]:
        """Entries of page ``number`` (from 1): each source is cut to what the page needs."""
        needed = number * size
        merged = heapq.merge(*self._streams(needed), key=_order, reverse=True)
        return list(itertools.islice(merged, needed - size, needed))


def _order(entry: TrailEntry) -> tuple:
    return (entry.when, entry.object_type, entry.record)


def _entries(source: AuditSource, rows) -> Iterator[TrailEntry]:
    """One source's entries (a function, so each stream keeps its own source)."""
    for row in rows:
        yield _entry(source, row)


def _entry(source: AuditSource, row) -> TrailEntry:
    record, department, link = _describe(source, row)
    user = row.history_user
    return TrailEntry(
        when=row.history_date,
        who=(user.get_full_name() or user.username) if user else "System (import)",
        who_id=user.pk if user else None,
        object_type=source.label,
        record=record,
        department=department,
        action=ACTIONS.get(row.history_type, row.history_type),
        reason=row.history_change_reason or "",
        link=link,
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
