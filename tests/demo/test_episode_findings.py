"""The deterioration episode in the generated demo data, for three seeds (the demo's own,
2025, and two others): it is in the raw rows, the combined view names a positive lag for
the departments whose services failed (issue 8's promise), and the early-warning task
raises the warnings the episode deserves, once. Expectations come from the generated rows
(which departments use the failing systems, when the episode ran), never from the figures
of one fixed seed.

Each seed's council is built once and read by every test here (tests/shared_rows.py):
a test's own writes are rolled back after it. The copy of the demo's own seed is shared
with the other demo tests (tests/demo_council.py).
"""

from collections import Counter, defaultdict
from datetime import date
from statistics import mean

import pytest

from demo.reference import EPISODE_SERVICES
from demo.scale import Episode
from departments import periods
from departments.models import Department, Referral
from partnerships.models import Service, SlaResult
from reporting.metrics.combined import combined_figures
from reporting.metrics.relation import lag_in_words
from reporting.models import EarlyWarning, WarningRule
from reporting.warnings.evaluation import evaluate_history
from tests.demo_council import demo_council
from tests.shared_rows import shared_rows

TODAY = date(2026, 11, 28)  # latest closed month: October 2026 (2026-27-P07)
EPISODE = Episode(year=2025)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module", params=[2025, 1, 2])
def episode_council(request, django_db_setup, django_db_blocker):
    """The demo council of seed ``request.param``; seeding evaluates every past month's
    early warnings."""
    with shared_rows(django_db_blocker, "episode_council"):
        with django_db_blocker.unblock():
            demo_council(seed=request.param, today=TODAY)
        yield request.param


def met_share_by_month(service_code: str) -> dict[str, float]:
    totals, met = Counter(), Counter()
    for result in SlaResult.objects.filter(sla__service__code=service_code).select_related("sla"):
        sla, value = result.sla, result.value_in_force
        ok = (
            value >= sla.expected_level
            if sla.polarity == "higher"
            else (value <= sla.expected_level)
        )
        totals[result.period] += 1
        met[result.period] += ok
    return {period: met[period] / totals[period] for period in totals}


def on_time_counts(departments) -> tuple[Counter, Counter]:
    """Resolved referrals received by ``departments``, and those on time, by month key."""
    totals, on_time = Counter(), Counter()
    rows = Referral.objects.filter(to_department__in=departments, resolved_on__isnull=False)
    for period, raised, resolved, agreed in rows.values_list(
        "period", "raised_on", "resolved_on", "agreed_days"
    ):
        totals[period] += 1
        on_time[period] += (resolved - raised).days <= agreed
    return totals, on_time


def on_time_by_month(department: Department) -> dict[str, float]:
    totals, on_time = on_time_counts([department])
    return {period: 100 * on_time[period] / totals[period] for period in totals}


def pooled_on_time(departments, months) -> float:
    """The on-time share of a group of departments over some months, pooled."""
    totals, on_time = on_time_counts(departments)
    return 100 * sum(on_time[m.key] for m in months) / sum(totals[m.key] for m in months)


def test_the_deterioration_episode_is_in_the_raw_rows(episode_council):
    episode_keys = [month.key for month in EPISODE.service_months]

    for code in EPISODE_SERVICES:
        shares = met_share_by_month(code)
        for key in episode_keys:
            assert shares[key] < 0.6, (code, key, shares[key])

    dependent = Department.objects.filter(services__code__in=EPISODE_SERVICES).distinct()
    assert dependent.count() >= 4
    first_failure = EPISODE.service_months[0]
    before = [first_failure]
    for _ in range(6):
        before.insert(0, before[0].previous())
    before = before[:-1]  # the six months before the services fail
    falls_start = defaultdict(list)
    for department in dependent:
        shares = on_time_by_month(department)
        baseline = mean(shares[m.key] for m in before)
        one_later, two_later = first_failure.next(), first_failure.next().next()
        assert shares[first_failure.key] > baseline - 15, department.code  # not yet falling
        fell = [m for m in (one_later, two_later) if shares[m.key] <= baseline - 15]
        assert fell, (department.code, baseline, shares[one_later.key], shares[two_later.key])
        falls_start[department.code] = fell[0].key

    # The group of departments recovers after the fall, and the control group (departments
    # not using the failing systems) does not fall, on average: both pooled, as a small
    # department's month is a handful of referrals and another service's ordinary bad
    # month also shows in the month after it.
    after = [EPISODE.coordination_months[-1].next()]
    while len(after) < 3:
        after.append(after[-1].next())
    assert pooled_on_time(dependent, after) > pooled_on_time(dependent, before) - 8
    independent = Department.objects.exclude(pk__in=dependent)
    baseline = pooled_on_time(independent, before)
    assert pooled_on_time(independent, EPISODE.coordination_months) > baseline - 8


def test_the_combined_view_and_the_warnings_find_the_episode(episode_council):
    latest = periods.latest_closed(periods.PeriodKind.MONTH, TODAY)
    departments = list(Department.objects.order_by("name"))
    failing = list(
        Service.objects.filter(code__in=EPISODE_SERVICES).prefetch_related("departments")
    )
    dependent = {d.pk for service in failing for d in service.departments.all()}
    assert len(dependent) >= 4

    figures = combined_figures(latest, departments=departments, today=TODAY)

    # The council: coordination changes follow partner-health changes by a month or two.
    assert figures.relation.best is not None
    assert figures.relation.best.lag in (1, 2), figures.finding()
    assert figures.relation.best.r > 0
    assert lag_in_words(figures.relation.best.lag) in figures.finding()
    # Each department that relies on a failing system: a positive lag of its own.
    for row in figures.departments:
        if row.department.pk in dependent:
            best = row.relation.best
            assert best is not None, row.department.name
            assert best.lag in (1, 2), (row.department.name, row.relation.lags)
            assert best.r > 0 and best.pairs >= 12

    episode_keys = {m.key for m in EPISODE.service_months}
    # Rule 2: every department relying on a failing system, about that system, starting
    # in the episode; none about those systems before or after it.
    service_warnings = EarlyWarning.objects.filter(
        rule=WarningRule.SERVICE_RED, service__in=failing
    )
    expected = {(d.pk, service.pk) for service in failing for d in service.departments.all()}
    assert {(w.department_id, w.service_id) for w in service_warnings} == expected
    assert all(w.starting_period in episode_keys for w in service_warnings)
    assert service_warnings.count() == len(expected)  # one per subject: the run is one warning
    # Rule 1: contract health and coordination fell together in the episode, once.
    falling = EarlyWarning.objects.filter(rule=WarningRule.FALLING_TOGETHER)
    assert falling.count() == 1
    warning = falling.get()
    coordination_keys = episode_keys | {m.key for m in EPISODE.coordination_months}
    assert warning.starting_period in coordination_keys
    assert warning.latest_period in coordination_keys
    months = warning.evidence["months"]
    for before, after in zip(months, months[1:], strict=False):
        assert float(after["contract_health"]) < float(before["contract_health"])
        assert float(after["coordination_index"]) < float(before["coordination_index"])

    # Running the evaluation again raises nothing new.
    count = EarlyWarning.objects.count()
    again = evaluate_history(today=TODAY, notify=False)
    assert again.raised == []
    assert EarlyWarning.objects.count() == count
