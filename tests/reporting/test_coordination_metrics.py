"""Coordination metrics and the coordination index (DESIGN.md section 3), worked by hand.

The council has four departments, so reach = counterparts ÷ (4 − 1) = counterparts ÷ 3:
Housing (H), Finance (F), Adult Social Care (A) and Planning (P). Planning has no
referrals at all. The partner service "case-management" is the only digital channel;
email, phone and paper are not.

September 2025 (2025-26-P06) holds eight referrals; ``today`` is always passed, so
nothing depends on the real date. With today = 10 October 2025:

    name  from → to  raised  agreed  due      resolved  days  channel   outcome
    r1    F → H      1 Sep   5       6 Sep    6 Sep     5     service   on time (on the due date)
    r2    A → H      2 Sep   3       5 Sep    6 Sep     4     email     late (one day after)
    r3    F → H      3 Sep   10      13 Sep   6 Sep     3     phone     on time
    r4    F → H      25 Sep  30      25 Oct   –         –     service   pending (due later)
    r5    A → H      2 Sep   5       7 Sep    –         –     paper     late (open past due)
    r6    H → A      28 Sep  20      18 Oct   –         –     service   pending (due later)
    s1    H → F      10 Sep  5       15 Sep   16 Sep    6     service   late
    s2    H → F      11 Sep  7       18 Sep   14 Sep    3     service   on time

and one referral in August (2025-26-P05), which must not count in September:

    a1    H → F      31 Aug  5       5 Sep    2 Sep     2     service   on time

Every figure in the tests below is worked out by hand in the comments. Components are
shares to one decimal place; the index is 100 × (0.5 × on time + 0.25 × digital +
0.25 × reach) rounded half-up to one decimal place (the same whether or not the
components are rounded first, for these examples).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Referral
from departments.periods import Period, periods_between
from departments.rating import Rag
from departments.referrals.summaries import record_referral_changes, tally
from reporting.metrics.coordination import (
    _median,
    coordination_by_department,
    council_coordination,
    department_matrix,
)
from reporting.metrics.scores import Component, rag_for_score, weighted_score
from tests.factories import DepartmentFactory, ReferralFactory, ServiceFactory

SEP = Period.parse("2025-26-P06")
AUG = Period.parse("2025-26-P05")
TODAY = date(2025, 10, 10)
D = Decimal


@dataclass
class WorkedExample:
    housing: object
    finance: object
    asc: object
    planning: object
    service: object
    refs: dict


def build_worked_example(council, housing, finance, partnership) -> WorkedExample:
    """The four departments and the nine referrals of the module docstring.

    Shared with the page and API tests (tests/departments/test_referrals.py).
    """
    asc = DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care")
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    service = ServiceFactory(
        partnership=partnership, code="case-management", name="Shared case-management system"
    )
    service.departments.add(housing, asc)

    def ref(source, target, raised, agreed, resolved=None, channel="email"):
        return ReferralFactory(
            from_department=source,
            to_department=target,
            raised_on=raised,
            agreed_days=agreed,
            resolved_on=resolved,
            acknowledged_on=resolved,
            channel=channel,
            service=service if channel == "service" else None,
        )

    h, f, a = housing, finance, asc
    refs = {
        "r1": ref(f, h, date(2025, 9, 1), 5, date(2025, 9, 6), "service"),
        "r2": ref(a, h, date(2025, 9, 2), 3, date(2025, 9, 6), "email"),
        "r3": ref(f, h, date(2025, 9, 3), 10, date(2025, 9, 6), "phone"),
        "r4": ref(f, h, date(2025, 9, 25), 30, None, "service"),
        "r5": ref(a, h, date(2025, 9, 2), 5, None, "paper"),
        "r6": ref(h, a, date(2025, 9, 28), 20, None, "service"),
        "s1": ref(h, f, date(2025, 9, 10), 5, date(2025, 9, 16), "service"),
        "s2": ref(h, f, date(2025, 9, 11), 7, date(2025, 9, 14), "service"),
        "a1": ref(h, f, date(2025, 8, 31), 5, date(2025, 9, 2), "service"),
    }
    return WorkedExample(housing, finance, asc, planning, service, refs)


@pytest.fixture
def example(council, housing, finance, partnership) -> WorkedExample:
    return build_worked_example(council, housing, finance, partnership)


def by_department(ex: WorkedExample, today: date = TODAY, periods=(SEP,)):
    return coordination_by_department(periods=list(periods), today=today)


def components(c) -> dict[str, tuple[Decimal | None, Decimal]]:
    return {x.key: (x.score, x.effective_weight) for x in c.components}


# --- the derived fields the SQL relies on --------------------------------------------------


def test_due_date_days_to_resolve_and_period_are_derived_on_save(example):
    r1, r4, a1 = example.refs["r1"], example.refs["r4"], example.refs["a1"]
    # r1: 1 Sep + 5 days = 6 Sep; resolved 6 Sep − 1 Sep = 5 days.
    assert (r1.due_on, r1.resolution_days, r1.period) == (date(2025, 9, 6), 5, "2025-26-P06")
    # r4: 25 Sep + 30 days = 25 Oct; unresolved, so no days.
    assert (r4.due_on, r4.resolution_days, r4.period) == (date(2025, 10, 25), None, "2025-26-P06")
    # a1 belongs to the month of its raised date (31 Aug), not of its resolution.
    assert (a1.due_on, a1.resolution_days, a1.period) == (date(2025, 9, 5), 2, "2025-26-P05")


# --- one department at a time -----------------------------------------------------------


def test_housing_on_time_late_pending_volume_median_digital_reach_and_index(example):
    h = by_department(example)[(example.housing.pk, SEP.key)]
    # Received r1..r5 = 5; sent r6, s1, s2 = 3; volume 5 + 3 = 8.
    assert (h.received, h.sent, h.volume) == (5, 3, 8)
    # On time: r1 (resolved on its due date) and r3 = 2. Late: r2 (a day after its due
    # date) and r5 (open past its due date) = 2. Pending: r4 (due 25 Oct) = 1.
    assert (h.on_time, h.late, h.pending) == (2, 2, 1)
    # On time share: 2 ÷ (2 + 2) = 50.0; the pending r4 is left out.
    assert h.on_time_share == D("50.0")
    # Median days over received and resolved: r3 3, r2 4, r1 5 → odd count, middle = 4.
    assert h.median_days == D("4")
    # Digital: received r1, r4 + sent r6, s1, s2 through the service = 5 of 8 = 62.5.
    assert h.digital == 5
    # Reach: Finance and Adult Social Care = 2 counterparts ÷ 3 = 66.666… → 66.7.
    assert h.counterparts == 2
    assert components(h) == {
        "on_time": (D("50.0"), D("50.0")),
        "digital": (D("62.5"), D("25.0")),
        "reach": (D("66.7"), D("25.0")),
    }
    # Index: 100 × (0.5 × 0.5 + 0.25 × 0.625 + 0.25 × 2/3)
    #      = 25 + 15.625 + 16.6667 = 57.2917 → 57.3, red (below 60).
    assert h.index == D("57.3")
    assert h.rag == Rag.RED


def test_finance_even_median_is_the_mean_of_the_middle_two(example):
    f = by_department(example)[(example.finance.pk, SEP.key)]
    # Received s1 (late), s2 (on time); sent r1, r3, r4; volume 2 + 3 = 5.
    assert (f.received, f.sent, f.volume) == (2, 3, 5)
    assert (f.on_time, f.late, f.pending) == (1, 1, 0)
    # On time: 1 ÷ 2 = 50.0.
    assert f.on_time_share == D("50.0")
    # Days: s2 3 and s1 6 → even count, (3 + 6) ÷ 2 = 4.5.
    assert f.median_days == D("4.5")
    # Digital: received s1, s2 + sent r1, r4 = 4 of 5 = 80.0 (s1 and s2 also count for
    # Housing: a referral counts for both its departments).
    assert f.digital == 4
    # Reach: Housing only = 1 ÷ 3 = 33.333… → 33.3.
    assert components(f) == {
        "on_time": (D("50.0"), D("50.0")),
        "digital": (D("80.0"), D("25.0")),
        "reach": (D("33.3"), D("25.0")),
    }
    # Index: 25 + 0.25 × 80 + 0.25 × 33.333 = 25 + 20 + 8.3333 = 53.3333 → 53.3.
    assert f.index == D("53.3")


def test_all_pending_shares_on_times_weight_out_between_digital_and_reach(example):
    a = by_department(example)[(example.asc.pk, SEP.key)]
    # Received r6 (due 18 Oct, pending on 10 Oct); sent r2, r5; volume 3.
    assert (a.received, a.sent, a.volume) == (1, 2, 3)
    assert (a.on_time, a.late, a.pending) == (0, 0, 1)
    assert a.on_time_share is None
    # No received referral is resolved: no median.
    assert a.median_days is None
    # Digital: r6 through the service, r2 email, r5 paper = 1 of 3 = 33.3.
    # Reach: Housing only = 1 ÷ 3 = 33.3.
    # On time has no data, so its weight 50 is shared out in proportion: 0 / 50 / 50.
    assert components(a) == {
        "on_time": (None, D("0")),
        "digital": (D("33.3"), D("50.0")),
        "reach": (D("33.3"), D("50.0")),
    }
    # Index: 0.5 × 33.333 + 0.5 × 33.333 = 33.333 → 33.3.
    assert a.index == D("33.3")


def test_a_department_without_referrals_is_not_rated(example):
    p = by_department(example)[(example.planning.pk, SEP.key)]
    assert (p.received, p.sent, p.volume, p.on_time, p.late, p.pending) == (0, 0, 0, 0, 0, 0)
    assert p.median_days is None
    assert p.index is None
    assert p.rag == Rag.NOT_RATED
    assert not p.rated
    assert [c.score for c in p.components] == [None, None, None]


def test_the_same_open_referral_is_pending_before_its_due_date_and_late_after(example):
    key = (example.housing.pk, SEP.key)
    before = by_department(example, today=date(2025, 10, 25))[key]
    after = by_department(example, today=date(2025, 10, 26))[key]
    # r4 is due 25 Oct. On 25 Oct it is not yet past its due date: pending, as on 10 Oct.
    assert (before.on_time, before.late, before.pending) == (2, 2, 1)
    assert before.on_time_share == D("50.0")
    # On 26 Oct it is open past its due date: late. On time 2 ÷ (2 + 3) = 40.0.
    assert (after.on_time, after.late, after.pending) == (2, 3, 0)
    assert after.on_time_share == D("40.0")
    # Index: 0.5 × 40 + 0.25 × 62.5 + 0.25 × 66.667 = 20 + 15.625 + 16.6667 = 52.2917 → 52.3.
    assert after.index == D("52.3")


def test_an_all_pending_department_is_rated_on_time_once_its_referral_is_late(example):
    key = (example.asc.pk, SEP.key)
    # r6 is due 18 Oct: pending on 18 Oct, late on 19 Oct.
    on_due_date = by_department(example, today=date(2025, 10, 18))[key]
    assert (on_due_date.on_time, on_due_date.late, on_due_date.pending) == (0, 0, 1)
    assert on_due_date.index == D("33.3")
    late = by_department(example, today=date(2025, 10, 19))[key]
    assert (late.on_time, late.late, late.pending) == (0, 1, 0)
    # On time 0 ÷ 1 = 0.0, weights back to 50 / 25 / 25:
    # 0.5 × 0 + 0.25 × 33.333 + 0.25 × 33.333 = 16.667 → 16.7.
    assert late.on_time_share == D("0.0")
    assert components(late)["on_time"] == (D("0.0"), D("50.0"))
    assert late.index == D("16.7")


def test_august_is_its_own_period_and_gives_green_and_amber(example):
    result = by_department(example, periods=(AUG, SEP))
    h, f = result[(example.housing.pk, AUG.key)], result[(example.finance.pk, AUG.key)]
    # a1: Housing sent one referral through the service; Housing received none.
    # Housing: digital 1 of 1 = 100, reach 1 ÷ 3 = 33.3, on time no data → 0 / 50 / 50:
    # 0.5 × 100 + 0.5 × 33.333 = 66.667 → 66.7, amber.
    assert (h.received, h.sent, h.index, h.rag) == (0, 1, D("66.7"), Rag.AMBER)
    # Finance: a1 resolved 2 Sep, due 5 Sep: on time 1 ÷ 1 = 100, digital 100, reach 33.3:
    # 50 + 25 + 8.333 = 83.333 → 83.3, green. Median 2 days.
    assert (f.received, f.on_time, f.median_days) == (1, 1, D("2"))
    assert (f.index, f.rag) == (D("83.3"), Rag.GREEN)
    # September is unchanged by a1.
    assert result[(example.housing.pk, SEP.key)].sent == 3


# --- the council -------------------------------------------------------------------------


def test_council_wide_on_time_digital_reach_median_and_index(example):
    (council,) = council_coordination(periods=[SEP], today=TODAY)
    # All eight September referrals.
    assert council.department_id is None
    assert council.received == 8
    # Council-wide volume is the number of referrals, each counted once (DESIGN.md 3),
    # not received + sent, which would count every referral twice.
    assert council.volume == 8
    # On time: r1, r3, s2 = 3. Late: r2, r5, s1 = 3. Pending: r4, r6 = 2.
    assert (council.on_time, council.late, council.pending) == (3, 3, 2)
    # On time 3 ÷ 6 = 50.0.
    assert council.on_time_share == D("50.0")
    # Digital over all referrals (each once): r1, r4, r6, s1, s2 = 5 of 8 = 62.5.
    assert council.digital == 5
    # Median days of all resolved: r3 3, s2 3, r2 4, r1 5, s1 6 → 4.
    assert council.median_days == D("4")
    # Reach: the mean over the departments with referrals (Planning has none):
    # (66.7 + 33.3 + 33.3) ÷ 3 = 44.43 → 44.4 (exactly 4/9 = 44.44… → 44.4 too).
    assert components(council) == {
        "on_time": (D("50.0"), D("50.0")),
        "digital": (D("62.5"), D("25.0")),
        "reach": (D("44.4"), D("25.0")),
    }
    # Index: 25 + 0.25 × 62.5 + 0.25 × 44.44 = 25 + 15.625 + 11.111 = 51.736 → 51.7.
    assert council.index == D("51.7")
    assert council.rag == Rag.RED
    # The mean reach exactly: (2 + 1 + 1) counterparts ÷ (3 others × 3 departments) = 4/9,
    # one division, not the sum of three reaches each already divided by 3.
    assert council.components[2].exact == Fraction(400, 9)


def test_the_council_reads_the_same_reach_from_the_pairs_as_from_every_department(example):
    # Adult Social Care leaves, with its referrals: it is no longer counted, nor counted
    # as a counterpart; Planning, active without referrals, still counts in the denominator.
    example.asc.is_active = False
    example.asc.save()
    months = [AUG, SEP]
    from_pairs = council_coordination(periods=months, today=TODAY)
    assert from_pairs == council_coordination(
        periods=months,
        today=TODAY,
        by_department=coordination_by_department(periods=months, today=TODAY),
    )
    # September: Housing worked with Finance (1), Finance with Housing (1), of the two
    # other active departments each: (1 + 1) ÷ (2 × 2) = 50.
    september = from_pairs[1]
    assert (september.counterparts, september.departments) == (2, 3)
    assert september.components[2].exact == D(50)


def test_council_in_a_month_without_referrals_is_not_rated(example):
    july = Period.parse("2025-26-P04")
    (council,) = council_coordination(periods=[july], today=TODAY)
    assert (council.received, council.index, council.median_days) == (0, None, None)
    assert council.rag == Rag.NOT_RATED


def test_changed_council_weights_change_the_index(example, council):
    council.weight_on_time, council.weight_digital_share, council.weight_reach = 20, 60, 20
    council.save()
    result = by_department(example)
    h = result[(example.housing.pk, SEP.key)]
    # Housing: (20 × 50 + 60 × 62.5 + 20 × 66.667) ÷ 100 = 10 + 37.5 + 13.333 = 60.833
    # → 60.8, amber.
    assert (h.index, h.rag) == (D("60.8"), Rag.AMBER)
    assert {c.key: c.weight for c in h.components} == {"on_time": 20, "digital": 60, "reach": 20}
    f = result[(example.finance.pk, SEP.key)]
    # Finance: 10 + 0.6 × 80 + 0.2 × 33.333 = 10 + 48 + 6.667 = 64.667 → 64.7, amber.
    assert (f.index, f.rag) == (D("64.7"), Rag.AMBER)
    a = result[(example.asc.pk, SEP.key)]
    # Adult Social Care, on time without data: 60 and 20 shared out of 80 = 75 % and 25 %:
    # 0.75 × 33.333 + 0.25 × 33.333 = 33.3; effective weights 0 / 75.0 / 25.0.
    assert a.index == D("33.3")
    assert components(a) == {
        "on_time": (None, D("0")),
        "digital": (D("33.3"), D("75.0")),
        "reach": (D("33.3"), D("25.0")),
    }
    (whole,) = council_coordination(periods=[SEP], today=TODAY)
    # Council: 0.2 × 50 + 0.6 × 62.5 + 0.2 × 44.44 = 10 + 37.5 + 8.889 = 56.389 → 56.4.
    assert whole.index == D("56.4")


@pytest.mark.parametrize(
    ("value", "rag"),
    [
        (D("100"), Rag.GREEN),
        (D("80.0"), Rag.GREEN),
        (D("79.9"), Rag.AMBER),
        (D("60.0"), Rag.AMBER),
        (D("59.9"), Rag.RED),
        (D("0"), Rag.RED),
        (None, Rag.NOT_RATED),
    ],
)
def test_rag_thresholds(value, rag):
    assert rag_for_score(value) == rag


# --- the department matrix ----------------------------------------------------------------


def test_department_matrix_counts_and_on_time_shares_per_pair(example):
    h, f, a = example.housing.pk, example.finance.pk, example.asc.pk
    matrix = department_matrix(period=SEP, today=TODAY)
    cells = {
        pair: (cell.volume, cell.on_time, cell.late, cell.on_time_share)
        for pair, cell in matrix.items()
    }
    assert cells == {
        # F → H: r1 on time, r3 on time, r4 pending: 2 ÷ 2 = 100.0.
        (f, h): (3, 2, 0, D("100.0")),
        # A → H: r2 late, r5 late: 0 ÷ 2 = 0.0.
        (a, h): (2, 0, 2, D("0.0")),
        # H → F: s2 on time, s1 late: 1 ÷ 2 = 50.0 (a1 is August's).
        (h, f): (2, 1, 1, D("50.0")),
        # H → A: r6 pending: nothing decided.
        (h, a): (1, 0, 0, None),
    }
    later = department_matrix(period=SEP, today=date(2025, 10, 26))
    # On 26 Oct r4 (due 25 Oct) is late: F → H 2 ÷ 3 = 66.666… → 66.7; and r6 (due
    # 18 Oct) is late too: H → A 0 ÷ 1 = 0.0.
    assert later[(f, h)].on_time_share == D("66.7")
    assert later[(h, a)].on_time_share == D("0.0")


# --- the median, which SQLite and PostgreSQL must agree on --------------------------------


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({7: 1}, D("7")),
        ({3: 1, 6: 1}, D("4.5")),
        ({1: 1, 2: 2, 9: 1}, D("2")),
        ({0: 1, 1: 1, 4: 1, 10: 1}, D("2.5")),
        ({5: 3}, D("5")),
    ],
)
def test_median_from_a_histogram(histogram, median):
    assert _median(histogram) == median


def test_medians_computed_in_the_database(council, housing, finance):
    """Values chosen so a wrong middle (or integer division) shows: the medians differ
    between departments and periods. Runs on SQLite and on PostgreSQL in CI."""
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    asc = DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care")
    raised = date(2025, 9, 1)

    def resolved(target, days):
        ReferralFactory(
            from_department=planning,
            to_department=target,
            raised_on=raised,
            agreed_days=30,
            resolved_on=raised + timedelta(days=days),
        )

    for days in (0, 1, 4, 10):  # even: (1 + 4) ÷ 2 = 2.5
        resolved(housing, days)
    for days in (2, 2, 9):  # odd, repeated value: 2
        resolved(finance, days)
    for days in (10, 11):  # even, odd sum: (10 + 11) ÷ 2 = 10.5
        resolved(asc, days)
    result = coordination_by_department(periods=[SEP], today=TODAY)
    assert result[(housing.pk, SEP.key)].median_days == D("2.5")
    assert result[(finance.pk, SEP.key)].median_days == D("2")
    assert result[(asc.pk, SEP.key)].median_days == D("10.5")
    assert result[(planning.pk, SEP.key)].median_days is None
    # Council: 0, 1, 2, 2, 4, 9, 10, 10, 11 → the fifth of nine = 4.
    (whole,) = council_coordination(periods=[SEP], today=TODAY)
    assert whole.median_days == D("4")


# --- a fixed number of queries ------------------------------------------------------------


def _bulk_referrals(departments, months, count, service):
    """``count`` referrals spread over the pairs of ``departments`` and over ``months``,
    written with one bulk insert (so set_derived_fields is called by hand)."""
    rows = []
    for n in range(count):
        source = departments[n % len(departments)]
        target = departments[(n + 1 + n // len(departments)) % len(departments)]
        if target == source:
            target = departments[(n + 1) % len(departments)]
        month = months[n % len(months)]
        raised = month.start + timedelta(days=n % 20)
        digital = n % 3 == 0
        referral = Referral(
            from_department=source,
            to_department=target,
            category="Housing needs assessment",
            raised_on=raised,
            agreed_days=5 + n % 7,
            resolved_on=raised + timedelta(days=n % 13) if n % 4 else None,
            channel="service" if digital else "email",
            service=service if digital else None,
        )
        referral.set_derived_fields()
        rows.append(referral)
    Referral.objects.bulk_create(rows)
    # A bulk write counts its referrals into the monthly summaries, as the importer does.
    record_referral_changes(added=[tally(r) for r in rows])


def _queries(function, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        function(**kwargs)
    return len(queries)


@pytest.fixture
def four_departments(council, housing, finance):
    return [
        housing,
        finance,
        DepartmentFactory(council=council, name="Adult Social Care", code="adult-social-care"),
        DepartmentFactory(council=council, name="Planning", code="planning"),
    ]


def test_queries_do_not_grow_with_the_number_of_referrals(four_departments, partnership):
    service = ServiceFactory(partnership=partnership, code="case-management")
    months = periods_between(Period.parse("2024-25-P01"), Period.parse("2025-26-P12"))
    assert len(months) == 24
    _bulk_referrals(four_departments, [SEP], 10, service)
    small = (
        _queries(coordination_by_department, periods=[SEP], today=TODAY),
        _queries(council_coordination, periods=[SEP], today=TODAY),
        _queries(department_matrix, period=SEP, today=TODAY),
    )
    _bulk_referrals(four_departments, [SEP], 190, service)
    assert Referral.objects.filter(period=SEP.key).count() == 200
    large = (
        _queries(coordination_by_department, periods=[SEP], today=TODAY),
        _queries(council_coordination, periods=[SEP], today=TODAY),
        _queries(department_matrix, period=SEP, today=TODAY),
    )
    print(f"queries (by department, council, matrix): {small} at 10, {large} at 200 referrals")
    assert small == large
    # The council's reach from the pairs, not from every department's figures: the
    # active departments, the weights, the totals, the open late, the histogram, the pairs.
    assert large[1] == 6
    assert large[2] == 2  # the pairs, and the open ones past their due date


def test_queries_do_not_grow_with_the_number_of_months(four_departments, partnership):
    service = ServiceFactory(partnership=partnership, code="case-management")
    months = periods_between(Period.parse("2024-25-P01"), Period.parse("2025-26-P12"))
    _bulk_referrals(four_departments, months, 480, service)
    one = (
        _queries(coordination_by_department, periods=[SEP], today=TODAY),
        _queries(council_coordination, periods=[SEP], today=TODAY),
    )
    many = (
        _queries(coordination_by_department, periods=months, today=TODAY),
        _queries(council_coordination, periods=months, today=TODAY),
    )
    print(f"queries (by department, council): {one} for 1 month, {many} for 24 months")
    assert one == many


def test_bulk_inserted_referrals_give_the_same_figures_as_saved_ones(four_departments, partnership):
    """The demo and the importer write with bulk_create: derived fields must be set the
    same way as save() sets them, or the SQL figures would differ."""
    service = ServiceFactory(partnership=partnership, code="case-management")
    _bulk_referrals(four_departments, [SEP], 40, service)
    bulk = coordination_by_department(periods=[SEP], today=TODAY)
    for referral in Referral.objects.all():
        referral.save()  # recomputes period, due_on and resolution_days
    assert coordination_by_department(periods=[SEP], today=TODAY) == bulk


def test_reach_counts_only_active_departments(council, housing, finance):
    asc = DepartmentFactory(council=council, name="Adult Social Care", code="asc")
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    for other in (finance, asc, planning):
        ReferralFactory(
            from_department=housing,
            to_department=other,
            raised_on=date(2025, 9, 3),
            resolved_on=date(2025, 9, 4),
        )
    planning.is_active = False
    planning.save()

    figures = coordination_by_department(
        periods=[Period.parse("2025-26-P06")], today=date(2025, 11, 15)
    )
    housing_figures = figures[(housing.pk, "2025-26-P06")]
    # Active departments: Housing, Finance, ASC → reach = 2 of the 2 others = 100.0.
    assert housing_figures.counterparts == 2
    assert housing_figures.components[2].score == Decimal("100.0")


def test_the_index_is_rounded_once_from_exact_shares():
    # 0.5 × 0 + 0.25 × 66.67 + 0.25 × 66.67 = 33.33 → 33.3 (not 33.4 from 66.7 and 66.7)
    two_thirds = Fraction(200, 3)
    value, _ = weighted_score(
        [
            Component("on_time", "On time", Fraction(0), 50, ""),
            Component("digital", "Digital share", two_thirds, 25, ""),
            Component("reach", "Reach", two_thirds, 25, ""),
        ]
    )
    assert value == Decimal("33.3")
