"""Benchmarking on the pages: the indicator page's comparison section and the
benchmarking page, on the real Trafford files."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import BenchmarkMetric, BenchmarkValue, ComparatorGroup
from tests.benchmark_files import TRAFFORD, set_up_trafford
from tests.factories import IndicatorFactory

PERIOD = "2025-26-P06"


@pytest.fixture
def trafford(council, housing):
    return set_up_trafford(council, housing)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_indicator_page_compares_the_council_with_its_group(client, alice, trafford):
    indicator, groups = trafford
    client.force_login(alice)
    response = client.get(f"/indicators/{indicator.pk}/?period={PERIOD}&group={groups[2021].pk}")
    assert response.status_code == 200
    text = _text(response)
    assert "Compared with other councils" in text
    assert (
        "Trafford (58.8) is better than the median of CIPFA nearest neighbours under the "
        "2021 model (42.7), 1.98 median absolute deviations away. It ranks 3 of 16 (top quartile)."
    ) in text
    assert "Direction of travel against the group median Improved" in text
    spread = json.loads(
        re.search(
            r'id="benchmark-spread-data">(.*?)</script>', response.content.decode(), re.S
        ).group(1)
    )
    council_line = next(trace for trace in spread["data"] if trace["name"] == "Trafford")
    assert council_line["y"][0] == 40.8 and council_line["y"][-1] == 58.8
    # The data table gives every year, with the rank and the band.
    assert "2021/22 58.8 37.2 42.7 54.8 3 of 16 Top quartile 16 of 16 Improved" in text
    # 2020/21 was compared with the 2019 model: two of its neighbours have no figure.
    assert "2020/21 53.3" in text and "14 of 16" in text
    assert "QUARTILE.INC" in text


def test_an_unknown_group_is_said_and_the_first_shown(client, alice, trafford):
    indicator, _ = trafford
    client.force_login(alice)
    text = _text(client.get(f"/indicators/{indicator.pk}/?period={PERIOD}&group=99999"))
    assert "There is no comparator group 99999. Showing CIPFA nearest neighbours" in text


def test_an_indicator_without_a_metric_has_no_section(client, alice, housing, trafford):
    other = IndicatorFactory(department=housing, code="LPI-HOU-09")
    client.force_login(alice)
    assert "Compared with other councils" not in _text(
        client.get(f"/indicators/{other.pk}/?period={PERIOD}")
    )


def test_the_benchmarking_page_lists_indicators_by_quartile_band(client, sam, trafford):
    _, groups = trafford
    client.force_login(sam)
    response = client.get(f"/benchmarking/?group={groups[2021].pk}")
    assert response.status_code == 200
    text = _text(response)
    top = text.index("Top quartile (1)")
    assert text.index("NI192", top) < text.index("Second quartile (0)")
    assert "2021/22 58.8 42.7 3 of 16 Improved" in text


def test_the_partners_manager_is_refused_the_benchmarking_page(client, pat, trafford):
    client.force_login(pat)
    assert client.get("/benchmarking/").status_code == 403


def test_the_benchmarking_page_makes_the_same_queries_for_any_number_of_councils_and_years(
    client, alice, bob, council, finance, trafford
):
    """Housing's officer sees the Trafford file's metric (16 councils, 12 years); Finance's
    sees a metric of one council and one year: the same number of queries."""
    _, groups = trafford
    small = IndicatorFactory(department=finance, code="SMALL")
    metric = BenchmarkMetric.objects.create(
        council=council, code="SMALL", title="Small", polarity="lower", indicator=small
    )
    BenchmarkValue.objects.create(
        metric=metric, area_code=TRAFFORD, area_name="Trafford", period="2021-22", value=1
    )
    counts = []
    for person, code in ((alice, "NI192"), (bob, "SMALL")):
        client.force_login(person)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/benchmarking/?group={groups[2021].pk}")
        assert code in _text(response)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert ComparatorGroup.objects.count() == 2


def test_the_benchmarking_page_makes_the_same_queries_for_one_metric_or_several(
    client, sam, council, housing, trafford
):
    """The SMT sees every metric: one (the Trafford file's) or four, the same number of
    queries (the metrics' series, periods and values are read for all of them at once)."""
    _, groups = trafford
    url = f"/benchmarking/?group={groups[2021].pk}"
    client.force_login(sam)
    with CaptureQueriesContext(connection) as one:
        assert "NI192" in _text(client.get(url))
    for n in range(3):
        indicator = IndicatorFactory(department=housing, code=f"MORE{n}")
        metric = BenchmarkMetric.objects.create(
            council=council,
            code=f"MORE{n}",
            title=f"More {n}",
            polarity="higher",
            indicator=indicator,
        )
        BenchmarkValue.objects.create(
            metric=metric, area_code=TRAFFORD, area_name="Trafford", period="2021-22", value=n
        )
    with CaptureQueriesContext(connection) as four:
        page = _text(client.get(url))
    assert all(f"MORE{n}" in page for n in range(3))
    assert len(four) == len(one)
