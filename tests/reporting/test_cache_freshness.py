"""Cached figures are never stale (issue 15, point 4; ``reporting/figures/cache.py``).

Each test signs September 2025 (P06) off for the whole council, so its figures come from
the cache, reads a page and its API endpoint, changes one kind of input through its usual
write path (a service, the admin or the API), and reads both again: the new figure must
show at once, on both, and equal what the metric functions compute from the data.

Runs on the local-memory cache by default and on Redis when REDIS_URL is set; every test
starts with an empty cache (``tests/conftest.py``).
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from types import ModuleType, SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.figures_generation import figures_generation
from departments.models import Department, PeriodSignOff
from departments.periods import Period
from departments.referrals.services import resolve_referral
from departments.referrals.summaries import Tally, record_referral_changes
from departments.returns.ratings import recount_ratings
from departments.returns.services import (
    approve_return,
    reopen_return,
    save_return,
    send_back_return,
)
from departments.returns.sign_off import reopen_period, sign_off_period
from partnerships.sla_results.services import enter_sla_result
from partnerships.sla_results.summaries import recount_service_months
from reporting.figures import cache as figure_cache
from reporting.figures.cache import FIGURE_INPUTS, NOT_FIGURE_INPUTS, figure_cache_key
from reporting.metrics.coordination import coordination_by_department, council_coordination
from reporting.metrics.partner_health import council_partner_health
from tests.factories import (
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    PartnershipFactory,
    ReferralFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
ON_TIME = datetime(2025, 10, 1, 9, tzinfo=LONDON)  # SLA results entered before the deadline
P06 = Period.parse("2025-26-P06")
P02 = Period.parse("2025-26-P02")
# A red return is submitted with its explanation.
EXPLAINED = {"commentary": "Cases miscounted.", "improvement_action": "Recount weekly."}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def world(council, housing, finance, partnership, sam, alice, harriet, pat, ada):
    """Housing's indicator H1 (target 90, tolerance 5) at 92 in August and 80 in September
    (85 a year earlier); two services of the partnership, the case-management system
    serving Housing (its SLA met in September) and the intranet serving nobody yet (its SLA
    a serious failure); one referral from Housing to Finance, resolved on time. September
    is signed off for the whole council, so its figures are cached."""
    indicator = IndicatorFactory(department=housing, code="H1", statutory=True)
    targets = {
        year: TargetFactory(indicator=indicator, financial_year=year, annual_value=Decimal("90"))
        for year in (2024, 2025)
    }
    KpiReturnFactory(
        indicator=indicator, period="2025-26-P05", value=Decimal("92"), state="approved"
    )
    KpiReturnFactory(
        indicator=indicator,
        period="2025-26-P06",
        value=Decimal("80"),
        state="approved",
        commentary="Backlog after the system outage.",
        improvement_action="Agency staff for six weeks.",
    )
    KpiReturnFactory(indicator=indicator, period="2024-25-P06", value=Decimal("85"), state="locked")
    cms = ServiceFactory(
        partnership=partnership, code="cms", name="Case management", monthly_charge=Decimal(100000)
    )
    cms.departments.add(housing)
    cms_sla = SlaFactory(service=cms)  # expected 99.5, minimum 98
    SlaResultFactory(
        sla=cms_sla, period=P06.key, reported_value=Decimal("99.7"), entered_at=ON_TIME
    )
    intranet = ServiceFactory(
        partnership=partnership, code="intranet", name="Intranet", monthly_charge=Decimal(50000)
    )
    intranet_sla = SlaFactory(service=intranet)
    SlaResultFactory(
        sla=intranet_sla, period=P06.key, reported_value=Decimal("97"), entered_at=ON_TIME
    )
    ReferralFactory(
        from_department=housing,
        to_department=finance,
        raised_on=date(2025, 9, 10),
        acknowledged_on=date(2025, 9, 11),
        resolved_on=date(2025, 9, 12),
    )
    sign_off_period(period_key=P06.key, actor=sam)
    return SimpleNamespace(
        indicator=indicator,
        targets=targets,
        cms=cms,
        cms_sla=cms_sla,
        intranet=intranet,
        intranet_sla=intranet_sla,
    )


# --- reading a page and its API ------------------------------------------------------------------


def _page(client, url: str):
    response = client.get(f"{url}?period={P06.key}")
    assert response.status_code == 200
    return response.context


def _api(client, url: str) -> dict:
    response = client.get(f"/api/v1/metrics/{url}?period={P06.key}")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def _shown(value) -> str | None:
    """A figure as the API writes it."""
    return None if value is None else str(value)


def department(client, department) -> tuple[dict, dict]:
    return _page(client, f"/departments/{department.pk}/"), _api(
        client, f"departments/{department.pk}/"
    )


def overview(client) -> tuple[dict, dict]:
    return _page(client, "/overview/"), _api(client, "overview/")


def combined(client) -> tuple[dict, dict]:
    return _page(client, "/combined/"), _api(client, "combined/")


def coordination(client) -> tuple[dict, dict]:
    response = client.get(f"/coordination/?period={P06.key}")
    assert response.status_code == 200
    return response.context, _api(client, "coordination/")


def year_to_date(client, housing) -> Decimal:
    page, api = department(client, housing)
    (row,) = page["rows"]
    assert _shown(row.year_to_date.value) == api["indicators"][0]["year_to_date"]["value"]
    return row.year_to_date.value


def rag(client, housing) -> str:
    """H1's September rating on the department page, its API and the overview."""
    page, api = department(client, housing)
    (row,) = page["rows"]
    assert row.rag.value == api["indicators"][0]["rag"]
    overview_page, overview_api = overview(client)
    (counted,) = [r for r in overview_api["rag_by_department"] if r["department"] == housing.pk]
    assert overview_page["counts"][housing.pk][row.rag.value] == counted[row.rag.value] == 1
    return row.rag.value


