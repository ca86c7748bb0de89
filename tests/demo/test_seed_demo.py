"""The demo council: counts, workflow spread, idempotency and the deterioration episode,
all checked from the raw rows of one council seeded for the whole module (each test's
own writes are rolled back after it: tests/shared_rows.py)."""

from collections import Counter
from datetime import date, timedelta

import pytest

from demo.generator import DEMO_USERS, row_counts, seed_council
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
from departments.rating import Rag, rate_forecast
from departments.returns.selectors import flagged_forecasts
from partnerships.models import Service, SlaResult
from scrutiny.models import ScrutinyItem
from tests.demo_council import demo_council
from tests.shared_rows import shared_rows

TODAY = date(2026, 11, 28)  # latest closed month: October 2026 (2026-27-P07)
EPISODE = Episode(year=2025)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, "demo"):
        with django_db_blocker.unblock():
            report = demo_council(seed=2025, today=TODAY)
        yield report


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


def test_the_latest_periods_returns_carry_forecasts_and_some_are_flagged(demo):
    latest = KpiReturn.objects.filter(period="2026-27-P07").select_related("indicator")
    assert latest.count() > 0
    assert not latest.filter(forecast_value__isnull=True).exists()
    assert set(latest.values_list("forecast_confidence", flat=True)) == {
        "on_track",
        "at_risk",
        "off_track",
    }
    # Only the latest period's: September's returns have none.
    assert not KpiReturn.objects.filter(period="2026-27-P06", forecast_value__isnull=False).exists()
    # Some submitted returns contradict their forecast (the demo's latest month has few
    # red returns submitted yet, so these are green ones forecast off track)...
    flagged = flagged_forecasts([(r.indicator, r) for r in latest])
    assert len(flagged) >= 2
    # ...and the head of Housing has one to check on their home.
    housing = Department.objects.get(name="Housing")
    assert any(r.department_id == housing.pk for r in latest if r.pk in flagged)


def test_no_demo_forecast_has_a_confidence_at_odds_with_its_own_rating(demo):
    """A hopeful officer's forecast meets the annual target and a gloomy one's misses it:
    none is rated green but called off track, or red but called on track."""
    forecasts = KpiReturn.objects.filter(forecast_value__isnull=False).select_related("indicator")
    targets = {(t.indicator_id, t.financial_year): t for t in Target.objects.all()}
    at_odds = [
        (r.indicator.code, r.period, r.forecast_confidence)
        for r in forecasts
        if (
            rate_forecast(
                r.indicator, targets.get((r.indicator_id, r.financial_year)), r.forecast_value
            ),
            r.forecast_confidence,
        )
        in {(Rag.GREEN, "off_track"), (Rag.RED, "on_track")}
    ]
    assert forecasts.count() > 20
    assert at_odds == []


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


def test_demo_contract_has_kpis_an_approved_assessment_and_a_draft(demo):
    from partnerships.contracts import notices
    from partnerships.contracts.models import Assessment, ContractKpi, RectificationPlan

    assert ContractKpi.objects.count() == 4
    approved, draft = Assessment.objects.order_by("period_start")
    # The contract year in which the episode (August to December 2025) falls.
    assert (approved.period_start, approved.period_end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert approved.is_approved and not draft.is_approved
    assert (draft.period_start, draft.period_end) == (date(2026, 4, 1), date(2026, 10, 31))
    ratings = dict(approved.ratings.values_list("kpi__title", "rating"))
    # The shared systems failed in the episode: that KPI is below target, and at least one
    # KPI (contract health, over the year) Requires improvement; every KPI is rated.
    assert ratings["Availability of the shared systems"] in {"requires_improvement", "inadequate"}
    assert "requires_improvement" in ratings.values()
    assert all(ratings.values())
    assert notices.notice_json(approved).content.startswith(b"{")
    (plan,) = RectificationPlan.objects.all()
    assert plan.state == "met" and plan.progress and plan.kpi_rating.assessment == approved


def test_the_demo_members_read_a_recent_signed_off_month(demo):
    """The demo's elected members have figures to scrutinise: the council's latest month
    signed off for them (no return of it, or submitted before it, waits for approval) is
    one of the last few."""
    from reporting.signed_off import latest_signed_off_month

    month = latest_signed_off_month(today=TODAY)
    assert month is not None
    assert month.key in {"2026-27-P05", "2026-27-P06", "2026-27-P07"}, month.key


def test_the_demos_questions_keep_their_asked_and_due_dates_through_their_history(demo):
    """The overdue question is dated back as if asked weeks ago: its history says so from
    its first row, so the audit trail shows no one changing when it was asked or due."""
    items = list(ScrutinyItem.objects.order_by("asked_at"))
    assert len(items) == 4
    overdue = items[0]
    assert overdue.is_overdue(TODAY)
    for item in items:
        rows = list(item.history.order_by("history_date", "history_id"))
        assert {(row.asked_at, row.due_on) for row in rows} == {(item.asked_at, item.due_on)}
        # Recorded as it was asked (the service saves a moment after stamping it).
        assert abs(rows[0].history_date - item.asked_at) < timedelta(seconds=5)
