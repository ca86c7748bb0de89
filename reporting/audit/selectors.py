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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.text import capfirst

from departments.history import ValueChange, person_name, versions_of
from departments.models import (
    ApiToken,
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
    Council,
    Department,
    DirectoryRoleMapping,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    Target,
)
from departments.periods import Period, key_in_words
from departments.roles import scope_for
from partnerships.contracts.models import (
    Assessment,
    ContractKpi,
    KpiRating,
    PerformanceNotice,
    RectificationPlan,
)
from partnerships.models import (
    Escalation,
    Milestone,
    Partner,
    Partnership,
    Risk,
    Service,
    Sla,
    SlaResult,
)
from publication.models import PublishedIndicator
from reporting.reports.exports.base import page_path as page_link
from scrutiny.models import AgendaItem, ScrutinyCommittee, ScrutinyItem

# Entries read together: the values of this many are fetched in one set of queries.
BATCH_SIZE = 500

Described = tuple[str, str, str]  # (record, department name, link to the record's page)


def _related(row, name: str):
    """A related record of a history row, or None when it has since been deleted."""
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


def _name(obj, fallback: str = "") -> str:
    return obj.name if obj is not None else fallback


def _year(financial_year: int) -> str:
    """A financial year as people write it: 2025 → "2025/26"."""
    return Period.financial_year(financial_year).label


def _describe_return(row) -> Described:
    indicator = _related(row, "indicator")
    link = page_link("departments:return-detail", row.id) if row.history_type != "-" else ""
    code = indicator.code if indicator else f"Indicator {row.indicator_id}"
    return f"{code}, {key_in_words(row.period)}", _name(_related(row, "department")), link


def _describe_target(row) -> Described:
    indicator = _related(row, "indicator")
    if indicator is None:
        return f"Indicator {row.indicator_id}, {_year(row.financial_year)}", "", ""
    link = page_link("reporting:indicator", indicator.pk)
    return f"{indicator.code}, {_year(row.financial_year)}", indicator.department.name, link


def _describe_indicator(row) -> Described:
    link = page_link("reporting:indicator", row.id) if row.history_type != "-" else ""
    return f"{row.code} {row.title}", _name(_related(row, "department")), link