def partner_health(client) -> Decimal:
    """September's council partner health on the overview, the combined view and both APIs,
    checked against the metric function."""
    overview_page, overview_api = overview(client)
    combined_page, combined_api = combined(client)
    score = overview_page["health_now"].score
    assert combined_page["health_now"] == score
    latest = overview_api["partner_health"][-1]
    assert (latest["period"], latest["score"], latest["status"]) == (
        P06.key,
        _shown(score),
        "rated",
    )
    assert combined_api["months"][-1]["partner_health"] == _shown(score)
    assert council_partner_health(months=[P06])[0].score == score
    return score


def dependency(client, housing) -> Decimal:
    """Housing's dependency health in September on its dashboard, the coordination page,
    the combined view and their APIs."""
    page, api = department(client, housing)
    score = page["dependency"].score
    assert api["dependency_health"]["score"] == _shown(score)
    coordination_page, _ = coordination(client)
    (row,) = [r for r in coordination_page["rows"] if r[0].pk == housing.pk]
    assert row[2].score == score
    combined_page, combined_api = combined(client)
    (relation,) = [r for r in combined_page["rows"] if r.department.pk == housing.pk]
    assert relation.dependency.score == score
    (body,) = [r for r in combined_api["departments"] if r["department"] == housing.pk]
    assert body["dependency_health"] == _shown(score)
    return score


def housing_coordination(client, housing):
    """Housing's coordination in September on its dashboard, the coordination page and
    their APIs, checked against the metric function."""
    page, api = department(client, housing)
    figure = page["coordination"]
    assert api["coordination"]["index"] == _shown(figure.index)
    assert api["coordination"]["counterparts"] == figure.counterparts
    coordination_page, coordination_api = coordination(client)
    (row,) = [r for r in coordination_page["rows"] if r[0].pk == housing.pk]
    assert row[1].index == figure.index
    (body,) = [d for d in coordination_api["departments"] if d["department"] == housing.pk]
    assert body["index"] == _shown(figure.index)
    fresh = coordination_by_department(periods=[P06], department_ids=[housing.pk])
    assert fresh[(housing.pk, P06.key)].index == figure.index
    return figure


