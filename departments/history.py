"""What each saved version of a record changed, field by field, as people read it.

django-simple-history keeps one history row per save of an audited model (``+`` created,
``~`` changed, ``-`` deleted). ``value_changes`` reads one row against the previous row
of the same record with the library's ``diff_against`` and shows each changed field's
value before and after as people read them (DESIGN.md section 3, "Periods" and
"Exactness"): figures to their places (never fewer than the stored figure has, so no
change is hidden by rounding), money in pounds and pence, dates in words, date-times in
London time, choices by their label, foreign keys by name, periods by their label. A
created record lists its values (with no "before"), a deleted one lists nothing.

``versions_of`` does it for many rows at once, for the audit trail and the history
pages: the previous rows, the names behind foreign keys, the indicators' decimal places
and the rows of many-to-many history are each fetched in one query per model, never one
per row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.utils import get_m2m_reverse_field_name

from departments import periods
from departments.models import PerformanceIndicator
from departments.numbers import decimal_digits, format_figure

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
EMPTY = "–"

# Counters raised by every save: "version 3 → 4" tells a reader nothing.
HIDDEN_FIELDS = frozenset({"id", "version"})

# Where a field's own verbose name is not what a reader calls it ("app.model.field").
LABELS = {
    "departments.kpireturn.sent_back_reason": "Reason for sending back",
    "departments.kpireturn.forecast_value": "Year-end forecast",
    "departments.kpireturn.forecast_note": "Forecast explanation",
    "departments.council.weight_on_time": "On-time weight",
    "departments.council.weight_digital_share": "Digital share weight",
    "departments.council.weight_reach": "Reach weight",
    "departments.performanceindicator.year_to_date": "Year to date formed by",
    "partnerships.partnership.annual_value": "Annual contract value",
    "partnerships.partnership.weight_sla": "SLA performance weight",
    "partnerships.partnership.weight_credits": "Service credits weight",
    "partnerships.partnership.weight_milestones": "Milestones weight",
    "partnerships.partnership.weight_escalations": "Escalations and risks weight",
    "partnerships.partnership.weight_timely": "Timely reporting weight",
    "partnerships.partnership.estimated_value": "Estimated contract value",
    "partnerships.partnership.section_52_exemption": "Section 52 exemption claimed",
    "partnerships.service.credit_cap_percent": "Credit cap",
    "partnerships.slaresult.sla": "SLA",
    "partnerships.sla.credit_percent": "Credit for a serious failure",
}
MONEY_FIELDS = frozenset(
    {
        "partnerships.partnership.annual_value",
        "partnerships.partnership.estimated_value",
        "partnerships.service.monthly_charge",
    }
)
PERCENT_FIELDS = frozenset(
    {"partnerships.service.credit_cap_percent", "partnerships.sla.credit_percent"}
)
# Figures shown to their indicator's decimal places (a return's value, a target).
INDICATOR_FIGURES = frozenset(
    {
        "departments.kpireturn.value",
        "departments.kpireturn.forecast_value",
        "departments.target.annual_value",
        "departments.target.tolerance",
    }
)
FINANCIAL_YEARS = frozenset({"departments.target.financial_year"})
# Snapshots a notice keeps at approval: read as a sentence, not as the stored data.
NOTICE_SNAPSHOTS = frozenset(
    {
        "partnerships.assessment.notice_details",
        "partnerships.performancenotice.notice_details",
    }
)


@dataclass(frozen=True)
class ValueChange:
    """One field of one saved version: its label and its value before and after, as
    people read them. ``before`` is None for a created record (it had no value before);
    an empty value reads "–"."""

    field: str
    label: str
    before: str | None
    after: str

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.label}: {self.after}"
        return f"{self.label}: {self.before} → {self.after}"


@dataclass(frozen=True)
class Version:
    """One history row read: who and when come from the row itself."""

    row: object
    action: str  # "Created", "Changed" or "Deleted"
    changes: tuple[ValueChange, ...]

    @property
    def who(self) -> str:
        return person_name(self.row.history_user) if self.row.history_user_id else NO_USER

    @property
    def summary(self) -> str:
        """Every change on one line, for a single cell: "Value: 91.5 → 88.0; …"."""
        return "; ".join(str(change) for change in self.changes) or self.action


def attribute(instance, actor, reason: str = "") -> None:
    """Name who makes the change to ``instance`` and why (when given), for the history row
    that its next ``save()`` writes: django-simple-history reads these two attributes."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason


def person_name(user) -> str:
    return user.get_full_name() or user.username


# Who wrote a change that no signed-in person made: the demo seeding, a bulk import or a
# data migration.
NO_USER = "System (seeded or imported)"


@dataclass
class Lookups:
    """What showing values needs beyond the rows: names behind foreign keys (by model and
    primary key), indicators' decimal places, and many-to-many values by history row."""

    names: dict[type, dict[object, str]] = field(default_factory=dict)
    places: dict[int, int] = field(default_factory=dict)
    m2m: dict[tuple[type, int], dict[str, frozenset]] = field(default_factory=dict)

    def name(self, model: type, pk: object) -> str:
        found = self.names.get(model, {}).get(pk)
        if found is not None:
            return found
        return f"{capfirst(model._meta.verbose_name)} {pk} (deleted)"


def audited_fields(history_model: type) -> list[models.Field]:
    """The fields a reader sees of a history model, in the model's order: the tracked,
    editable fields (what ``diff_against`` compares by default) less the hidden ones."""
    return [
        f
        for f in history_model.tracked_fields
        if f.editable and f.name not in HIDDEN_FIELDS and not f.many_to_many
    ]


def _m2m_fields(history_model: type) -> list[models.ManyToManyField]:
    return list(getattr(history_model, "_history_m2m_fields", []))


def _label(history_model: type, model_field: models.Field) -> str:
    key = f"{history_model.instance_type._meta.label_lower}.{model_field.name}"
    return LABELS.get(key) or capfirst(model_field.verbose_name)


def value_changes(row, *, previous, lookups: Lookups) -> tuple[ValueChange, ...]:
    """The changes one history row records against ``previous`` (the previous history row
    of the same record, or None), in the model's field order.

    A deletion lists nothing; a record with no previous row (created, or first recorded
    by a change) lists its non-empty values with no "before". ``lookups`` holds the names
    and places the values need (``Lookups`` built by ``versions_of``); a name it lacks
    reads as the deleted record it points to.
    """
    if row.history_type == "-":
        return ()
    history_model = type(row)
    fields = audited_fields(history_model)
    m2m_fields = _m2m_fields(history_model)
    m2m_now = lookups.m2m.get((history_model, row.history_id), {})
    if previous is None:
        listed = [
            ValueChange(f.name, _label(history_model, f), None, _shown(row, f, value, lookups))
            for f in fields
            if (value := getattr(row, f.attname)) not in (None, "")
        ]
        listed += [
            ValueChange(f.name, _label(history_model, f), None, _shown(row, f, value, lookups))
            for f in m2m_fields
            if (value := m2m_now.get(f.name))
        ]
        return tuple(listed)
    # The library's diff over the plain fields; many-to-many values come from the rows
    # fetched in bulk, as its own m2m diff queries twice for every history row.
    delta = row.diff_against(previous, included_fields=[f.name for f in fields])
    by_name = {f.name: f for f in fields}
    changed = [
        ValueChange(
            name,
            _label(history_model, by_name[name]),
            _shown(row, by_name[name], old, lookups),
            _shown(row, by_name[name], new, lookups),
        )
        for name, old, new in ((c.field, c.old, c.new) for c in delta.changes)
    ]
    m2m_before = lookups.m2m.get((history_model, previous.history_id), {})
    changed += [
        ValueChange(
            f.name,
            _label(history_model, f),
            _shown(row, f, m2m_before.get(f.name, frozenset()), lookups),
            _shown(row, f, m2m_now.get(f.name, frozenset()), lookups),
        )
        for f in m2m_fields
        if m2m_before.get(f.name, frozenset()) != m2m_now.get(f.name, frozenset())
    ]
    order = {name: index for index, name in enumerate(f.name for f in [*fields, *m2m_fields])}
    return tuple(sorted(changed, key=lambda change: order[change.field]))


