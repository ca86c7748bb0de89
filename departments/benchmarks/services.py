"""Writes of benchmarking data: comparator groups and their members, metrics, values.

Each is the administrator's (reference data, DESIGN.md section 4); each records the
actor in the audit trail and returns what it did ("created", "updated", "unchanged"),
so that importing the same file again changes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.importer import Outcome
from departments import roles
from departments.models import (
    BenchmarkMetric,
    BenchmarkPolarity,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorGroupKind,
    ComparatorMember,
    Council,
    PerformanceIndicator,
    Unit,
)
from departments.models.benchmarks import MAX_METRIC_PLACES
from departments.numbers import decimal_problem, quoted
from departments.validation import number_message, parse_decimal

REFUSAL = "Only an administrator can change comparator groups and benchmarking data."

# What publishers write where a figure is not given: blank, suppressed for small numbers,
# not collected. Each is kept as a missing value (null) with the text as its note,
# never read as zero.
MISSING_MARKERS = frozenset(
    {"", "suppressed", "[c]", "[x]", "[z]", "[u]", "..", ":", "-", "–", "x", "c", "*"}
    | {"n/a", "na", "#n/a", "null", "none", "not available", "not collected"}
)
# The Scottish benchmarking framework's words for polarity, beside ours.
POLARITY_WORDS = {
    "higher": BenchmarkPolarity.HIGHER,
    "descending": BenchmarkPolarity.HIGHER,
    "higher is better": BenchmarkPolarity.HIGHER,
    "lower": BenchmarkPolarity.LOWER,
    "ascending": BenchmarkPolarity.LOWER,
    "lower is better": BenchmarkPolarity.LOWER,
    "midpoint": BenchmarkPolarity.MIDPOINT,
    "goldilocks": BenchmarkPolarity.MIDPOINT,
}


def _check_actor(actor) -> None:
    if not roles.may_change_reference_data(actor):
        raise PermissionDenied(REFUSAL)


def _audited(instance, actor):
    instance._history_user = actor
    return instance


def published_value(text: object) -> tuple[Decimal | None, str]:
    """(value, note) of a published figure: a number, or None with the marker that stood
    for a missing one ("suppressed", "[c]", "..", blank). ValueError with a sentence
    naming the value once for other text, or a number beyond 20 digits with 6 places
    (``decimal_problem`` names it, ``number_message`` too)."""
    marker = _marker(text)
    if marker.lower() in MISSING_MARKERS:
        return None, marker
    try:
        number = parse_decimal(marker)
    except ValueError as error:
        raise ValueError(
            number_message("The value", error, example="42.7 (or blank when missing)")
        ) from error
    problem = decimal_problem(number, label="The value", max_digits=20, decimal_places=6)
    if problem:
        raise ValueError(problem)
    return number, ""


def _marker(text: object) -> str:
    return "" if text is None else str(text).strip()


def group_kind(text: str) -> str:
    """A group kind from its value or its label ("family_group", "Family group")."""
    wanted = " ".join(str(text).replace("_", " ").lower().split())
    for kind in ComparatorGroupKind:
        if wanted in (kind.value.replace("_", " "), kind.label.lower()):
            return kind.value
    expected = "; ".join(f"{kind.value} ({kind.label})" for kind in ComparatorGroupKind)
    raise ValueError(f"{quoted(str(text))} is not a kind of group: expected {expected}")


def metric_unit(text: str) -> str | None:
    """A unit from its value, its label or "%" ("percent", "Percent", "%"); None for
    blank text (the unit is then kept, or taken from the indicator). ValueError naming
    the units for anything else."""
    wanted = " ".join(str(text).lower().split())
    if not wanted:
        return None
    if wanted in ("%", "percentage"):
        return Unit.PERCENT
    for unit in Unit:
        if wanted in (unit.value, unit.label.lower()):
            return unit.value
    expected = ", ".join(unit.value for unit in Unit)
    raise ValueError(f"{quoted(str(text))} is not a unit: expected one of {expected}")


def metric_polarity(text: str) -> str:
    """A polarity from our words or the Scottish framework's (Descending = higher)."""
    try:
        return POLARITY_WORDS[" ".join(str(text).lower().split())]
    except KeyError:
        raise ValueError(
            f"{quoted(str(text))} is not a polarity: expected higher, lower or midpoint "
            "(or Descending, Ascending, Goldilocks)"
        ) from None