# --- returns and sign-offs of earlier months: year to date ---------------------------------------


def test_an_earlier_month_reopened_and_corrected_moves_year_to_date_at_once(
    client, world, housing, sam, alice, harriet
):
    """The issue's case: SMT reopens August, the return is corrected; September's year to
    date follows at every step, on the page and in the API."""
    sign_off_period(period_key="2025-26-P05", actor=sam)
    client.force_login(sam)
    assert year_to_date(client, housing) == Decimal("86.0")  # mean of 92 and 80

    reopen_period(period_key="2025-26-P05", actor=sam, reason="Housing figure restated")
    august = world.indicator.returns.get(period="2025-26-P05")
    send_back_return(kpi_return=august, actor=sam, reason="Count the cases closed in August")
    assert year_to_date(client, housing) == Decimal("80.0")  # August no longer counts

    save_return(
        indicator=world.indicator,
        period_key="2025-26-P05",
        actor=alice,
        value="70",
        submit=True,
        **EXPLAINED,
    )
    assert year_to_date(client, housing) == Decimal("75.0")  # mean of 70 and 80

    approve_return(kpi_return=world.indicator.returns.get(period="2025-26-P05"), actor=harriet)
    sign_off_period(period_key="2025-26-P05", actor=sam)
    assert year_to_date(client, housing) == Decimal("75.0")
    assert world.indicator.returns.get(period="2025-26-P05").state == "locked"


def test_direction_of_travel_follows_a_corrected_return_a_year_earlier(
    client, world, housing, sam, alice
):
    client.force_login(sam)

    def direction() -> str:
        page, api = department(client, housing)
        (row,) = page["rows"]
        assert row.direction.value == api["indicators"][0]["direction"]
        overview_page, overview_api = overview(client)
        assert {d.value: n for d, n in overview_page["travel"]} == overview_api[
            "statutory_direction"
        ]
        assert overview_api["statutory_direction"][row.direction.value] == 1
        return row.direction.value

    assert direction() == "worse"  # 80 against 85 a year earlier
    last_year = world.indicator.returns.get(period="2024-25-P06")
    reopen_return(kpi_return=last_year, actor=sam, reason="September 2024 miscounted")
    assert direction() == "no_comparison"  # sent back: not counted
    save_return(
        indicator=world.indicator,
        period_key="2024-25-P06",
        actor=alice,
        value="75",
        submit=True,
        **EXPLAINED,
    )
    assert direction() == "improved"  # 80 against 75


# --- trailing series: SLA results and referrals of earlier months --------------------------------


def test_sla_results_of_an_earlier_month_move_the_partner_health_trend(client, world, sam, pat):
    client.force_login(sam)

    def may() -> str | None:
        overview_page, overview_api = overview(client)
        combined_page, combined_api = combined(client)
        (point,) = [p for p in overview_api["partner_health"] if p["period"] == P02.key]
        (month,) = [m for m in combined_api["months"] if m["period"] == P02.key]
        assert month["partner_health"] == point["score"]
        (row,) = [r for r in overview_page["health_chart"].rows if r[0] == P02.short_label]
        expected = council_partner_health(months=[P02])[0].score
        assert point["score"] == _shown(expected)
        assert row[1] == ("not rated" if expected is None else f"{expected}")
        return point["score"]

    # No results for May, long past their deadline: escalations 100, timely reporting 0
    # (weights 15, 10): 1500 / 25 = 60.0.
    assert may() == "60.0"
    enter_sla_result(
        sla=world.cms_sla, period_key=P02.key, actor=pat, value="98.5", commentary="Outage."
    )
    # A minor failure entered late: SLA performance 50, credits 100, escalations 100,
    # timely 0 (weights 40, 20, 15, 10): (2000 + 2000 + 1500 + 0) / 85 = 64.7.
    assert may() == "64.7"