def _describe_sign_off(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    where = department.name if department else "Whole council"
    return f"{key_in_words(row.period)} for {where}", _name(department), ""


def _describe_referral(row) -> Described:
    sender, receiver = _related(row, "from_department"), _related(row, "to_department")
    reference = row.reference or f"#{row.id}"
    # It belongs to both departments, as it does for their readers (ReferralQuerySet).
    between = f"{_name(sender, '?')} to {_name(receiver, '?')}"
    return f"{reference} {row.category}", between, ""


def _describe_scrutiny_item(row) -> Described:
    department = _related(row, "department")
    what = f"{row.get_kind_display()} #{row.id} on {key_in_words(row.period)}"
    return what, _name(department, "The partnership"), page_link("scrutiny:item", row.id)


def _describe_agenda_item(row) -> Described:
    committee = _related(row, "committee")
    return f"{_name(committee, '?')}: {key_in_words(row.period)}", "", ""


def _describe_department(row) -> Described:
    link = page_link("reporting:department", row.id) if row.history_type != "-" else ""
    return row.name, row.name, link


def _describe_membership(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    partnership = _related(row, "partnership") if row.partnership_id else None
    role = row.get_role_display()
    return f"{role} of {department or partnership or 'the council'}", _name(department), ""


def _describe_directory_mapping(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    partnership = _related(row, "partnership") if row.partnership_id else None
    scope = department or partnership or "the council"
    return f"{row.claim_value} gives {row.get_role_display()} of {scope}", _name(department), ""


def _describe_token(row) -> Described:
    owner = _related(row, "user")
    return f"{row.name} ({row.prefix}…) of {person_name(owner) if owner else '?'}", "", ""


def _describe_account(row) -> Described:
    """A person's account: its username, and the name it gives when it has one."""
    name = f"{row.first_name} {row.last_name}".strip()
    return (f"{name} ({row.username})" if name else row.username), "", ""


def _describe_partnership(row) -> Described:
    link = page_link("reporting:partnership", row.id) if row.history_type != "-" else ""
    return row.name, "", link


def _describe_sla_result(row) -> Described:
    sla = _related(row, "sla")
    if sla is None:
        return f"SLA {row.sla_id}, {key_in_words(row.period)}", "", ""
    link = page_link(
        "reporting:partnership", sla.service.partnership_id, query=f"period={row.period}"
    )
    return f"{sla.code}, {key_in_words(row.period)}", "", link


def _describe_partnership_record(row) -> Described:
    """Milestones, escalations and risks: their title, on the partnership's records page."""
    return row.title, "", page_link("partnerships:records", row.partnership_id)


def _describe_plain_title(row) -> Described:
    return row.title, "", page_link("partnerships:contract", row.partnership_id)


def _describe_assessment(row) -> Described:
    """A contract assessment: its period, on its review page."""
    text = f"Assessment {row.period_start:%-d %B %Y} to {row.period_end:%-d %B %Y}"
    return text, "", page_link("partnerships:assessment", row.id)


def _describe_kpi_rating(row) -> Described:
    return f"Rating of {row.kpi.title}", "", page_link("partnerships:assessment", row.assessment_id)


def _describe_plan(row) -> Described:
    text = f"Rectification plan due {row.due_date:%-d %B %Y}"
    return text, "", page_link("partnerships:contract", row.partnership_id)


def _describe_performance_notice(row) -> Described:
    """A breach or poor-performance notice: its kind and day, on its page."""
    text = f"{row.get_kind_display()}, {row.occurred_on:%-d %B %Y}"
    return text, "", page_link("partnerships:performance-notice", row.id)


def _describe_plain(row) -> Described:
    return str(getattr(row, "name", "") or row.id), "", ""


def _describe_comparator_group(row) -> Described:
    return f"{row.name} ({row.model_year} model)", "", page_link("reporting:benchmarking")


def _describe_comparator_member(row) -> Described:
    group = _related(row, "group")
    within = f" in {group.name} ({group.model_year} model)" if group else ""
    return f"{row.area_name} ({row.area_code}){within}", "", ""


def _describe_benchmark_metric(row) -> Described:
    return f"{row.code} {row.title}", "", page_link("reporting:benchmarking")


def _describe_benchmark_value(row) -> Described:
    metric = _related(row, "metric")
    code = metric.code if metric else f"Metric {row.metric_id}"
    return f"{code}, {row.area_name}, {key_in_words(row.period)}", "", ""


def _describe_publication(row) -> Described:
    """A publication to residents: the indicator and the title residents read."""
    indicator = _related(row, "indicator")
    code = indicator.code if indicator else f"Indicator {row.indicator_id}"
    department = indicator.department.name if indicator else ""
    link = page_link("publication:manage-edit", row.indicator_id) if indicator else ""
    return f"{code} published as “{row.public_title}”", department, link


def _describe_sla(row) -> Described:
    return f"{row.code} {row.title}", "", ""


@dataclass(frozen=True)
class AuditSource:
    """One audited model: how its history rows reach a department or a partnership (for
    the reader's scope and the department filter), and how a row is named."""

    key: str
    model: type
    describe: Callable[[object], Described]
    related: tuple[str, ...] = ()  # select_related on the history rows, for describe
    departments: tuple[str, ...] = ()  # lookups of the department ids on the history row
    partnership: str | None = None  # lookup of the partnership id on the history row
    personal: str | None = None  # a personal record: lookup of its user, who alone sees it
    label_override: str = ""

    @property
    def label(self) -> str:
        """The kind of record, as its model's verbose name ("SLA result", "Milestone")."""
        return self.label_override or capfirst(self.model._meta.verbose_name)


SOURCES = {
    source.key: source
    for source in (
        AuditSource(
            "return",
            KpiReturn,
            _describe_return,
            ("indicator", "department"),
            departments=("department_id",),
        ),
        AuditSource(
            "target",
            Target,
            _describe_target,
            ("indicator__department",),
            departments=("indicator__department_id",),
        ),
        AuditSource(
            "indicator",
            PerformanceIndicator,
            _describe_indicator,
            ("department",),
            departments=("department_id",),
        ),
        AuditSource(
            "sign_off",
            PeriodSignOff,
            _describe_sign_off,
            ("department",),
            departments=("department_id",),
            # The model's verbose name is "period sign off"; people write the hyphen.
            label_override="Period sign-off",
        ),
        AuditSource(
            "referral",
            Referral,
            _describe_referral,
            ("from_department", "to_department"),
            departments=("from_department_id", "to_department_id"),
        ),
        # Publication to residents (publication/): published, reworded and withdrawn.
        AuditSource(
            "publication",
            PublishedIndicator,
            _describe_publication,
            ("indicator__department",),
            departments=("indicator__department_id",),
        ),
        AuditSource("department", Department, _describe_department, departments=("id",)),
        AuditSource("council", Council, _describe_plain),
        AuditSource(
            "membership",
            Membership,
            _describe_membership,
            ("department", "partnership"),
            departments=("department_id",),
            personal="user_id",
        ),
        # Which directory role gives which membership at sign-in with the council account.
        AuditSource(
            "directory_mapping",
            DirectoryRoleMapping,
            _describe_directory_mapping,
            ("department", "partnership"),
            departments=("department_id",),
            partnership="partnership_id",
        ),
        AuditSource("api_token", ApiToken, _describe_token, ("user",), personal="user_id"),
        # Accounts and permission groups, changed in Django admin (departments.models.accounts).
        AuditSource(
            "account",
            get_user_model(),
            _describe_account,
            personal="id",
            label_override="User account",
        ),
        AuditSource("group", Group, _describe_plain, label_override="Permission group"),
        # Benchmarking data: published and council-wide, kept by administrators.
        AuditSource("comparator_group", ComparatorGroup, _describe_comparator_group),
        AuditSource("comparator_member", ComparatorMember, _describe_comparator_member, ("group",)),
        AuditSource("benchmark_metric", BenchmarkMetric, _describe_benchmark_metric),
        AuditSource("benchmark_value", BenchmarkValue, _describe_benchmark_value, ("metric",)),
        AuditSource("partner", Partner, _describe_plain),
        AuditSource("partnership", Partnership, _describe_partnership, partnership="id"),
        AuditSource("service", Service, _describe_plain, partnership="partnership_id"),
        AuditSource("sla", Sla, _describe_sla, partnership="service__partnership_id"),
        AuditSource(
            "sla_result",
            SlaResult,
            _describe_sla_result,
            ("sla__service",),
            partnership="sla__service__partnership_id",
        ),
        AuditSource(
            "milestone", Milestone, _describe_partnership_record, partnership="partnership_id"
        ),
        AuditSource(
            "escalation", Escalation, _describe_partnership_record, partnership="partnership_id"
        ),
        AuditSource("risk", Risk, _describe_partnership_record, partnership="partnership_id"),
        AuditSource(
            "contract_kpi", ContractKpi, _describe_plain_title, partnership="partnership_id"
        ),
        # Assessments and their ratings name no partnership here, so only the council-wide
        # roles read their history: a partner's manager never sees a draft's changes.
        AuditSource("assessment", Assessment, _describe_assessment),
        AuditSource("kpi_rating", KpiRating, _describe_kpi_rating, ("kpi",)),
        AuditSource(
            "rectification_plan",
            RectificationPlan,
            _describe_plan,
            partnership="partnership_id",
        ),
        # Like assessments, these name no partnership here: a draft is the council's own.
        AuditSource("performance_notice", PerformanceNotice, _describe_performance_notice),
        # Scrutiny: members' questions and the answers, by the department that answers.
        AuditSource(
            "scrutiny_item",
            ScrutinyItem,
            _describe_scrutiny_item,
            ("department",),
            departments=("department_id",),
        ),
        AuditSource("scrutiny_committee", ScrutinyCommittee, _describe_plain),
        AuditSource("agenda_item", AgendaItem, _describe_agenda_item, ("committee",)),
    )
}
OBJECT_TYPES = [(source.key, source.label) for source in SOURCES.values()]

# Each kind of record's place among the labels in Python's order of strings. Entries at
# the same instant are ordered by label (then by record), so the database orders a page's
# candidates by time and then by this number, never by its own collation of the labels.
LABEL_ORDER = {
    source.key: sorted(label for _, label in OBJECT_TYPES).index(source.label)
    for source in SOURCES.values()
}


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
        queryset = source.model.history.all()
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
