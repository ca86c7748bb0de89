"""Year to date, RAG, direction of travel and the indicator table (DESIGN.md section 3),
worked by hand.

Every figure is rounded half-up to the indicator's decimal places before it is rated or
compared. Only returns submitted or later (submitted, approved, locked) count. Unless a
test moves the clock, today is Monday 3 November 2025 in London, when every deadline of
2025-26 P01 to P06 has passed (P06 ends 30 September; its deadline, 15 working days
later, is Tuesday 21 October 2025).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import KpiReturn, PerformanceIndicator, ReturnState
from departments.periods import Period
from departments.rating import Rag, year_to_date, year_to_date_target
from reporting.metrics.returns import (
    Direction,
    YearToDate,
    direction_of_travel,
    indicator_period_for,
    indicator_rows,
    rag_counts,
)
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

D = Decimal
P = Period.parse
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 3, 9, 0, tzinfo=LONDON)
SUBMITTED, APPROVED, LOCKED = ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.LOCKED
GREEN, AMBER, RED, NOT_RATED = Rag.GREEN, Rag.AMBER, Rag.RED, Rag.NOT_RATED


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def kpi(department, **fields) -> PerformanceIndicator:
    return IndicatorFactory(department=department, **fields)


def target(indicator, annual, tolerance="0", year=2025):
    return TargetFactory(
        indicator=indicator, financial_year=year, annual_value=D(annual), tolerance=D(tolerance)
    )


def give(indicator, key, value=None, state=SUBMITTED, **fields) -> KpiReturn:
    return KpiReturnFactory(
        indicator=indicator,
        period=key,
        value=None if value is None else D(value),
        state=state,
        **fields,
    )


def returns_of(indicator) -> dict[str, KpiReturn]:
    return {r.period: r for r in KpiReturn.objects.filter(indicator=indicator)}


def ytd(indicator, key, year=2025) -> YearToDate:
    annual = indicator.targets.filter(financial_year=year).first()
    return year_to_date(indicator, returns_of(indicator), P(key), target=annual)


def row(indicator, month):
    (only,) = indicator_rows(
        indicators=PerformanceIndicator.objects.filter(pk=indicator.pk), month=P(month)
    )
    return only


# --- sum ------------------------------------------------------------------------------


def test_sum_pro_rates_the_target_and_adds_the_values(housing):
    homes = kpi(housing, unit="count", year_to_date="sum", decimal_places=0)
    target(homes, 1200, tolerance=10)
    for key, value in [("2025-26-P01", 90), ("2025-26-P02", 105), ("2025-26-P03", 110)]:
        give(homes, key, value)

    # Period target 1200 ÷ 12 = 100. P03: 110 ≥ 100, green.
    p03 = row(homes, "2025-26-P03")
    assert (p03.period, p03.value, p03.period_target, p03.rag) == (
        P("2025-26-P03"),
        110,
        100,
        GREEN,
    )
    # P01: 90 < 100 but ≥ 100 − 10, amber.
    assert row(homes, "2025-26-P01").rag == AMBER
    # Year to date at P03: 90 + 105 + 110 = 305 against 1200 × 3 ÷ 12 = 300: green.
    assert p03.year_to_date == YearToDate(D(305), D(300), GREEN, False, 3, 3)
    # At P01: 90 against 1200 × 1 ÷ 12 = 100, within the tolerance of 10: amber.
    assert ytd(homes, "2025-26-P01") == YearToDate(D(90), D(100), AMBER, False, 1, 1)


def test_sum_target_is_pro_rated_from_the_annual_value_not_from_rounded_periods(housing):
    tonnes = kpi(housing, unit="kg", year_to_date="sum", decimal_places=1)
    annual = target(tonnes, 1000)
    # One period: 1000 ÷ 12 = 83.333… → 83.3. Three: 1000 × 3 ÷ 12 = 250.0, not 3 × 83.3.
    assert year_to_date_target(tonnes, annual, P("2025-26-P01")) == D("83.3")
    assert year_to_date_target(tonnes, annual, P("2025-26-P03")) == D("250.0")
    # Seven: 1000 × 7 ÷ 12 = 583.333… → 583.3.
    assert year_to_date_target(tonnes, annual, P("2025-26-P07")) == D("583.3")
    assert year_to_date_target(tonnes, None, P("2025-26-P07")) is None


# --- mean, latest, ratio --------------------------------------------------------------


def test_mean_is_the_mean_of_the_counted_values(housing):
    on_time = kpi(housing, year_to_date="mean")
    target(on_time, 90, tolerance=5)
    for key, value in [("2025-26-P01", "85.0"), ("2025-26-P02", "88.0"), ("2025-26-P03", "90.0")]:
        give(on_time, key, value, state=APPROVED)
    # (85.0 + 88.0 + 90.0) ÷ 3 = 87.666… → 87.7; target 90 (not pro-rated), 87.7 ≥ 85: amber.
    assert ytd(on_time, "2025-26-P03") == YearToDate(D("87.7"), D("90.0"), AMBER, False, 3, 3)
    # The period target of a mean indicator is the annual value.
    assert row(on_time, "2025-26-P03").period_target == D("90.0")


def test_latest_takes_the_latest_counted_return(housing):
    tenancies = kpi(housing, year_to_date="latest")
    target(tenancies, 68, tolerance=1)
    give(tenancies, "2025-26-P01", "60.0")
    give(tenancies, "2025-26-P02", "75.0", state=LOCKED)
    give(tenancies, "2025-26-P03", "66.0")
    # Latest 66.0 < 68 − 1 = 67: red (the mean, 67.0, would have been amber).
    assert ytd(tenancies, "2025-26-P03") == YearToDate(D("66.0"), D("68.0"), RED, False, 3, 3)

    KpiReturn.objects.filter(period="2025-26-P03").update(state=ReturnState.DRAFT)
    # P03 is only a draft: the latest counted value is P02's 75.0 ≥ 68, green, incomplete.
    assert ytd(tenancies, "2025-26-P03") == YearToDate(D("75.0"), D("68.0"), GREEN, True, 2, 3)


def test_ratio_divides_the_summed_numerator_by_the_summed_denominator(housing):
    rent = kpi(housing, unit="percent", year_to_date="ratio")
    target(rent, 85, tolerance=2)
    give(rent, "2025-26-P01", "90.0", numerator=D(45), denominator=D(50))
    give(rent, "2025-26-P02", "80.0", numerator=D(80), denominator=D(100))
    # 100 × (45 + 80) ÷ (50 + 100) = 100 × 125 ÷ 150 = 83.333… → 83.3; ≥ 85 − 2 = 83: amber.
    # The mean of 90.0 and 80.0 would be 85.0 and green: wrong when denominators differ.
    assert ytd(rent, "2025-26-P02") == YearToDate(D("83.3"), D("85.0"), AMBER, False, 2, 2)


def test_ratio_with_equal_denominators_matches_the_mean(housing):
    rent = kpi(housing, unit="percent", year_to_date="ratio")
    target(rent, 85)
    give(rent, "2025-26-P01", "90.0", numerator=D(45), denominator=D(50))
    give(rent, "2025-26-P02", "80.0", numerator=D(40), denominator=D(50))
    # 100 × 85 ÷ 100 = 85.0 ≥ 85: green.
    assert ytd(rent, "2025-26-P02").value == D("85.0")
    assert ytd(rent, "2025-26-P02").rag == GREEN


# --- incomplete ranges and drafts -----------------------------------------------------


def test_a_range_with_a_missing_return_is_incomplete_and_formed_from_what_exists(housing):
    homes = kpi(housing, unit="count", year_to_date="sum", decimal_places=0)
    target(homes, 1200, tolerance=10)
    give(homes, "2025-26-P01", 90)
    give(homes, "2025-26-P03", 110)  # no P02 return
    # 90 + 110 = 200 against 300: below 300 − 10 = 290, red, and flagged incomplete.
    assert ytd(homes, "2025-26-P03") == YearToDate(D(200), D(300), RED, True, 2, 3)


def test_nothing_counted_gives_no_figure(housing):
    homes = kpi(housing, unit="count", year_to_date="sum", decimal_places=0)
    target(homes, 1200)
    give(homes, "2025-26-P01", 90, state=ReturnState.DRAFT)
    assert ytd(homes, "2025-26-P02") == YearToDate(None, D(200), NOT_RATED, True, 0, 2)


def test_draft_and_sent_back_returns_do_not_count(housing):
    homes = kpi(housing, unit="count", year_to_date="sum", decimal_places=0)
    target(homes, 1200, tolerance=10)
    give(homes, "2025-26-P01", 90)
    give(homes, "2025-26-P02", 105, state=ReturnState.SENT_BACK)
    give(homes, "2025-26-P03", 110, state=ReturnState.DRAFT, commentary="Not checked yet")
    # Only P01 counts: 90 against 300, red, incomplete.
    assert ytd(homes, "2025-26-P03") == YearToDate(D(90), D(300), RED, True, 1, 3)
    p03 = row(homes, "2025-26-P03")
    # The draft is on the row, so the page can say so, but gives no value or rating;
    # its deadline (21 July 2025) has passed, so the period is missing.
    assert p03.kpi_return.state == ReturnState.DRAFT
    assert (p03.value, p03.rag, p03.missing) == (None, NOT_RATED, True)


# --- polarity and rounding ------------------------------------------------------------


def test_lower_is_better_mirrors_the_bands(housing):
    days = kpi(housing, unit="days", polarity="lower", year_to_date="mean")
    target(days, 10, tolerance=2)
    give(days, "2025-26-P01", "9.0")
    give(days, "2025-26-P02", "11.0")
    give(days, "2025-26-P03", "12.0")
    give(days, "2025-26-P04", "12.1")
    # 9.0 ≤ 10 green; 12.0 ≤ 10 + 2 amber; 12.1 > 12 red.
    assert [row(days, f"2025-26-P0{n}").rag for n in (1, 3, 4)] == [GREEN, AMBER, RED]
    # (9 + 11 + 12) ÷ 3 = 10.666… → 10.7 ≤ 12: amber.
    assert ytd(days, "2025-26-P03") == YearToDate(D("10.7"), D("10.0"), AMBER, False, 3, 3)


def test_half_up_rounding_at_the_boundary_decides_the_rating(housing):
    on_time = kpi(housing, year_to_date="mean", decimal_places=1)
    target(on_time, 90, tolerance=0)
    give(on_time, "2025-26-P01", "89.9")
    give(on_time, "2025-26-P02", "90.0")
    # (89.9 + 90.0) ÷ 2 = 89.95 → 90.0 (half-up) ≥ 90.0: green, though 89.95 < 90.
    assert ytd(on_time, "2025-26-P02") == YearToDate(D("90.0"), D("90.0"), GREEN, False, 2, 2)


@pytest.mark.parametrize(
    ("stored", "shown", "rag"),
    [("89.95", "90.0", GREEN), ("89.949", "89.9", RED), ("90.05", "90.1", GREEN)],
)
def test_a_period_value_is_rounded_half_up_before_it_is_rated(housing, stored, shown, rag):
    on_time = kpi(housing, decimal_places=1)
    target(on_time, 90, tolerance=0)
    give(on_time, "2025-26-P06", stored)  # stored beyond the places, as an import could
    p06 = row(on_time, "2025-26-P06")
    assert (p06.value, p06.rag) == (D(shown), rag)


# --- direction of travel --------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "current", "previous", "expected"),
    [
        ("higher", "91.0", "90.0", Direction.IMPROVED),
        ("higher", "89.0", "90.0", Direction.WORSE),
        ("higher", "90.0", "90.0", Direction.UNCHANGED),
        # 90.04 → 90.0 and 89.96 → 90.0: equal once rounded, so unchanged.
        ("higher", "90.04", "89.96", Direction.UNCHANGED),
        # 90.05 → 90.1 (half-up) against 90.0: improved.
        ("higher", "90.05", "90.0", Direction.IMPROVED),
        ("lower", "9.0", "10.0", Direction.IMPROVED),
        ("lower", "11.0", "10.0", Direction.WORSE),
        ("higher", None, "90.0", Direction.NO_COMPARISON),
        ("higher", "90.0", None, Direction.NO_COMPARISON),
    ],
)
def test_direction_of_travel(housing, polarity, current, previous, expected):
    indicator = kpi(housing, polarity=polarity, decimal_places=1)
    as_decimal = [None if v is None else D(v) for v in (current, previous)]
    assert direction_of_travel(indicator, *as_decimal) == expected


def test_rows_compare_the_period_and_the_year_to_date_with_a_year_earlier(housing):
    homes = kpi(housing, unit="count", year_to_date="sum", decimal_places=0)
    target(homes, 1200)
    for key, value in [("2024-25-P01", 100), ("2024-25-P02", 100)]:
        give(homes, key, value)
    for key, value in [("2025-26-P01", 90), ("2025-26-P02", 120)]:
        give(homes, key, value)
    p02 = row(homes, "2025-26-P02")
    # Period: 120 against 100 a year earlier, improved. Year to date: 90 + 120 = 210
    # against 100 + 100 = 200, improved.
    assert (p02.previous_value, p02.direction) == (D(100), Direction.IMPROVED)
    assert (p02.previous_year_to_date, p02.year_to_date_direction) == (200, Direction.IMPROVED)
    # P01: 90 against 100, worse; year to date 90 against 100, worse.
    p01 = row(homes, "2025-26-P01")
    assert (p01.direction, p01.year_to_date_direction) == (Direction.WORSE, Direction.WORSE)
    # P03 has no return this year or last: no comparison either way.
    p03 = row(homes, "2025-26-P03")
    assert p03.direction == Direction.NO_COMPARISON
    # Year to date P01-P03 is 210 now against 200 last year, both incomplete.
    assert p03.year_to_date_direction == Direction.IMPROVED


# --- quarterly and annual indicators seen from a month ------------------------------------


@pytest.mark.parametrize(
    ("frequency", "month", "expected"),
    [
        ("quarterly", "2025-26-P06", "2025-26-Q2"),  # September closes Q2
        ("quarterly", "2025-26-P07", "2025-26-Q2"),  # Q3 is still running in October
        ("quarterly", "2025-26-P04", "2025-26-Q1"),
        ("quarterly", "2025-26-P03", "2025-26-Q1"),
        ("quarterly", "2025-26-P12", "2025-26-Q4"),
        ("quarterly", "2025-26-P02", None),  # no quarter of 2025-26 has ended in May
        ("annual", "2025-26-P12", "2025-26"),
        ("annual", "2025-26-P11", None),
        ("monthly", "2025-26-P06", "2025-26-P06"),
    ],
)
def test_indicator_period_for_a_month(housing, frequency, month, expected):
    indicator = kpi(housing, frequency=frequency)
    found = indicator_period_for(indicator, P(month))
    assert found == (None if expected is None else P(expected))


def test_a_quarterly_indicator_is_read_in_quarters(housing):
    visits = kpi(housing, unit="count", frequency="quarterly", year_to_date="sum", decimal_places=0)
    target(visits, 400, tolerance=0)
    give(visits, "2025-26-Q1", 80)
    give(visits, "2025-26-Q2", 110)
    p07 = row(visits, "2025-26-P07")
    # October shows Q2: period target 400 ÷ 4 = 100, 110 ≥ 100 green; year to date
    # 80 + 110 = 190 against 400 × 2 ÷ 4 = 200, below with no tolerance: red.
    assert (p07.period, p07.value, p07.period_target, p07.rag) == (P("2025-26-Q2"), 110, 100, GREEN)
    assert p07.year_to_date == YearToDate(D(190), D(200), RED, False, 2, 2)
    # The sparkline runs over the 12 quarters up to Q2 2025-26.
    assert [p.key for p, _ in p07.series][::11] == ["2022-23-Q3", "2025-26-Q2"]
    assert p07.series[-2:] == [(P("2025-26-Q1"), D(80)), (P("2025-26-Q2"), D(110))]


def test_a_quarterly_indicator_before_its_first_quarter_ends_has_no_period(housing):
    visits = kpi(housing, frequency="quarterly", year_to_date="sum")
    target(visits, 400)
    give(visits, "2024-25-Q4", 95)
    may = row(visits, "2025-26-P02")
    assert (may.period, may.value, may.rag, may.missing, may.year_to_date) == (
        None,
        None,
        NOT_RATED,
        False,
        None,
    )
    # The sparkline still shows the latest quarters, ending with last year's Q4.
    assert may.series[-1] == (P("2024-25-Q4"), D("95.0"))


# --- sparkline ------------------------------------------------------------------------


def test_series_holds_the_last_twelve_counted_values(housing):
    on_time = kpi(housing)
    give(on_time, "2024-25-P03", "50.0")  # outside the window
    give(on_time, "2024-25-P04", "70.0")
    give(on_time, "2024-25-P12", "80.0", state=ReturnState.DRAFT)
    give(on_time, "2025-26-P03", "85.0")
    series = row(on_time, "2025-26-P03").series
    # April 2025 back 12 months: 2024-25 P04 … 2025-26 P03, oldest first.
    assert [p.key for p, _ in series] == [f"2024-25-P{n:02d}" for n in range(4, 13)] + [
        "2025-26-P01",
        "2025-26-P02",
        "2025-26-P03",
    ]
    values = dict(series)
    assert values[P("2024-25-P04")] == D("70.0")
    assert values[P("2024-25-P12")] is None  # a draft does not count
    assert values[P("2025-26-P03")] == D("85.0")


# --- missing, commentary --------------------------------------------------------------


def test_missing_only_once_the_deadline_has_passed_in_london(housing, clock):
    absent, draft, sent_back, submitted = (kpi(housing) for _ in range(4))
    for indicator in (absent, draft, sent_back, submitted):
        target(indicator, 90)
    give(draft, "2025-26-P06", "95.0", state=ReturnState.DRAFT)
    give(sent_back, "2025-26-P06", "95.0", state=ReturnState.SENT_BACK)
    give(submitted, "2025-26-P06", "95.0")
    queryset = PerformanceIndicator.objects.filter(department=housing)

    def missing():
        rows = indicator_rows(indicators=queryset, month=P("2025-26-P06"))
        return {r.indicator.pk: r.missing for r in rows}

    # The deadline is Tuesday 21 October 2025; 23:30 that evening in London is still on it.
    clock.move_to(datetime(2025, 10, 21, 23, 30, tzinfo=LONDON))
    assert not any(missing().values())
    # 00:30 on 22 October in London (still 21 October in UTC): past the deadline.
    clock.move_to(datetime(2025, 10, 22, 0, 30, tzinfo=LONDON))
    assert missing() == {absent.pk: True, draft.pk: True, sent_back.pk: True, submitted.pk: False}
    # A missing return is not rated: never silently green.
    (absent_row,) = indicator_rows(indicators=queryset.filter(pk=absent.pk), month=P("2025-26-P06"))
    assert (absent_row.rag, absent_row.value) == (NOT_RATED, None)


def test_commentary_and_improvement_action_are_shown_when_red(housing):
    red, green = kpi(housing), kpi(housing)
    for indicator in (red, green):
        target(indicator, 90, tolerance=5)
    words = {"commentary": "Staff vacancies", "improvement_action": "Agency cover from May"}
    give(red, "2025-26-P06", "80.0", **words)
    give(green, "2025-26-P06", "95.0", **words)
    red_row, green_row = row(red, "2025-26-P06"), row(green, "2025-26-P06")
    assert (red_row.rag, red_row.commentary, red_row.improvement_action) == (
        RED,
        "Staff vacancies",
        "Agency cover from May",
    )
    assert (green_row.rag, green_row.commentary, green_row.improvement_action) == (GREEN, "", "")


# --- RAG counts per department ---------------------------------------------------------


def test_rag_counts_per_department(housing, finance):
    # Housing: green 95 ≥ 90; amber 87 ≥ 85; red 80 < 85; missing (no return, deadline
    # passed); missing (draft); a quarterly indicator counted in Q2.
    for value in ("95.0", "87.0", "80.0"):
        indicator = kpi(housing)
        target(indicator, 90, tolerance=5)
        give(indicator, "2025-26-P06", value)
    target(kpi(housing), 90)
    drafted = kpi(housing)
    target(drafted, 90)
    give(drafted, "2025-26-P06", "99.0", state=ReturnState.DRAFT)
    quarterly = kpi(housing, frequency="quarterly")
    target(quarterly, 90)
    give(quarterly, "2025-26-Q2", "91.0")
    # Finance: one without a target (not rated), one green, one inactive (left out).
    give(kpi(finance), "2025-26-P06", "50.0")
    green = kpi(finance)
    target(green, 90)
    give(green, "2025-26-P06", "90.0")
    give(kpi(finance, is_active=False), "2025-26-P06", "10.0")

    counts = rag_counts(indicators=PerformanceIndicator.objects.all(), month=P("2025-26-P06"))
    assert counts == {
        housing.pk: Counter(green=2, amber=1, red=1, missing=2),
        finance.pk: Counter(green=1, not_rated=1),
    }
    # Every key is present, so a page can show zeros.
    assert set(counts[finance.pk]) == {"green", "amber", "red", "not_rated", "missing"}


def test_rag_counts_in_may_leave_out_quarters_not_yet_ended(housing):
    quarterly = kpi(housing, frequency="quarterly")
    target(quarterly, 90)
    counts = rag_counts(
        indicators=PerformanceIndicator.objects.filter(department=housing), month=P("2025-26-P02")
    )
    assert counts == {housing.pk: Counter()}


# --- query counts ---------------------------------------------------------------------


def _council_of(size: int, departments) -> None:
    """``size`` indicators of every kind and rule, each with targets and two years of
    returns in assorted states."""
    kinds = [
        ("monthly", "sum"),
        ("monthly", "ratio"),
        ("quarterly", "mean"),
        ("annual", "latest"),
        ("monthly", "latest"),
    ]
    states = [SUBMITTED, APPROVED, LOCKED, ReturnState.DRAFT]
    for n in range(size):
        frequency, rule = kinds[n % len(kinds)]
        indicator = kpi(departments[n % len(departments)], frequency=frequency, year_to_date=rule)
        target(indicator, 90, tolerance=5, year=2024)
        target(indicator, 90, tolerance=5, year=2025)
        period_kind = indicator.period_kind
        for year in (2024, 2025):
            for number in range(1, {"monthly": 7, "quarterly": 3, "annual": 2}[frequency]):
                key = Period(year, period_kind, number).key
                fields = {"numerator": D(n + 40), "denominator": D(50)} if rule == "ratio" else {}
                give(indicator, key, "88.0", state=states[(n + number) % 4], **fields)


@pytest.mark.parametrize("reader", [indicator_rows, rag_counts])
def test_query_count_does_not_grow_with_the_indicators(housing, finance, reader):
    def queries_for(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = reader(indicators=PerformanceIndicator.objects.all(), month=P("2025-26-P12"))
        # Every indicator is there: a row each, or counted once in its department.
        if reader is indicator_rows:
            assert len(result) == size
        else:
            assert sum(sum(tally.values()) for tally in result.values()) == size
        return len(captured)

    _council_of(3, [housing, finance])
    small = queries_for(3)
    _council_of(12, [housing, finance])
    large = queries_for(15)
    # Indicators with their departments, returns, targets.
    assert small == large == 3
