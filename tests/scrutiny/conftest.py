"""A small council for scrutiny: Housing's indicator with a locked, signed-off September
2025 (P06) and an October 2025 (P07) whose return is submitted but not yet approved,
seen on 20 November 2025 (London)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import ReturnState
from departments.returns.sign_off import sign_off_period
from scrutiny.models import ScrutinyCommittee
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

NOW = datetime(2025, 11, 20, 12, tzinfo=ZoneInfo("Europe/London"))
SIGNED = "2025-26-P06"
UNSIGNED = "2025-26-P07"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def indicator(housing):
    indicator = IndicatorFactory(department=housing, code="LPI-HOU-03", title="Homes re-let")
    TargetFactory(indicator=indicator, financial_year=2025, annual_value=Decimal("90"))
    return indicator


@pytest.fixture
def signed_council(at_now, indicator, sam, alice):
    """P06 approved then signed off council-wide (so locked, value 91.5); P07 submitted
    with 66.6, counted on the officers' pages but a figure no member may see."""
    KpiReturnFactory(
        indicator=indicator,
        period=SIGNED,
        value=Decimal("91.5"),
        state=ReturnState.APPROVED,
        created_by=alice,
    )
    KpiReturnFactory(
        indicator=indicator,
        period=UNSIGNED,
        value=Decimal("66.6"),
        state=ReturnState.SUBMITTED,
        created_by=alice,
    )
    sign_off_period(period_key=SIGNED, actor=sam)
    return indicator


@pytest.fixture
def committee(mo):
    """The one committee mo sits on: their questions are for it unless they say otherwise."""
    committee = ScrutinyCommittee.objects.create(name="Overview and Scrutiny")
    committee.members.add(mo)
    return committee
