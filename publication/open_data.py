"""Open data: every public figure as rows, for the CSV and JSON files (whole council and
per indicator) and the public API. The rows come from the portal (``cached_portal``), so
the files hold exactly what the pages show.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.tabular import csv_bytes
from publication.selectors import PublicFigure, PublicIndicator

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

COLUMNS = [
    "indicator_code",
    "title",
    "theme",
    "department",
    "period",
    "period_in_words",
    "value",
    "target",
    "unit",
    "rating",
    "direction_of_travel",
    "commentary",
    "signed_off_on",
    "licence",
]


def figure_record(indicator: PublicIndicator, figure: PublicFigure) -> dict[str, object]:
    """One public figure as a row of the open data (typed: Decimal, date), in ``COLUMNS``
    order."""
    return {
        "indicator_code": indicator.code,
        "title": indicator.title,
        "theme": indicator.theme_label,
        "department": indicator.department,
        "period": figure.period.key,
        "period_in_words": figure.period.in_words,
        "value": figure.value,
        "target": figure.target,
        "unit": indicator.unit_label,
        "rating": figure.rag_words,
        "direction_of_travel": figure.direction_words,
        "commentary": figure.commentary,
        "signed_off_on": figure.signed_off_on,
        "licence": LICENCE,
    }


def records(indicators: Iterable[PublicIndicator]) -> list[dict[str, object]]:
    return [figure_record(i, f) for i in indicators for f in i.figures]


def csv_file(indicators: Iterable[PublicIndicator]) -> bytes:
    """The figures as CSV through the project's one CSV writer (``core.tabular.csv_bytes``),
    which neutralises cells a spreadsheet would run as formulas."""
    return csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in records(indicators)))


def _json_value(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    return str(value)  # Decimals as exact strings, dates as ISO 8601


def json_document(indicators: Iterable[PublicIndicator], *, dataset: str, url: str) -> dict:
    """The figures as a JSON document that names its licence and its own stable URL."""
    return {
        "dataset": dataset,
        "url": url,
        "licence": {"name": LICENCE, "url": LICENCE_URL},
        "figures": [
            {key: _json_value(value) for key, value in row.items() if key != "licence"}
            for row in records(indicators)
        ],
    }
