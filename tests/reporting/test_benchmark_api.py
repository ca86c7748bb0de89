"""``metrics/indicators/{id}/benchmark/`` and the comparator groups API on the real
Trafford files: every figure, the group in force switching between CIPFA models, the
missing neighbours named, and queries constant in the number of councils and periods."""

import statistics
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from departments.models import BenchmarkMetric, BenchmarkValue, ComparatorGroup
from tests.benchmark_files import TRAFFORD, neighbours, recycling_rates, set_up_trafford
from tests.factories import IndicatorFactory


@pytest.fixture
def trafford(council, housing):
    return set_up_trafford(council, housing)


def client_for(user) -> APIClient:
    """A client signed in as ``user`` read afresh, so no scope is cached between clients."""
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    return client


def get(user, url: str):
    return client_for(user).get(url)


def test_trafford_2021_22_against_its_2021_neighbours(trafford, alice):
    indicator, groups = trafford
    response = get(
        alice,
        f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/"
        f"?group={groups[2021].pk}&period=2021-22",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    figures = body["comparison"]
    rates = recycling_rates()
    values = [rates[(code, "2021/22")] for code in [*neighbours(2021), TRAFFORD]]
    lower, median, upper = statistics.quantiles(values, n=4, method="inclusive")
    assert (figures["lower_quartile"], figures["median"], figures["upper_quartile"]) == (
        str(lower),
        str(median),
        str(upper),
    )
    assert figures["council_value"] == "58.8"
    assert (figures["rank"], figures["rank_of"], figures["band"]) == (3, 16, "top")
    assert (figures["likeness"], figures["model_year"], figures["missing"]) == ("better", 2021, [])
    assert figures["mad"] == "8.15"
    # Gap 58.8 − 42.65 = 16.15 against 2020/21's 53.3 − 42.95 = 10.35 (2019 model):
    # further above the median, so improved.
    assert figures["gap_to_median"] == "16.15"
    assert figures["direction"] == "improved"
    assert figures["statement"].startswith("Trafford (58.8) is better than the median of")
    assert set(body["methods"]) == {"group", "quartiles", "rank", "band", "statement", "direction"}
    assert "QUARTILE.INC" in body["methods"]["quartiles"]
    assert [row["period"] for row in body["series"]][:2] == ["2010-11", "2011-12"]
    assert len(body["series"]) == 12


def test_the_group_in_force_switches_between_the_models(trafford, alice):
    """Asked for the 2021 group, 2019-20 and 2020-21 are compared with the 2019 model (in
    force then), whose Darlington and Telford and Wrekin have no figure in the file, and
    the years before 2019 with the earliest model, said as such."""
    indicator, groups = trafford
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={groups[2021].pk}"
    series = {row["period"]: row for row in get(alice, url).json()["series"]}
    assert series["2020-21"]["model_year"] == 2019
    assert series["2020-21"]["group"] == groups[2019].pk
    assert (series["2020-21"]["councils"], series["2020-21"]["reporting"]) == (16, 14)
    assert series["2020-21"]["missing"] == ["Darlington", "Telford and Wrekin"]
    assert "2 of 16 councils have no figure" in series["2020-21"]["statement"]
    assert (series["2021-22"]["model_year"], series["2021-22"]["reporting"]) == (2021, 16)
    assert series["2010-11"]["before_first_model"] is True
    assert series["2019-20"]["before_first_model"] is False
    rates = recycling_rates()
    reported = [
        rates[(code, "2020/21")]
        for code in [*neighbours(2019), TRAFFORD]
        if (code, "2020/21") in rates
    ]
    assert series["2020-21"]["median"] == str(statistics.median(reported))


def test_queries_do_not_grow_with_councils_or_periods(trafford, alice, council):
    """The whole file (16 councils, 12 years, two models) against a group of two
    councils with one year: the same number of queries."""
    indicator, groups = trafford
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={groups[2021].pk}"
    client = client_for(alice)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    small_group = ComparatorGroup.objects.create(
        council=council, name="Two", kind="other", model_year=2021
    )
    small_group.members.create(area_code="E08000002", area_name="Bury")
    other = IndicatorFactory(department=indicator.department, code="SMALL")
    metric = BenchmarkMetric.objects.create(
        council=council, code="SMALL", title="Small", polarity="lower", indicator=other
    )
    BenchmarkValue.objects.create(
        metric=metric, area_code=TRAFFORD, area_name="Trafford", period="2021-22", value=1
    )
    url = f"/api/v1/metrics/indicators/{other.pk}/benchmark/?group={small_group.pk}"
    client = client_for(alice)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    # Scope, indicator, metric, group, council, series, members, periods, values.
    assert len(large) == len(small) == 9


def test_a_period_is_asked_for_as_published_or_by_its_key(trafford, alice):
    """The files give 2021/22: the API answers for it as for 2021-22."""
    indicator, groups = trafford
    base = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={groups[2021].pk}"
    by_key = get(alice, base + "&period=2021-22").json()["comparison"]
    as_published = get(alice, base + "&period=2021/22").json()["comparison"]
    assert as_published == by_key
    assert (as_published["period"], as_published["council_value"]) == ("2021-22", "58.8")


def test_bad_parameters_are_named(trafford, alice):
    indicator, _ = trafford
    base = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/"
    assert get(alice, base + "?group=x").json() == {
        "group": ["Give a comparator group's id, a whole number."]
    }
    assert get(alice, base + "?group=999999").status_code == 400
    assert "period" in get(alice, base + "?period=2021").json()
    unmapped = IndicatorFactory(department=indicator.department, code="OTHER")
    answer = get(alice, f"/api/v1/metrics/indicators/{unmapped.pk}/benchmark/")
    assert answer.status_code == 404


def test_outside_scope_the_indicator_is_not_found(trafford, bob, pat):
    indicator, _ = trafford
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/"
    assert get(bob, url).status_code == 404
    assert get(pat, url).status_code == 404
    assert get(pat, "/api/v1/comparator-groups/").json()["count"] == 0


def test_comparator_groups_list_their_members(trafford, audrey):
    _, groups = trafford
    body = get(audrey, f"/api/v1/comparator-groups/{groups[2019].pk}/").json()
    assert (body["name"], body["kind"], body["model_year"]) == (
        "CIPFA nearest neighbours",
        "nearest_neighbours",
        2019,
    )
    assert {m["area_code"] for m in body["members"]} == set(neighbours(2019))
    assert Decimal(
        get(audrey, "/api/v1/benchmark-metrics/").json()["results"][0]["decimal_places"]
    ) == Decimal(1)


def test_a_goldilocks_statement_compares_distances_from_the_midpoint(council, housing, alice):
    """Nearest 1.0 is best: the council at 1.00 and neighbours 0.92, 1.05, 0.97, 1.12 and
    0.95 are 0, 0.08, 0.05, 0.03, 0.12 and 0.05 away; the median distance is 0.05 and the
    MAD 0.025, so the council is 2 MADs better, said by distance (the API, the pages and
    the packs all read the one statement of the series)."""
    council.area_code = "S12000000"
    council.save()
    indicator = IndicatorFactory(department=housing, code="CORP11", unit="rate")
    metric = BenchmarkMetric.objects.create(
        council=council,
        code="CORP11",
        title="Welfare fund spent",
        polarity="midpoint",
        midpoint=Decimal("1.0"),
        decimal_places=2,
        indicator=indicator,
    )
    group = ComparatorGroup.objects.create(
        council=council, name="Family", kind="family_group", model_year=2022
    )
    figures = ["1.00", "0.92", "1.05", "0.97", "1.12", "0.95"]
    for number, value in enumerate(figures):
        code = f"S1200000{number}"
        if number:
            group.members.create(area_code=code, area_name=f"Council {number}")
        BenchmarkValue.objects.create(
            metric=metric, area_code=code, area_name=code, period="2023-24", value=Decimal(value)
        )
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={group.pk}"
    statement = get(alice, url).json()["comparison"]["statement"]
    assert statement.startswith(
        f"{council.name} (1.00) is 0.00 from the midpoint 1.00; the median distance of Family "
        f"under the 2022 model is 0.05, so {council.name} is better than the median, 2.00 median"
    )


def test_a_value_of_the_earliest_year_a_key_holds_does_not_break_the_comparison(trafford, alice):
    """A value stored for 1000-01 (imports now refuse it; older data may hold one) has
    no year before it: no direction of travel, and the endpoint still answers."""
    indicator, groups = trafford
    BenchmarkValue.objects.create(
        metric=BenchmarkMetric.objects.get(indicator=indicator),
        area_code=TRAFFORD,
        area_name="Trafford",
        period="1000-01",
        value=Decimal("10"),
    )
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={groups[2021].pk}"
    response = get(alice, url)
    assert response.status_code == 200
    oldest = response.json()["series"][0]
    assert (oldest["period"], oldest["direction"]) == ("1000-01", "no_comparison")


def test_a_metric_names_its_indicator_only_to_those_who_see_it(trafford, alice, bob, sam):
    """Recycling is compared for a Housing indicator: Housing's officer and the SMT see
    its id; Finance's officer sees the metric (council-wide) but not the indicator."""
    indicator, _ = trafford
    for user, expected in ((alice, indicator.pk), (sam, indicator.pk), (bob, None)):
        rows = get(user, "/api/v1/benchmark-metrics/").json()["results"]
        assert [row["indicator"] for row in rows] == [expected], user.username
        metric_id = rows[0]["id"]
        one = get(user, f"/api/v1/benchmark-metrics/{metric_id}/").json()
        assert one["indicator"] == expected, user.username


def test_a_council_without_its_area_code_is_told_so(trafford, alice, council):
    """Without the council's ONS area code its own published figure cannot be found:
    the statement says the code is not set rather than that there is no figure."""
    indicator, groups = trafford
    council.area_code = ""
    council.save()
    url = f"/api/v1/metrics/indicators/{indicator.pk}/benchmark/?group={groups[2021].pk}"
    figures = get(alice, url).json()["comparison"]
    assert figures["council_value"] is None
    assert figures["statement"].startswith(
        f"{council.name} has no ONS area code set, so its own figure cannot be found; the median of"
    )


def test_a_metrics_unit_is_given_or_null_when_not_stated(trafford, alice, council):
    from departments.models import BenchmarkMetric

    BenchmarkMetric.objects.create(council=council, code="ANY", title="Unstated", polarity="higher")
    BenchmarkMetric.objects.create(
        council=council, code="PCT", title="Share", polarity="higher", unit="percent"
    )
    body = get(alice, "/api/v1/benchmark-metrics/").json()
    units = {row["code"]: row["unit"] for row in body["results"]}
    assert (units["ANY"], units["PCT"]) == (None, "percent")