def test_a_referral_resolved_in_an_earlier_month_moves_the_coordination_trend(
    client, world, housing, finance, sam, alice, bob
):
    late = ReferralFactory(
        from_department=finance, to_department=housing, raised_on=date(2025, 5, 12), agreed_days=5
    )
    ReferralFactory(
        from_department=finance,
        to_department=housing,
        raised_on=date(2025, 5, 13),
        agreed_days=5,
        resolved_on=date(2025, 5, 14),
    )
    client.force_login(sam)

    def may() -> str:
        overview_page, overview_api = overview(client)
        (point,) = [p for p in overview_api["coordination_index"] if p["period"] == P02.key]
        (month,) = [m for m in _api(client, "combined/")["months"] if m["period"] == P02.key]
        assert month["coordination_index"] == point["score"]
        (row,) = [r for r in overview_page["coordination_chart"].rows if r[0] == P02.short_label]
        assert row[1] == (point["score"] or "not rated")
        coordination_page, _ = coordination(client)
        (row,) = [r for r in coordination_page["chart"].rows if r[0] == P02.short_label]
        assert row[1] == (point["score"] or "not rated")
        (fresh,) = council_coordination(periods=[P02])
        assert point["score"] == _shown(fresh.index)
        return point["score"]

    # 1 of 2 on time (the other unresolved past its due date), none digital, reach 100:
    # 100 × (0.5 × 0.5 + 0.25 × 0 + 0.25 × 1) = 50.0.
    assert may() == "50.0"
    resolve_referral(actor=alice, referral=late, on=date(2025, 5, 15))
    assert may() == "75.0"  # 2 of 2 on time


# --- targets, tolerances and indicator definitions -----------------------------------------------


