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
