"""The Best Value annual report compares statutory indicators with other councils where
figures are published: the statement in the PDF and the figures in the workbook."""

import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from departments.models import BenchmarkMetric, BenchmarkValue, ComparatorGroup
from departments.periods import Period
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.packs.annual import BestValueAnnualReport
from tests.factories import IndicatorFactory
from tests.pdf_text import pdf_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(council, housing):
    """Figures 50, 55 and 70 for three neighbours and 60 for the council in 2024-25:
    sorted 50 55 60 70, median 57.5, quartiles at positions 0.75 and 2.25: 53.75 and
    62.5; distances 7.5 2.5 2.5 12.5, MAD 5; the council 2.5 above, exactly 0.5 MAD:
    broadly similar, second of four, in the second quartile."""
    council.area_code = "E99999000"
    council.save()
    indicator = IndicatorFactory(
        department=housing, code="BV-82", statutory=True, frequency="annual", unit="percent"
    )
    metric = BenchmarkMetric.objects.create(
        council=council, code="NI192", title="Recycling", polarity="higher", indicator=indicator
    )
    group = ComparatorGroup.objects.create(
        council=council, name="Neighbours", kind="nearest_neighbours", model_year=2024
    )
    figures = {"E99999001": "50", "E99999002": "55", "E99999003": "70", "E99999000": "60"}
    for code, value in figures.items():
        if code != "E99999000":
            group.members.create(area_code=code, area_name=f"Council {code[-1]}")
        BenchmarkValue.objects.create(
            metric=metric, area_code=code, area_name=code, period="2024-25", value=Decimal(value)
        )
    return indicator


def test_the_annual_report_says_how_the_council_compares(published, audrey):
    report = BestValueAnnualReport(user=audrey, parameters=ReportParameters(year=2024))
    with time_machine.travel("2025-11-28 12:00", tick=False):
        pdf = report.build("pdf")[2]
        workbook = load_workbook(io.BytesIO(report.build("xlsx")[2]))
    text = pdf_words(pdf)
    assert "Compared with other councils" in text
    assert (
        "Borsetshire County Council (60.0) is broadly similar to the median of Neighbours "
        "under the 2024 model (57.5), 0.50 median absolute deviations away. It ranks 2 of 4 "
        "(second quartile)."
    ) in text
    rows = list(workbook["Compared with others"].iter_rows(values_only=True))
    assert rows[1][:11] == (
        "BV-82", "NI192", "Neighbours", 2024, 60, 53.75, 57.5, 62.5, 2, 4, "Second quartile",
    )  # fmt: skip


def test_a_year_not_yet_published_is_said(published, audrey):
    report = BestValueAnnualReport(user=audrey, parameters=ReportParameters(year=2025))
    with time_machine.travel("2026-11-28 12:00", tick=False):
        workbook = load_workbook(io.BytesIO(report.build("xlsx")[2]))
    rows = list(workbook["Compared with others"].iter_rows(values_only=True))
    assert rows[1][0] == "BV-82"
    assert rows[1][-1] == "No figures published for the year yet."


def test_the_monthly_pack_gives_the_latest_published_comparison(published, sam):
    from reporting.reports.packs.monthly_files import MonthlyPackReport
    from tests.reporting.report_data import MONTH

    pack = MonthlyPackReport(user=sam, parameters=ReportParameters(month=MONTH))
    with time_machine.travel("2025-11-28 12:00", tick=False):
        pdf = pack.build("pdf")[2]
    text = pdf_words(pdf)
    chapter = text.split("Compared with other councils")[-1]
    assert (
        "BV-82 2024/25 2 of 4 Second quartile Borsetshire County Council (60.0) is broadly"
        in chapter
    )


def test_the_monthly_pack_gives_the_latest_year_ended_by_its_month(published, sam):
    """Figures for 2025-26 are stored too, but a pack for September 2025 is of a month
    before that year ended: it gives 2024-25, as it would have been then."""
    from reporting.reports.packs.monthly import monthly_pack
    from tests.reporting.report_data import MONTH

    metric = BenchmarkMetric.objects.get()
    for code in ("E99999000", "E99999001", "E99999002", "E99999003"):
        BenchmarkValue.objects.create(
            metric=metric, area_code=code, area_name=code, period="2025-26", value=Decimal(80)
        )
    pack = monthly_pack(user=sam, parameters=ReportParameters(month=MONTH))
    assert [row.item.period.key for row in pack.benchmarks] == ["2024-25"]
    later = monthly_pack(user=sam, parameters=ReportParameters(month=Period.parse("2025-26-P12")))
    assert [row.item.period.key for row in later.benchmarks] == ["2025-26"]
