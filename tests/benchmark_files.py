"""The real public benchmarking files (``shared/data/real``), copied into the repository
(``tests/data/benchmarking``, with their SOURCES.md) so the tests that read them run in
any checkout, and small readers that turn them into plain values for the tests.

The readers are written for the tests alone, from the files' own columns, so an
expected figure never comes from the code under test.
"""

import csv
from decimal import Decimal
from pathlib import Path

BENCHMARK_FILES = Path(__file__).resolve().parent / "data" / "benchmarking"
TRAFFORD = "E08000009"
ENGLAND = "E92000001"


def rows(name: str) -> list[dict[str, str]]:
    """The rows of one of the files, as dicts of column to text."""
    with open(BENCHMARK_FILES / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def recycling_rates() -> dict[tuple[str, str], Decimal]:
    """Household recycling rates by (area code, period as published, e.g. 2010/11)."""
    return {
        (row["area_code"], row["period"]): Decimal(row["value"])
        for row in rows("trafford_cipfa_household_recycling_pct.csv")
    }


def neighbours(model_year: int) -> dict[str, str]:
    """Trafford's CIPFA nearest neighbours of one model: area code to name."""
    return {
        row["area_code"]: row["area_name"] for row in rows(f"trafford_cipfa_nn_{model_year}.csv")
    }


RECYCLING = "Household waste sent for reuse, recycling or composting"


def set_up_trafford(council, department):
    """The council as Trafford, with its CIPFA groups of 2019 and 2021, an indicator of
    ``department`` mapped to the recycling metric, and every published rate. Returns
    (indicator, {model year: group})."""
    from departments.models import BenchmarkMetric, BenchmarkValue, ComparatorGroup
    from tests.factories import IndicatorFactory

    council.name, council.area_code = "Trafford", TRAFFORD
    council.save()
    groups = {}
    for year in (2019, 2021):
        group = ComparatorGroup.objects.create(
            council=council, name="CIPFA nearest neighbours", kind="nearest_neighbours",
            model_year=year,
        )  # fmt: skip
        for code, name in neighbours(year).items():
            group.members.create(area_code=code, area_name=name)
        groups[year] = group
    indicator = IndicatorFactory(department=department, code="NI192", unit="percent")
    metric = BenchmarkMetric.objects.create(
        council=council, code="NI192", title=RECYCLING, polarity="higher", indicator=indicator
    )
    names = {**neighbours(2021), TRAFFORD: "Trafford", ENGLAND: "England"}
    BenchmarkValue.objects.bulk_create(
        BenchmarkValue(
            metric=metric,
            area_code=code,
            area_name=names[code],
            period=period.replace("/", "-"),
            value=value,
        )
        for (code, period), value in recycling_rates().items()
    )
    return indicator, groups
