"""The demo council's benchmarking data: two models of invented nearest neighbours and
published figures for some statutory indicators, read through the comparison figures."""

from datetime import date

import pytest

from demo.benchmarks import COUNCIL_CODE, METRIC_CODES, PUBLISHED_YEARS
from departments.models import BenchmarkMetric, BenchmarkValue, ComparatorGroup, Council
from reporting.metrics.benchmark_series import benchmark_series
from tests.demo_council import demo_council
from tests.shared_rows import shared_rows

TODAY = date(2026, 11, 28)  # the last financial year ended: 2025-26

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, "demo"):
        with django_db_blocker.unblock():
            report = demo_council(seed=2025, today=TODAY)
        yield report


def test_the_demo_council_has_two_models_of_neighbours(demo):
    council = Council.objects.get()
    assert council.area_code == COUNCIL_CODE
    old, new = ComparatorGroup.objects.order_by("model_year")
    assert (old.model_year, new.model_year) == (2021, 2024)
    old_codes = set(old.members.values_list("area_code", flat=True))
    new_codes = set(new.members.values_list("area_code", flat=True))
    assert (len(old_codes), len(new_codes), len(old_codes ^ new_codes)) == (15, 15, 4)


def test_statutory_indicators_have_published_figures_each_year(demo):
    metrics = BenchmarkMetric.objects.select_related("indicator")
    assert sorted(m.code for m in metrics) == sorted(METRIC_CODES)
    assert all(m.indicator.statutory and m.indicator.code == m.code for m in metrics)
    periods = set(BenchmarkValue.objects.values_list("period", flat=True))
    assert periods == {f"{y}-{(y + 1) % 100:02d}" for y in range(2020, 2026)}
    assert len(periods) == PUBLISHED_YEARS
    # Some peers' figures are suppressed: missing, never zero; the council's never are.
    suppressed = BenchmarkValue.objects.filter(value__isnull=True)
    assert suppressed.exists()
    assert set(suppressed.values_list("note", flat=True)) == {"suppressed"}
    assert not suppressed.filter(area_code=COUNCIL_CODE).exists()


def test_each_year_is_compared_with_the_model_in_force(demo):
    council = Council.objects.get()
    metric = BenchmarkMetric.objects.get(code="BV3")
    newest = ComparatorGroup.objects.get(model_year=2024)
    figures = benchmark_series(metric=metric, group=newest, council=council)
    years = {item.period.key: item.group.model_year for item in figures.periods}
    assert years == {
        "2020-21": 2021,  # before the first model: its earliest, said as such
        "2021-22": 2021,
        "2022-23": 2021,
        "2023-24": 2021,
        "2024-25": 2024,
        "2025-26": 2024,
    }
    assert figures.periods[0].before_first_model is True
    latest = figures.latest.comparison
    assert latest.councils == 16 and latest.rank is not None
    assert figures.latest.statement.startswith(f"{council.name} (")
