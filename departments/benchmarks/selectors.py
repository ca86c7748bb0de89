"""Reads of benchmarking data: the group in force for a year, its councils, their values.

Each read is one query whatever the number of councils or periods, so pages and the
API that compare many periods stay at a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from departments.models import BenchmarkValue, ComparatorGroup, ComparatorMember, Council


def series_of(group: ComparatorGroup) -> list[ComparatorGroup]:
    """Every model year of the group's series, oldest first, members prefetched."""
    return list(group.series().order_by("model_year").prefetch_related("members"))


def in_force(series: list[ComparatorGroup], year: int) -> ComparatorGroup | None:
    """The group of ``series`` (oldest first) in force for financial year ``year``: the
    latest model year at or before it; None when every model is later."""
    chosen = None
    for group in series:
        if group.model_year <= year:
            chosen = group
    return chosen


def councils_of(group: ComparatorGroup, council: Council) -> list[tuple[str, str]]:
    """(area code, name) of the group's members and the council itself, once each."""
    areas = {member.area_code: member.area_name for member in group.members.all()}
    if council.area_code:
        areas.setdefault(council.area_code, council.name)
    return sorted(areas.items(), key=lambda area: area[1])


def values_by_area(
    metric_ids: Iterable[int], area_codes: Iterable[str], period_keys: Iterable[str]
) -> dict[tuple[int, str, str], BenchmarkValue]:
    """The stored values of the metrics for those areas and periods, by (metric id, area,
    period). One query, whatever the number of metrics."""
    rows = BenchmarkValue.objects.filter(
        metric_id__in=set(metric_ids), area_code__in=set(area_codes), period__in=set(period_keys)
    )
    return {(row.metric_id, row.area_code, row.period): row for row in rows}


def periods_with_values(metric_ids: Iterable[int]) -> dict[int, list[str]]:
    """The period keys each metric has values for, sorted, by metric id (a metric without
    values is absent). One query, whatever the number of metrics."""
    # order_by() clears the model's ordering, whose columns would defeat DISTINCT.
    pairs = (
        BenchmarkValue.objects.filter(metric_id__in=set(metric_ids))
        .order_by()
        .values_list("metric_id", "period")
        .distinct()
    )
    found: dict[int, list[str]] = {}
    for metric_id, key in pairs:
        found.setdefault(metric_id, []).append(key)
    return {metric_id: sorted(keys) for metric_id, keys in found.items()}


def known_areas(council: Council) -> dict[str, set[str]]:
    """Area names (lower case) to the codes they are known by, from the council, its
    comparator groups' members and the values stored: a file that names councils
    without their codes (the Scottish framework's) is matched through them."""
    known: dict[str, set[str]] = {}
    if council.area_code:
        known.setdefault(council.name.lower(), set()).add(council.area_code)
    members = (
        ComparatorMember.objects.filter(group__council=council)
        .order_by()
        .values_list("area_name", "area_code")
    )
    stored = (
        BenchmarkValue.objects.filter(metric__council=council)
        .order_by()
        .values_list("area_name", "area_code")
        .distinct()
    )
    for name, code in [*members, *stored]:
        known.setdefault(name.lower(), set()).add(code)
    return known


def groups_for(user):
    """The comparator groups ``user`` sees, by name then newest model first."""
    return ComparatorGroup.objects.visible_to(user).order_by("name", "-model_year")


def chosen_group(user, raw: str | None) -> ComparatorGroup | None:
    """The group ``raw`` (an id, as given in ``?group=``) names among those ``user``
    sees, or the first of them when none is given (None when there are none).
    ValueError, saying why, for anything that names no group the user sees."""
    groups = groups_for(user)
    if raw in (None, ""):
        return groups.first()
    text = str(raw)
    if not text.isdigit() or len(text) > 12:
        raise ValueError("Give a comparator group's id, a whole number.")
    group = groups.filter(pk=int(text)).first()
    if group is None:
        raise ValueError(f"There is no comparator group {text}.")
    return group
