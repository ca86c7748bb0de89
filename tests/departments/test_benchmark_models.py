"""Comparator groups and benchmark values: what always holds, and their audit trail."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
)
from tests.constraints import refused


def test_a_midpoint_goes_with_its_polarity_only(council):
    with pytest.raises(ValidationError) as raised:
        BenchmarkMetric(council=council, code="CORP11", title="t", polarity="midpoint").full_clean()
    assert "midpoint" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        BenchmarkMetric(
            council=council, code="X", title="t", polarity="higher", midpoint=Decimal(1)
        ).full_clean()
    assert "midpoint" in raised.value.message_dict
    refused(
        lambda: BenchmarkMetric.objects.create(
            council=council, code="Y", title="t", polarity="midpoint"
        ),
        "benchmark_metric_midpoint_with_its_polarity",
    )


def test_a_missing_value_is_stored_as_missing_and_one_per_area_and_period(council):
    metric = BenchmarkMetric.objects.create(
        council=council, code="NI192", title="Recycling", polarity="higher"
    )
    BenchmarkValue.objects.create(
        metric=metric, area_code="E1", area_name="A", period="2021-22", note="suppressed"
    )
    assert BenchmarkValue.objects.get().value is None
    refused(
        lambda: BenchmarkValue.objects.create(
            metric=metric, area_code="E1", area_name="A", period="2021-22", value=Decimal(3)
        ),
        "benchmark_value_one_per_area",
    )


def test_groups_keep_their_history_and_members_are_unique(council):
    group = ComparatorGroup.objects.create(
        council=council, name="CIPFA nearest neighbours", kind="nearest_neighbours", model_year=2019
    )
    group.model_year = 2021
    group.save()
    assert [h.model_year for h in group.history.order_by("history_date")] == [2019, 2021]
    ComparatorMember.objects.create(group=group, area_code="E06000030", area_name="Swindon")
    refused(
        lambda: ComparatorMember.objects.create(
            group=group, area_code="E06000030", area_name="Swindon"
        ),
        "comparator_member_once_per_group",
    )


def test_only_those_who_see_departments_see_benchmarking(council, alice, pat, audrey):
    ComparatorGroup.objects.create(
        council=council, name="Family group 1", kind="family_group", model_year=2022
    )
    assert ComparatorGroup.objects.visible_to(alice).count() == 1
    assert ComparatorGroup.objects.visible_to(audrey).count() == 1
    assert ComparatorGroup.objects.visible_to(pat).count() == 0


def test_an_area_code_is_a_letter_and_eight_digits(council):
    group = ComparatorGroup.objects.create(
        council=council, name="Neighbours", kind="nearest_neighbours", model_year=2021
    )
    ComparatorMember(group=group, area_code="E08000009", area_name="Trafford").full_clean()
    with pytest.raises(ValidationError) as raised:
        ComparatorMember(group=group, area_code="E0800009", area_name="Trafford").full_clean()
    assert "area_code" in raised.value.message_dict
    council.area_code = "trafford"
    with pytest.raises(ValidationError) as raised:
        council.full_clean()
    assert "area_code" in raised.value.message_dict
