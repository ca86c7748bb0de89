"""The demo council's comparator groups and published figures for some statutory
indicators, so the benchmarking page and the indicator pages' comparisons have data.

Every council here is invented (Borsetshire's neighbours are fictional counties) and so
are their ONS-style codes: the E99 prefix is no real kind of ONS area. The real public
files stay test data (tests/data/benchmarking). Two models of nearest neighbours (2021
and 2024, two neighbours differ) show a figure compared with the group in force for its
year; some figures are suppressed, to show missing peers counted and named.
"""

from __future__ import annotations

import random
from decimal import Decimal

from demo import writing
from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
    Council,
    PerformanceIndicator,
    Target,
)
from departments.numbers import round_half_up

COUNCIL_CODE = "E99999000"
NEIGHBOURS = [
    "Barsetshire", "Wessex", "Loamshire", "Glebeshire", "Midsomer", "Mummerset",
    "Slopshire", "Westershire", "Downshire", "Middleshire", "Rutshire", "Southmoor",
    "Northmoor", "Eastmarch", "Westmarch", "Fenshire", "Highcombe",
]  # fmt: skip
GROUP_NAME = "CIPFA nearest neighbours"
# The 2021 model: the first 15; the 2024 model drops the last two of them for the others.
MODELS = {2021: NEIGHBOURS[:15], 2024: NEIGHBOURS[:13] + NEIGHBOURS[15:]}
# Statutory indicators given published figures: percentages, both polarities.
METRIC_CODES = ("BV3", "BV4", "BV8", "BV9", "BV10", "BV14", "BV82a", "BV109a", "BV184a")
PUBLISHED_YEARS = 6  # financial years of published figures, up to the last one ended
SUPPRESSED_SHARE = 0.04


def code_of(name: str) -> str:
    return f"E99999{NEIGHBOURS.index(name) + 1:03d}"


def seed_benchmarks(*, council: Council, rng: random.Random, last_year: int) -> int:
    """Groups, metrics and values for the demo council; returns the rows written.
    ``last_year`` is the latest financial year that has ended (published figures lag)."""
    council.area_code = COUNCIL_CODE
    council.save(update_fields=["area_code"])
    groups = [
        ComparatorGroup(
            council=council, name=GROUP_NAME, kind="nearest_neighbours", model_year=year
        )
        for year in MODELS
    ]
    writing.write_instances(ComparatorGroup, groups, history=True)
    members = [
        ComparatorMember(group=group, area_code=code_of(name), area_name=name)
        for group in groups
        for name in MODELS[group.model_year]
    ]
    writing.write_instances(ComparatorMember, members, history=True)
    indicators = PerformanceIndicator.objects.filter(council=council, code__in=METRIC_CODES)
    metrics = [
        BenchmarkMetric(
            council=council,
            code=indicator.code,
            title=indicator.title,
            indicator=indicator,
            polarity=indicator.polarity,
            unit=indicator.unit,
            decimal_places=indicator.decimal_places,
        )
        for indicator in indicators.order_by("code")
    ]
    writing.write_instances(BenchmarkMetric, metrics, history=True)
    values = []
    years = range(last_year - PUBLISHED_YEARS + 1, last_year + 1)
    areas = [(COUNCIL_CODE, council.name), *((code_of(name), name) for name in NEIGHBOURS)]
    targets = {
        target.indicator_id: target.annual_value
        for target in Target.objects.filter(indicator__in=indicators).order_by("financial_year")
    }  # the latest year's target of each, around which the sector's figures lie
    for metric in metrics:
        centre = targets.get(metric.indicator_id, Decimal(60))
        step = max(Decimal("0.2"), centre * Decimal("0.03"))
        for index, year in enumerate(years):
            # The sector slowly improves; each council keeps its own level, give or take.
            drift = step * index / 2 * (1 if metric.polarity == "higher" else -1)
            for position, (code, name) in enumerate(areas):
                level = centre + drift + (position % 7 - 3) * step
                noise = Decimal(str(round(rng.gauss(0, float(step)), 3)))
                value = max(Decimal(0), min(Decimal(100), level + noise))
                suppressed = code != COUNCIL_CODE and rng.random() < SUPPRESSED_SHARE
                values.append(
                    BenchmarkValue(
                        metric=metric,
                        area_code=code,
                        area_name=name,
                        period=f"{year}-{(year + 1) % 100:02d}",
                        value=None if suppressed else round_half_up(value, metric.decimal_places),
                        note="suppressed" if suppressed else "",
                    )
                )
    writing.write_instances(BenchmarkValue, values, history=True)
    return len(groups) + len(members) + len(metrics) + len(values)