def _shown(row, model_field: models.Field, value: object, lookups: Lookups) -> str:
    """One value as people read it (see the module's docstring); "–" when empty."""
    if value is None or value == "" or value == frozenset():
        return EMPTY
    key = f"{type(row).instance_type._meta.label_lower}.{model_field.name}"
    if model_field.many_to_many:
        model = model_field.related_model
        return ", ".join(sorted(lookups.name(model, pk) for pk in value))
    if key in NOTICE_SNAPSHOTS:
        return _snapshot_shown(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return lookups.name(model_field.related_model, value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %B %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, Decimal):
        return _figure(key, value, row, lookups)
    if model_field.name == "period" and isinstance(value, str):
        try:
            return periods.Period.parse(value).label
        except ValueError:
            return value
    if key in FINANCIAL_YEARS:
        return periods.Period.financial_year(value).label
    return str(value)


def _snapshot_shown(value: dict) -> str:
    """A notice's snapshot in words: what was kept, and the SHA-256 of the files the
    approval published (the stored snapshot holds every field)."""
    if not value:
        return EMPTY
    shown = "The contract's details as they stood at approval"
    if sha256 := (value.get("published") or {}).get("sha256"):
        files = ", ".join(f"{name.upper()} {digest}" for name, digest in sorted(sha256.items()))
        shown += f"; the notice published, SHA-256 of its files: {files}"
    return shown


def _figure(key: str, value: Decimal, row, lookups: Lookups) -> str:
    own_places = decimal_digits(value)[1]
    if key in MONEY_FIELDS:
        return f"£{format_figure(value, max(2, own_places))}"
    if key in PERCENT_FIELDS:
        return f"{format_figure(value, own_places)}%"
    places = own_places
    if key in INDICATOR_FIGURES:
        places = max(places, lookups.places.get(getattr(row, "indicator_id", None), 0))
    return format_figure(value, places)


# --- many rows at once ---------------------------------------------------------------------


def versions_of(rows: Sequence, *, complete: bool = False) -> list[Version]:
    """Each history row read against the previous row of its record, in the given order.

    Rows may be of several history models. Queries: one per history model for the
    previous rows (none when ``complete``: the rows are every history row of their
    records, so each one's previous row is among them), one per many-to-many field, one
    per model named by a foreign key that the rows have not already joined
    (``select_related``), one for indicators' places unless joined; none per row.
    """
    previous = _previous_among(rows) if complete else previous_rows(rows)
    lookups = lookups_for([*rows, *(row for row in previous.values() if row is not None)])
    return [
        Version(
            row,
            ACTIONS.get(row.history_type, row.history_type),
            value_changes(row, previous=previous[(type(row), row.history_id)], lookups=lookups),
        )
        for row in rows
    ]


def _order_key(row) -> tuple:
    return (row.history_date, row.history_id)


def _previous_among(rows: Sequence) -> dict[tuple[type, int], object]:
    """The previous rows when ``rows`` hold every history row of their records."""
    found: dict[tuple[type, int], object] = {}
    latest: dict[tuple[type, object], object] = {}
    for row in sorted(rows, key=_order_key):
        found[(type(row), row.history_id)] = latest.get((type(row), row.id))
        latest[(type(row), row.id)] = row
    return found


def previous_rows(rows: Iterable) -> dict[tuple[type, int], object]:
    """``{(history model, history_id): the previous history row of the same record, or
    None}``, one query per history model.

    "Previous" orders by time, then by history id (two saves in the same microsecond);
    the library's ``prev_record`` orders by time alone and queries once per row.
    """
    by_model: dict[type, list] = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    found: dict[tuple[type, int], object] = {}
    for history_model, model_rows in by_model.items():
        earlier = history_model.objects.filter(id=OuterRef("id")).filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        previous_ids = (
            history_model.objects.filter(history_id__in=[row.history_id for row in model_rows])
            .annotate(
                previous_id=Subquery(
                    earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
                )
            )
            .values("previous_id")
        )
        candidates: dict[object, list] = defaultdict(list)
        for candidate in history_model.objects.filter(history_id__in=previous_ids):
            candidates[candidate.id].append(candidate)
        for same_record in candidates.values():
            same_record.sort(key=_order_key)
        for row in model_rows:
            same_record = candidates.get(row.id, [])
            # The latest candidate before the row: every row's own predecessor is fetched,
            # so no row of the record lies between them.
            index = bisect.bisect_left([_order_key(c) for c in same_record], _order_key(row))
            found[(history_model, row.history_id)] = same_record[index - 1] if index else None
    return found


def lookups_for(rows: Iterable) -> Lookups:
    """The names, places and many-to-many values that showing ``rows`` needs."""
    rows = list(rows)
    lookups = Lookups()
    wanted: dict[type, set] = defaultdict(set)
    joined_names: dict[type, dict] = defaultdict(dict)
    indicator_ids: set[int] = set()
    by_model: dict[type, list] = defaultdict(list)
    for row in rows:
        by_model[type(row)].append(row)
    for history_model, model_rows in by_model.items():
        relations = [f for f in audited_fields(history_model) if f.is_relation]
        wants_places = any(
            f"{history_model.instance_type._meta.label_lower}.{f.name}" in INDICATOR_FIGURES
            for f in audited_fields(history_model)
        )
        for row in model_rows:
            for relation in relations:
                pk = getattr(row, relation.attname)
                if pk is None:
                    continue
                joined = history_model._meta.get_field(relation.name)
                if joined.is_cached(row) and (related := joined.get_cached_value(row)):
                    # Already joined by the caller's select_related: no query needed.
                    joined_names[relation.related_model][pk] = related
                else:
                    wanted[relation.related_model].add(pk)
            if wants_places and row.indicator_id is not None:
                indicator = joined_names[PerformanceIndicator].get(row.indicator_id)
                if indicator is not None:
                    lookups.places[row.indicator_id] = indicator.decimal_places
                else:
                    indicator_ids.add(row.indicator_id)
        for m2m_field in _m2m_fields(history_model):
            _load_m2m(history_model, m2m_field, model_rows, lookups, wanted)
    user_model = get_user_model()
    for model in {*wanted, *joined_names}:
        pks = wanted.get(model, set()) - set(joined_names[model])
        objects = {**joined_names[model], **(model._default_manager.in_bulk(pks) if pks else {})}
        name = person_name if model is user_model else str
        lookups.names[model] = {pk: name(obj) for pk, obj in objects.items()}
    if indicator_ids - set(lookups.places):
        lookups.places.update(
            PerformanceIndicator.objects.filter(pk__in=indicator_ids).values_list(
                "pk", "decimal_places"
            )
        )
    return lookups


def _load_m2m(history_model, m2m_field, rows, lookups: Lookups, wanted) -> None:
    """Each row's set of related primary keys for one many-to-many field, one query."""
    through_history = history_model.__dict__[m2m_field.name].model
    target = get_m2m_reverse_field_name(m2m_field)
    values: dict[int, set] = {row.history_id: set() for row in rows}
    pairs = through_history.objects.filter(history_id__in=list(values)).values_list(
        "history_id", f"{target}_id"
    )
    for history_id, pk in pairs:
        values[history_id].add(pk)
        wanted[m2m_field.related_model].add(pk)
    for history_id, pks in values.items():
        lookups.m2m.setdefault((history_model, history_id), {})[m2m_field.name] = frozenset(pks)
