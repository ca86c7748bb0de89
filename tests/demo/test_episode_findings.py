"""Issue 8's promise on the generated demo data, for three seeds: the combined view names
a positive lag for the departments whose services failed, and the early-warning task
raises the warnings the episode deserves, once. Expectations come from the generated
rows (which departments use the failing systems, when the episode ran), never from the
figures of one fixed seed."""

from datetime import date

import pytest

from demo.generator import seed_council
from demo.reference import EPISODE_SERVICES
from demo.scale import DEMO, Episode
from departments import periods
from departments.models import Department
from partnerships.models import Service
from reporting.metrics.combined import combined_figures
from reporting.models import EarlyWarning, WarningRule
from reporting.warnings.evaluation import evaluate_history

TODAY = date(2026, 11, 28)  # latest closed month: October 2026 (2026-27-P07)
EPISODE = Episode(year=2025)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_combined_view_and_the_warnings_find_the_episode(db, seed):
    seed_council(scale=DEMO, seed=seed, today=TODAY)  # the seed evaluates every past month
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
    assert f"by {figures.relation.best.lag} month" in figures.finding()
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
