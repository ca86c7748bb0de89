"""The demo council: counts, workflow spread, idempotency and the deterioration episode,
all checked from the raw rows."""

from collections import Counter, defaultdict
from datetime import date
from statistics import mean

import pytest
from django.core.management import call_command

from demo.generator import DEMO_USERS, row_counts, seed_council
from demo.reference import EPISODE_SERVICES
from demo.scale import DEMO, Episode
from departments.models import (
    Department,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    Target,
)
from partnerships.models import Service, SlaResult

TODAY = date(2026, 11, 28)  # latest closed month: October 2026 (2026-27-P07)
EPISODE = Episode(year=2025)


@pytest.fixture
def demo(db):
    return seed_council(scale=DEMO, seed=2025, today=TODAY)


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


def test_demo_has_the_council_the_design_describes(demo):
    assert Department.objects.count() == 8
    assert PerformanceIndicator.objects.count() >= 60
    assert PerformanceIndicator.objects.filter(statutory=True).count() == 35
    assert Referral.objects.count() >= 20_000
    assert Service.objects.count() >= 6
    for service in Service.objects.all():
        assert service.departments.count() >= 2, service.code


def test_every_indicator_has_a_target_for_each_of_the_three_years(demo):
    years = {2024, 2025, 2026}
    for indicator in PerformanceIndicator.objects.all():
        assert set(indicator.targets.values_list("financial_year", flat=True)) == years


def test_ratio_returns_carry_numerator_and_denominator_and_derive_their_value(demo):
    ratio_returns = KpiReturn.objects.filter(indicator__year_to_date="ratio")
    assert ratio_returns.exists()
    for kpi_return in ratio_returns.select_related("indicator")[:200]:
        indicator = kpi_return.indicator
        assert kpi_return.value == indicator.derive_value(
            kpi_return.numerator, kpi_return.denominator
        )
    assert (
        not KpiReturn.objects.exclude(indicator__year_to_date="ratio")
        .filter(numerator__isnull=False)
        .exists()
    )


def test_red_looking_returns_have_commentary_and_an_improvement_action(demo):
    with_action = KpiReturn.objects.exclude(improvement_action="")
    assert with_action.count() > 20
    assert not with_action.filter(commentary="").exists()


def test_workflow_states_spread_as_a_council_would_have_them(demo):
    latest = Counter(KpiReturn.objects.filter(period="2026-27-P07").values_list("state", flat=True))
    assert latest["draft"] > 0 and latest["submitted"] > 0
    old = Counter(KpiReturn.objects.filter(financial_year=2024).values_list("state", flat=True))
    assert set(old) == {"locked"}
    assert PeriodSignOff.objects.filter(period="2024-25-P06", department__isnull=True).exists()
    assert not PeriodSignOff.objects.filter(period="2026-27-P07").exists()
    monthly = PerformanceIndicator.objects.filter(frequency="monthly").count()
    assert KpiReturn.objects.filter(period="2026-27-P07").count() < monthly  # some not started


def test_the_latest_month_is_left_for_the_partner_to_enter(demo):
    assert not SlaResult.objects.filter(period="2026-27-P07").exists()
    assert SlaResult.objects.filter(period="2026-27-P06").count() == 16
    assert SlaResult.objects.filter(verification="disputed").count() == 2
    assert (
        SlaResult.objects.filter(verification="resolved", agreed_value__isnull=False).count() == 3
    )


def test_one_demo_user_per_role_with_the_demo_password(demo, client, settings):
    for username, _first, _last, role, department in DEMO_USERS:
        membership = Membership.objects.get(user__username=username)
        assert membership.role == role
        if department:
            assert membership.department.code == department
        response = client.post(
            "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.logout()


def test_seeding_twice_changes_nothing(demo):
    before = row_counts()
    values = list(KpiReturn.objects.order_by("pk").values_list("value", flat=True))
    second = seed_council(scale=DEMO, seed=2025, today=TODAY)
    assert second.created is False
    assert row_counts() == before
    assert list(KpiReturn.objects.order_by("pk").values_list("value", flat=True)) == values


def test_the_command_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")
    assert row_counts() == first
    assert "already exists" in capsys.readouterr().out


def _fingerprint() -> tuple:
    return (
        sorted(KpiReturn.objects.values_list("indicator__code", "period", "value", "state")),
        sorted(SlaResult.objects.values_list("sla__code", "period", "reported_value")),
        sorted(
            Referral.objects.values_list(
                "from_department__code",
                "to_department__code",
                "raised_on",
                "resolved_on",
                "channel",
            ),
            key=repr,  # an unresolved referral's None does not compare with a date
        ),
        sorted(Target.objects.values_list("indicator__code", "financial_year", "annual_value")),
    )


def test_the_same_seed_gives_the_same_figures(db):
    seed_council(scale=DEMO, seed=7, today=TODAY)
    first = _fingerprint()
    seed_council(scale=DEMO, seed=7, today=TODAY, reset=True)
    assert _fingerprint() == first
    seed_council(scale=DEMO, seed=8, today=TODAY, reset=True)
    assert _fingerprint() != first


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_deterioration_episode_is_in_the_raw_rows(db, seed):
    seed_council(scale=DEMO, seed=seed, today=TODAY)
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


def test_the_episode_shows_as_a_fall_in_contract_health_and_coordination(demo):
    """What the partnership and coordination pages show, from the same metric functions."""
    from statistics import mean as average

    from partnerships.models import Partnership
    from reporting.metrics.coordination import council_coordination
    from reporting.metrics.health import contract_health_series

    before = [EPISODE.service_months[0]]
    for _ in range(6):
        before.insert(0, before[0].previous())
    before = before[:-1]
    partnership = Partnership.objects.get()
    health = {
        h.period.key: h.score
        for h in contract_health_series(
            partnership=partnership, months=before + EPISODE.service_months, today=TODAY
        )
    }
    baseline = average(health[m.key] for m in before)
    assert baseline >= 80  # green before the episode
    for month in EPISODE.service_months[1:]:
        assert health[month.key] < baseline - 10, (month.key, health[month.key], baseline)

    coordination = {
        c.period.key: c.index
        for c in council_coordination(periods=before + EPISODE.coordination_months, today=TODAY)
    }
    usual = average(coordination[m.key] for m in before)
    # The services worsen month by month, so coordination is down in every month after
    # them, and well down at the worst.
    for month in EPISODE.coordination_months:
        assert coordination[month.key] < usual - 10, (month.key, coordination[month.key])
    assert min(coordination[m.key] for m in EPISODE.coordination_months) < usual - 20