@transaction.atomic
def put_group_member(
    *,
    council: Council,
    name: str,
    kind: str,
    model_year: int,
    area_code: str,
    area_name: str,
    actor,
) -> tuple[ComparatorGroup, Outcome]:
    """Make ``area_code`` a member of the group (named, of ``kind``, from ``model_year``),
    creating the group when it is new and renaming the member when its name changed."""
    _check_actor(actor)
    group = ComparatorGroup.objects.filter(
        council=council, name=name, kind=kind, model_year=model_year
    ).first()
    if group is None:
        group = _audited(
            ComparatorGroup(council=council, name=name, kind=kind, model_year=model_year), actor
        )
        group.full_clean()
        group.save()
    member = ComparatorMember.objects.filter(group=group, area_code=area_code).first()
    if member is None:
        member = _audited(ComparatorMember(group=group, area_code=area_code), actor)
        outcome: Outcome = "created"
    elif member.area_name == area_name:
        return group, "unchanged"
    else:
        outcome = "updated"
    member.area_name = area_name
    member.full_clean()
    member.save()
    return group, outcome


@transaction.atomic
def keep_only_members(*, group: ComparatorGroup, area_codes: set[str], actor) -> int:
    """Remove the group's members not in ``area_codes`` (an imported group is exactly
    the councils its file lists). Returns how many were removed."""
    _check_actor(actor)
    leaving = list(group.members.exclude(area_code__in=area_codes))
    for member in leaving:
        _audited(member, actor).delete()
    return len(leaving)


@transaction.atomic
def save_metric(
    *,
    council: Council,
    code: str,
    title: str,
    polarity: str,
    midpoint: Decimal | None,
    indicator: PerformanceIndicator | None,
    decimal_places: int | None,
    actor,
    unit: str | None = None,
) -> tuple[BenchmarkMetric, Outcome]:
    """Create or update the metric ``code``: its title, polarity, midpoint, the indicator
    it is compared for, its unit and the places it is shown to. Places and unit are
    kept when None: a new metric without places starts at 0 and takes them from its
    values when they are imported (``show_places_of_values``); one without a unit takes
    its indicator's, or none. ValidationError naming the field (``BenchmarkMetric.clean``)."""
    _check_actor(actor)
    metric = BenchmarkMetric.objects.filter(council=council, code=code).first()
    outcome: Outcome = "created" if metric is None else "updated"
    metric = metric or BenchmarkMetric(council=council, code=code)

    def state() -> tuple:
        return (metric.title, metric.polarity, metric.midpoint, metric.indicator_id) + (
            metric.decimal_places,
            metric.unit,
        )

    before = state()
    metric.title, metric.polarity, metric.midpoint = title, polarity, midpoint
    metric.indicator = indicator
    if decimal_places is not None:
        metric.decimal_places = decimal_places
    elif outcome == "created":
        metric.decimal_places = 0
    if unit is not None:
        metric.unit = unit
    elif not metric.unit and indicator is not None:
        metric.unit = indicator.unit
    if outcome == "updated" and before == state():
        return metric, "unchanged"
    metric.full_clean()  # a percentage's stored values are checked there too
    _audited(metric, actor).save()
    return metric, outcome


@transaction.atomic
def show_places_of_values(*, metric: BenchmarkMetric, places: int, actor) -> bool:
    """Raise the places ``metric`` is shown to up to ``places``, the most its imported
    values are published with (at most ``MAX_METRIC_PLACES``), so that no published digit
    is rounded away (0.92 shown as 0.9). Never lowered: places an administrator chose
    are kept when the values have fewer. True when the metric changed."""
    _check_actor(actor)
    places = min(places, MAX_METRIC_PLACES)
    if places <= metric.decimal_places:
        return False
    metric.decimal_places = places
    metric.full_clean()
    _audited(metric, actor).save(update_fields=["decimal_places"])
    return True


@transaction.atomic
def save_value(
    *,
    metric: BenchmarkMetric,
    area_code: str,
    area_name: str,
    period: str,
    value: Decimal | None,
    note: str,
    actor,
) -> Outcome:
    """Store one published figure (``value`` None for a missing one, ``note`` saying
    why), replacing what was stored for the same metric, area and period."""
    _check_actor(actor)
    stored = BenchmarkValue.objects.filter(
        metric=metric, area_code=area_code, period=period
    ).first()
    if stored is not None and (stored.value, stored.note, stored.area_name) == (
        value,
        note,
        area_name,
    ):
        return "unchanged"
    outcome: Outcome = "created" if stored is None else "updated"
    stored = stored or BenchmarkValue(metric=metric, area_code=area_code, period=period)
    stored.area_name, stored.value, stored.note = area_name, value, note
    stored.full_clean(validate_unique=False)
    _audited(stored, actor).save()
    return outcome