def test_a_target_changed_through_the_api_rerates_at_once(client, world, housing, sam, ada):
    client.force_login(sam)
    assert rag(client, housing) == "red"  # 80 against 90, tolerance 5
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/targets/{world.targets[2025].pk}/",
        {"annual_value": "82"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    assert rag(client, housing) == "amber"  # 80 ≥ 82 − 5
    page, api = department(client, housing)
    assert api["indicators"][0]["period_target"] == "82.0" == _shown(page["rows"][0].period_target)


def test_a_tolerance_changed_in_the_admin_rerates_at_once(client, world, housing, sam, root):
    client.force_login(sam)
    assert rag(client, housing) == "red"
    client.force_login(root)
    response = client.post(
        f"/admin/departments/target/{world.targets[2025].pk}/change/",
        {
            "indicator": world.indicator.pk,
            "financial_year": 2025,
            "annual_value": "90",
            "tolerance": "10",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    client.force_login(sam)
    assert rag(client, housing) == "amber"  # 80 ≥ 90 − 10


def test_an_indicator_definition_changed_through_the_api_rerates_at_once(
    client, world, housing, sam, ada
):
    client.force_login(sam)
    assert rag(client, housing) == "red"
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/indicators/{world.indicator.pk}/",
        {"polarity": "lower"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    assert rag(client, housing) == "green"  # lower is better now: 80 ≤ 90


# --- weights -------------------------------------------------------------------------------------


def test_contract_health_weights_changed_through_the_api_move_partner_health(
    client, world, partnership, sam, ada
):
    EscalationFactory(partnership=partnership, severity="high", raised_on=date(2025, 9, 1))
    client.force_login(sam)
    # SLA performance 50 (one met, one serious), credits 100 − £2,000 of £15,000 = 86.7,
    # milestones no data, escalations 80 (one high open), timely 100; weights 40, 20, 15, 10:
    # (2000 + 1733.3 + 1200 + 1000) / 85 = 69.8.
    assert partner_health(client) == Decimal("69.8")
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/partnerships/{partnership.pk}/",
        {"weight_sla": 10},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    # (500 + 1733.3 + 1200 + 1000) / 55 = 80.6.
    assert partner_health(client) == Decimal("80.6")


def test_coordination_weights_changed_in_the_admin_move_the_index(
    client, world, council, housing, sam, root
):
    client.force_login(sam)

    def council_index() -> str:
        page, api = coordination(client)
        assert api["council"]["index"] == _shown(page["current"].index)
        overview_page, _ = overview(client)
        assert overview_page["coordination_now"].index == page["current"].index
        return api["council"]["index"]

    # All on time, none digital, reach 100: 100 × (0.5 + 0 + 0.25) = 75.0.
    assert council_index() == "75.0"
    assert housing_coordination(client, housing).index == Decimal("50.0")
    client.force_login(root)
    response = client.post(
        f"/admin/departments/council/{council.pk}/change/",
        {
            "name": council.name,
            "weight_on_time": 10,
            "weight_digital_share": 25,
            "weight_reach": 25,
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    client.force_login(sam)
    assert council_index() == "58.3"  # (10 × 100 + 25 × 0 + 25 × 100) / 60
    # Housing only sent: on time has no data, digital 0 and reach 100 share the weight.
    assert housing_coordination(client, housing).index == Decimal("50.0")


# --- departments added or made inactive ----------------------------------------------------------


def test_a_department_added_through_the_api_counts_in_reach_at_once(
    client, world, council, housing, sam, ada
):
    client.force_login(sam)
    before = housing_coordination(client, housing)
    # Housing worked with Finance, the only other department: reach 100; digital share 0,
    # on time no data: (0 × 25 + 100 × 25) / 50 = 50.0.
    assert (before.counterparts, before.departments, before.index) == (1, 2, Decimal("50.0"))
    client.force_login(ada)
    response = client.post(
        "/api/v1/departments/",
        {"council": council.pk, "name": "Planning", "code": "planning"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    client.force_login(sam)
    after = housing_coordination(client, housing)
    # Reach 1 of 2 other departments: (0 × 25 + 50 × 25) / 50 = 25.0.
    assert (after.counterparts, after.departments, after.index) == (1, 3, Decimal("25.0"))
    overview_page, overview_api = overview(client)
    assert "Planning" in [d.name for d in overview_page["departments"]]
    assert "Planning" in [d["name"] for d in overview_api["rag_by_department"]]


def test_a_department_made_inactive_through_the_api_leaves_the_figures_at_once(
    client, world, council, housing, sam, ada
):
    planning = Department.objects.create(council=council, name="Planning", code="planning")
    client.force_login(sam)
    assert housing_coordination(client, housing).index == Decimal("25.0")
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/departments/{planning.pk}/",
        {"is_active": False},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    assert housing_coordination(client, housing).index == Decimal("50.0")
    overview_page, overview_api = overview(client)
    assert "Planning" not in [d.name for d in overview_page["departments"]]
    assert "Planning" not in [d["name"] for d in overview_api["rag_by_department"]]
    coordination_page, coordination_api = coordination(client)
    assert planning.pk not in [d.pk for d in coordination_page["departments"]]
    assert planning.pk not in [d["department"] for d in coordination_api["departments"]]


# --- services, SLAs, charges and contracts -------------------------------------------------------


def test_a_service_given_a_department_in_the_admin_moves_its_dependency_health(
    client, world, partnership, housing, sam, root
):
    client.force_login(sam)
    assert dependency(client, housing) == Decimal("100.0")  # the case-management system only
    client.force_login(root)
    response = client.post(
        f"/admin/partnerships/service/{world.intranet.pk}/change/",
        {
            "partnership": partnership.pk,
            "code": "intranet",
            "name": "Intranet",
            "monthly_charge": "50000.00",
            "credit_cap_percent": "10",
            "departments": [housing.pk],
            "slas-TOTAL_FORMS": "0",
            "slas-INITIAL_FORMS": "0",
            "slas-MIN_NUM_FORMS": "0",
            "slas-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    client.force_login(sam)
    # Weighted by charge: (100,000 × 100 + 50,000 × 0) / 150,000 = 66.7.
    assert dependency(client, housing) == Decimal("66.7")


def test_a_charge_changed_through_the_api_reweights_dependency_health(
    client, world, housing, sam, ada
):
    world.intranet.departments.add(housing)  # through the service's relation: m2m_changed
    client.force_login(sam)
    assert dependency(client, housing) == Decimal("66.7")
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/services/{world.intranet.pk}/",
        {"monthly_charge": "100000.00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    assert dependency(client, housing) == Decimal("50.0")  # equal charges: (100 + 0) / 2


def test_an_sla_level_changed_through_the_api_rescores_at_once(client, world, housing, sam, ada):
    client.force_login(sam)
    assert dependency(client, housing) == Decimal("100.0")
    before = partner_health(client)
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/slas/{world.cms_sla.pk}/",
        {"expected_level": "99.9"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    assert dependency(client, housing) == Decimal("50.0")  # 99.7 is now a minor failure
    assert partner_health(client) < before


def test_contract_value_and_dates_changed_through_the_api(client, world, council, sam, ada):
    """Council partner health weights partnerships by annual value; the contract dates
    decide the months a partnership is rated in (point 1 of the issue), so a change of
    dates retires the cached figures too."""
    second = PartnershipFactory(
        council=council, name="Waste partnership", annual_value=Decimal("4000000")
    )
    sla = SlaFactory(service=ServiceFactory(partnership=second, code="waste"))
    SlaResultFactory(sla=sla, period=P06.key, reported_value=Decimal("99.9"), entered_at=ON_TIME)
    client.force_login(sam)
    before = partner_health(client)
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/partnerships/{second.pk}/",
        {"annual_value": "40000000.00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    client.force_login(sam)
    after = partner_health(client)  # the healthy partnership now weighs far more
    assert after > before

    key = figure_cache_key("overview", month=P06)
    client.force_login(ada)
    response = client.patch(
        f"/api/v1/partnerships/{second.pk}/",
        {"start_date": "2025-10-01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert figure_cache_key("overview", month=P06) != key


def test_an_entry_of_another_figures_format_is_never_read_as_this_releases(db, monkeypatch):
    """During a rolling deploy the old release's workers share the cache and the
    generation with the new one's: a figure whose shape changed (``FIGURES_FORMAT``) is
    built again, not handed to code that reads it another way."""
    monkeypatch.setattr(figure_cache, "FIGURES_FORMAT", 1)
    assert figure_cache.cached_figures("overview", month=P06, build=lambda: "held as decimals")

    monkeypatch.setattr(figure_cache, "FIGURES_FORMAT", 2)
    assert figure_cache.cached_figures("overview", month=P06, build=lambda: "as fractions") == (
        "as fractions",
        False,
    )
    assert figure_cache.cached_figures("overview", month=P06, build=list) == (
        "as fractions",
        True,
    )


# --- today's date --------------------------------------------------------------------------------


def test_a_deadline_passing_overnight_is_not_hidden_by_the_cache(client, world, housing, sam):
    """Returns for September are due 21 October. Signed off on the 21st, the month's
    figures are cached; the next day the return still missing is shown as missing."""
    IndicatorFactory(department=housing, code="H2")  # no September return
    client.force_login(sam)
    with time_machine.travel(datetime(2025, 10, 21, 17, tzinfo=LONDON), tick=False):
        _, api = overview(client)
        assert api["missing_returns"] == []
    with time_machine.travel(datetime(2025, 10, 22, 9, tzinfo=LONDON), tick=False):
        page, api = overview(client)
        assert [r["indicator"] for r in api["missing_returns"]] == ["H2"]
        assert [r.indicator.code for r in page["missing_rows"]] == ["H2"]


# --- page and API share one entry ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "page", "api"),
    [
        (
            "reporting.figures.department.department_figures",
            "/departments/{housing}/",
            "departments/{housing}/",
        ),
        ("reporting.metrics.overview.overview_figures", "/overview/", "overview/"),
        ("reporting.figures.coordination.coordination_figures", "/coordination/", "coordination/"),
        ("reporting.metrics.combined.combined_figures", "/combined/", "combined/"),
    ],
)
def test_the_page_and_its_api_read_one_cached_entry(
    client, monkeypatch, world, housing, sam, builder, page, api
):
    module, name = builder.rsplit(".", 1)
    module = __import__(module, fromlist=[name])
    real, calls = getattr(module, name), []

    def counted(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    client.force_login(sam)
    response = client.get(page.format(housing=housing.pk) + f"?period={P06.key}")
    assert response.status_code == 200
    assert calls == [name]  # the page built the figures
    _api(client, api.format(housing=housing.pk))
    _api(client, api.format(housing=housing.pk))
    assert calls == [name]  # built once for the page; the API read the same entry


def _same_as_the_page(endpoint: str, page: dict, api: dict, housing) -> None:
    """The figures the endpoint answers are the page's: RAG counts and partner health on
    the overview, H1's row with coordination and dependency health on the department
    dashboard, Housing's index on the coordination page, the council partner health and
    Housing's dependency health on the combined view."""
    if endpoint == "overview":
        (row,) = [r for r in api["rag_by_department"] if r["department"] == housing.pk]
        assert {k: row[k] for k in ("green", "amber", "red", "missing")} == {
            k: page["counts"][housing.pk][k] for k in ("green", "amber", "red", "missing")
        }
        assert api["partner_health"][-1]["score"] == _shown(page["health_now"].score)
    elif endpoint == "department":
        ((row,), (body,)) = page["rows"], api["indicators"]
        assert (body["value"], body["rag"]) == (_shown(row.value), row.rag.value)
        assert api["coordination"]["index"] == _shown(page["coordination"].index)
        assert api["dependency_health"]["score"] == _shown(page["dependency"].score)
    elif endpoint == "coordination":
        (row,) = [r for r in page["rows"] if r[0].pk == housing.pk]
        (body,) = [d for d in api["departments"] if d["department"] == housing.pk]
        assert body["index"] == _shown(row[1].index)
    else:
        assert api["months"][-1]["partner_health"] == _shown(page["health_now"])
        (row,) = [r for r in page["rows"] if r.department.pk == housing.pk]
        (body,) = [d for d in api["departments"] if d["department"] == housing.pk]
        assert body["dependency_health"] == _shown(row.dependency.score)


@pytest.mark.parametrize(
    ("endpoint", "page", "api"),
    [
        ("overview", "/overview/", "overview/"),
        ("department", "/departments/{housing}/", "departments/{housing}/"),
        ("coordination", "/coordination/", "coordination/"),
        ("combined", "/combined/", "combined/"),
    ],
)
def test_the_api_of_a_cached_page_is_cached(client, world, housing, sam, endpoint, page, api):
    """A second identical request to the endpoint reads the figures from the cache, so it
    makes fewer queries than the first, and both answer the page's numbers."""
    client.force_login(sam)
    url = api.format(housing=housing.pk)
    with CaptureQueriesContext(connection) as first:
        body = _api(client, url)
    with CaptureQueriesContext(connection) as second:
        again = _api(client, url)
    assert again == body
    # The second reads the user, their scope, the sign-off and the departments shown;
    # the figures' own queries (a dozen or more) are gone.
    assert len(second) <= 6 < len(first)
    shown = client.get(page.format(housing=housing.pk), {"period": P06.key})
    assert shown.status_code == 200
    _same_as_the_page(endpoint, shown.context, body, housing)


# --- the bookkeeping itself ----------------------------------------------------------------------


def test_every_model_is_an_input_or_named_as_not_one():
    """A new model must be classified: a figure input (its writes retire cached figures)
    or named as read by no cached figure."""
    models = {
        model._meta.label
        for app in ("departments", "partnerships", "reporting", "scrutiny")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")  # django-simple-history's copies
    }
    assert models == set(FIGURE_INPUTS) | set(NOT_FIGURE_INPUTS)
    assert not set(FIGURE_INPUTS) & set(NOT_FIGURE_INPUTS)


def _count_a_referral(*, resolution_days: int | None) -> None:
    """The monthly summaries written alone, as no code but a referral's write does."""
    first, second = Department.objects.order_by("pk")[:2]
    record_referral_changes(
        added=[
            Tally(
                period="2025-26-P06",
                from_id=first.pk,
                to_id=second.pk,
                digital=False,
                due_on=date(2025, 9, 20),
                resolution_days=resolution_days,
                on_time=resolution_days is not None,
            )
        ]
    )


WRITES = {
    "departments.Council": lambda w: w.indicator.council.save(),
    "departments.Department": lambda w: w.indicator.department.save(),
    "departments.PerformanceIndicator": lambda w: w.indicator.save(),
    "departments.Target": lambda w: w.targets[2025].delete(),
    "departments.KpiReturn": lambda w: KpiReturnFactory(
        indicator=w.indicator, period="2024-25-P04"
    ),
    "departments.PeriodSignOff": lambda w: PeriodSignOff.objects.get().save(),
    "departments.Referral": lambda w: ReferralFactory(),
    "departments.ReferralPairMonth": lambda w: _count_a_referral(resolution_days=None),
    "departments.ReferralOpenMonth": lambda w: _count_a_referral(resolution_days=None),
    "departments.ReferralDaysMonth": lambda w: _count_a_referral(resolution_days=3),
    "departments.IndicatorRating": lambda w: recount_ratings(indicators=[w.indicator.pk]),
    "partnerships.Partner": lambda w: w.cms.partnership.partner.save(),
    "partnerships.Partnership": lambda w: w.cms.partnership.save(),
    "partnerships.Service": lambda w: w.cms.save(),
    "partnerships.Sla": lambda w: w.cms_sla.save(),
    "partnerships.SlaResult": lambda w: w.cms_sla.results.first().delete(),
    "partnerships.SlaServiceMonth": lambda w: recount_service_months(services=[w.cms.pk]),
    "partnerships.Milestone": lambda w: MilestoneFactory(partnership=w.cms.partnership),
    "partnerships.Escalation": lambda w: EscalationFactory(partnership=w.cms.partnership),
    "partnerships.Risk": lambda w: RiskFactory(partnership=w.cms.partnership),
}


@pytest.mark.parametrize("label", FIGURE_INPUTS)
def test_every_write_of_an_input_retires_the_cached_figures(world, label):
    generation = figures_generation()
    WRITES[label](world)
    assert figures_generation() != generation


def test_a_service_losing_a_department_retires_the_cached_figures(world, housing):
    generation = figures_generation()
    world.cms.departments.remove(housing)
    assert figures_generation() != generation


def test_the_generation_changes_again_when_the_write_commits(
    world, django_capture_on_commit_callbacks
):
    """A reader that took the generation after the write but before its commit read the
    rows as they were; the change at commit leaves what it stored unreachable."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        world.cms.save()
        during = figure_cache_key("overview", month=P06)
    assert callbacks  # the change after the commit is waiting for the commit
    for callback in callbacks:
        callback()
    assert figure_cache_key("overview", month=P06) != during


def test_figures_are_read_outside_a_transaction():
    """A figure computed inside a writing transaction that then rolled back would outlive
    it in the cache; the pages and the API read outside one."""
    assert not settings.DATABASES["default"].get("ATOMIC_REQUESTS", False)


def test_an_entry_another_release_pickled_is_built_again_not_a_500(client, sam, housing):
    """During a rolling deploy the old release's workers and the new share the cache and
    the generation. An entry whose class the new release moved (as dependency health moved
    out of reporting.metrics.health) cannot be unpickled: the page builds its figures again
    and stores them over it, instead of answering 500."""
    from django.core.cache import cache

    module = ModuleType("tests_moved_figures")
    sys.modules[module.__name__] = module

    class Moved:
        pass

    Moved.__module__, Moved.__qualname__ = module.__name__, "Moved"
    module.Moved = Moved
    month = Period.parse("2025-26-P06")
    key = figure_cache_key("overview", month=month)
    try:
        with time_machine.travel(datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))):
            cache.set(key, Moved())
            del module.Moved  # the class is no longer where the entry says it is
            client.force_login(sam)
            response = client.get("/overview/?period=2025-26-P06")
            assert response.status_code == 200
            assert response.context["from_cache"] is False
            assert client.get("/overview/?period=2025-26-P06").context["from_cache"] is True
    finally:
        del sys.modules[module.__name__]
