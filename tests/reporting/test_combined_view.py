"""The combined view and early warnings through the page, the API and the module: they
tell the same story (DESIGN.md section 3, "Combined view" and "Early warnings").

Time is frozen on Friday 28 November 2025, noon in London; the month shown is September
2025 (2025-26-P06) and the window its 24 months, October 2023 (2023-24-P07) onwards.

The episode: Housing depends on the shared case-management system (S1), Finance on the
payroll service (S2), both of the ICT partnership, each with two availability SLAs. A
service's health each month is 100 (both met), 50 (one met, one serious) or 0 (both
serious), following the patterns ``S1`` and ``S2`` below. Each month Finance refers two
pieces of work to Housing and Housing two to Finance, by email, agreed in 5 days. Of the
two Housing receives in month m, ``S1[m − 1] ÷ 50`` are resolved on time (the other late);
of the two Finance receives, ``S2[m] ÷ 50``. With two departments reach is 100 and the
digital share 0, so a department's index is 100 × (0.5 × on time + 0.25 × 0 + 0.25 × 1):

    Housing's index in month m = 25 + 0.5 × S1[m − 1]   (follows its service a month later)
    Finance's index in month m = 25 + 0.5 × S2[m]       (follows its service in the month)

so Housing's changes follow its dependency health's by one month with r = 1.00 over 22
pairs, and Finance's in the same month with r = 1.00 over 23 pairs.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape as html_escape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.numbers import round_fraction_half_up
from departments.periods import Period
from reporting.metrics.combined import (
    ChangePoint,
    below_green_spells,
    change_points,
    combined_figures,
    fitted_line,
)
from reporting.metrics.coordination import coordination_by_department, council_coordination
from reporting.metrics.dependency import dependency_health
from reporting.metrics.health import (
    contract_health_series,
    trailing_months,
)
from reporting.metrics.partner_health import council_partner_health
from reporting.metrics.relation import relation
from reporting.models import EarlyWarning, WarningRule
from tests.factories import (
    DepartmentFactory,
    EscalationFactory,
    PartnershipFactory,
    ReferralFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
P06 = Period.parse("2025-26-P06")
MONTHS = trailing_months(P06, 24)
PAGE = "/combined/?period=2025-26-P06"
API = "/api/v1/metrics/combined/?period=2025-26-P06"
D = Decimal

S1 = [
    100,
    50,
    100,
    0,
    50,
    100,
    100,
    50,
    0,
    50,
    100,
    50,
    0,
    0,
    50,
    100,
    50,
    100,
    0,
    50,
    100,
    50,
    50,
    0,
]
S2 = [
    50,
    100,
    0,
    50,
    100,
    100,
    0,
    50,
    50,
    100,
    0,
    50,
    100,
    50,
    0,
    100,
    50,
    0,
    50,
    100,
    0,
    100,
    50,
    50,
]
OUTCOMES = {100: ("99.9", "99.9"), 50: ("99.9", "90"), 0: ("90", "90")}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def service_following(partnership, department, pattern, months=MONTHS, **kwargs):
    service = ServiceFactory(partnership=partnership, **kwargs)
    service.departments.add(department)
    slas = [SlaFactory(service=service, code=f"{service.code}-{n}") for n in (1, 2)]
    for month, health in zip(months, pattern, strict=True):
        for sla, value in zip(slas, OUTCOMES[health], strict=True):
            SlaResultFactory(sla=sla, period=month.key, reported_value=D(value))
    return service


def referrals(source, target, on_time: list[int], months=MONTHS, per_month: int = 2):
    for month, count in zip(months, on_time, strict=True):
        for n in range(per_month):
            raised = month.start + timedelta(days=n)
            ReferralFactory(
                from_department=source,
                to_department=target,
                raised_on=raised,
                agreed_days=5,
                acknowledged_on=raised,
                resolved_on=raised + timedelta(days=2 if n < count else 8),
            )


@pytest.fixture
def episode(partnership, housing, finance):
    s1 = service_following(
        partnership, housing, S1, code="case-management", name="Shared case-management system"
    )
    s2 = service_following(partnership, finance, S2, code="payroll", name="Payroll service")
    referrals(finance, housing, [v // 50 for v in [100, *S1[:-1]]])
    referrals(housing, finance, [v // 50 for v in S2])
    return s1, s2


def figures_for(*departments, partnership=None):
    return combined_figures(P06, departments=list(departments), partnership=partnership)


# --- the module ----------------------------------------------------------------------------


def test_the_council_relation_is_the_relation_of_partner_health_and_coordination(
    episode, housing, finance
):
    figures = figures_for(finance, housing)

    health_months = council_partner_health(months=MONTHS)
    council = council_coordination(periods=MONTHS)
    health = [(h.period, h.score) for h in health_months]
    coordination = [(c.period, c.index) for c in council]
    assert figures.months == MONTHS
    assert figures.health == health
    assert figures.coordination_series == coordination
    # The relation is measured on the exact monthly figures, not the rounded ones shown.
    assert figures.relation == relation(
        [(h.period, h.exact) for h in health_months],
        [(c.period, c.index_exact) for c in council],
    )
    assert figures.finding() == figures.relation.finding(24)
    # Council-wide on time counts all four referrals: in September Housing had S1[22] ÷ 50
    # = 1 on time and Finance S2[23] ÷ 50 = 1: 2 of 4 = 50, index 25 + 0.5 × 50 = 50.0.
    assert coordination[-1] == (P06, D("50.0"))
    # October 2023: Housing 2 (the first month's assumed 100) and Finance 1: 3 of 4 = 75,
    # index 25 + 0.5 × 75 = 62.5.
    assert coordination[0] == (MONTHS[0], D("62.5"))
    # Every change pair of the relation is there at each lag: 23 changes, 23 − lag pairs.
    assert [(lag.lag, lag.pairs) for lag in figures.relation.lags] == [
        (0, 23),
        (1, 22),
        (2, 21),
        (3, 20),
    ]
    assert figures.change_points() == change_points(health, coordination, figures.lag_shown)


def test_each_department_row_carries_its_own_relation(episode, housing, finance):
    figures = figures_for(finance, housing)
    rows = {row.department.name: row for row in figures.departments}
    assert list(rows) == ["Finance", "Housing"]

    dependencies = dependency_health(months=MONTHS, department_ids=[housing.pk, finance.pk])
    # The view shows no median days to resolve, so it reads none.
    coordination = coordination_by_department(periods=MONTHS, median_periods=[])
    for department, pattern in ((housing, S1), (finance, S2)):
        row = rows[department.name]
        assert [v for _, v in row.dependency_series] == [D(v) for v in pattern]
        assert row.dependency_series == [
            (m, dependencies[(department.pk, m.key)].score) for m in MONTHS
        ]
        assert row.coordination_series == [
            (m, coordination[(department.pk, m.key)].index) for m in MONTHS
        ]
        assert row.relation == relation(row.dependency_series, row.coordination_series)
        assert row.coordination == coordination[(department.pk, P06.key)]

    housing_row, finance_row = rows["Housing"], rows["Finance"]
    # Housing: 25 + 0.5 × S1[m − 1]; in September 25 + 0.5 × S1[22] = 25 + 25 = 50.0.
    assert [v for _, v in housing_row.coordination_series] == [
        D(25) + D(v) / 2 for v in [100, *S1[:-1]]
    ]
    assert housing_row.coordination.index == D("50.0")
    best = housing_row.relation.best
    assert (best.lag, best.r, best.pairs) == (1, D("1.00"), 22)
    assert housing_row.finding() == (
        "When the partner's services Housing depends on slip, Housing's joint working with "
        "other departments tends to slip too, about a month later; when they improve, so "
        "does its joint working."
    )
    assert housing_row.relation.statistics() == (
        "The link is very strong: r = 1.00 over 22 pairs of months, coordination measured "
        "about a month later."
    )
    best = finance_row.relation.best
    assert (best.lag, best.r, best.pairs) == (0, D("1.00"), 23)
    assert "tends to slip too, in the same month;" in finance_row.finding()


def test_narrowed_to_one_partnership_the_health_is_that_partnerships(
    episode, partnership, housing, finance
):
    # A second partnership, worth as much, with no services: its contract health is the
    # escalations component alone, 100 − 10 × one medium escalation open = 90.0 from
    # August 2025.
    other = PartnershipFactory(council=partnership.council, name="Waste partnership")
    EscalationFactory(
        partnership=other, severity="medium", raised_on=Period.parse("2025-26-P05").start
    )

    narrowed = figures_for(housing, partnership=other)
    council = figures_for(housing)

    assert [v for _, v in narrowed.health][-3:] == [D("100.0"), D("90.0"), D("90.0")]
    assert narrowed.health == [
        (h.period, h.score) for h in contract_health_series(partnership=other, months=MONTHS)
    ]
    ict = contract_health_series(partnership=partnership, months=MONTHS)[-1].exact
    # Council-wide: the mean of the two exact scores, weighted by equal annual values,
    # rounded once.
    assert council.health[-1][1] == round_fraction_half_up((ict + 90) / 2, 1)
    assert narrowed.relation == relation(narrowed.health, narrowed.coordination_series)


def test_below_green_spells_worked_example():
    months = trailing_months(P06, 8)
    series = [
        (m, None if v is None else D(v))
        for m, v in zip(months, ["85", "79.9", "60", None, "70", "80", "50", "40"], strict=True)
    ]

    spells = below_green_spells(series)

    # 79.9 and 60 (Mar-Apr 2025), broken by a month without a figure; 70 alone (Jun); 80
    # is green; 50 and 40 to the end (Aug-Sep).
    assert [(s.first, s.last, s.months) for s in spells] == [
        (months[1], months[2], 2),
        (months[4], months[4], 1),
        (months[6], months[7], 2),
    ]


def test_change_points_pair_each_health_change_with_the_coordination_change_lag_later():
    months = trailing_months(P06, 4)
    health = [(m, D(v)) for m, v in zip(months, ["80", "82", "79", "85"], strict=True)]
    coordination = [(m, D(v)) for m, v in zip(months, ["70", "71", "75", "69"], strict=True)]

    points = change_points(health, coordination, 1)

    # Health changes +2, −3, +6; coordination changes +1, +4, −6. At lag 1: +2 with +4,
    # −3 with −6; the last health change has no month after it.
    assert points == [
        ChangePoint(months[1], months[2], D("2"), D("4")),
        ChangePoint(months[2], months[3], D("-3"), D("-6")),
    ]
    slope, intercept = fitted_line(points)
    assert (slope, intercept) == pytest.approx((2.0, 0.0))
    assert [
        (p.health_change, p.coordination_change) for p in change_points(health, coordination, 0)
    ] == [
        (D("2"), D("1")),
        (D("-3"), D("4")),
        (D("6"), D("-6")),
    ]


def test_fitted_line_through_points_on_an_exact_line():
    month = P06
    points = [ChangePoint(month, month, D(x), D(2 * x + 1)) for x in (-2, 0, 1, 3)]  # y = 2x + 1

    slope, intercept = fitted_line(points)

    assert slope == pytest.approx(2.0)
    assert intercept == pytest.approx(1.0)
    assert fitted_line(points[:1]) is None  # one point: no line
    assert fitted_line([ChangePoint(month, month, D(1), D(y)) for y in (1, 2)]) is None  # no spread


# --- the page ------------------------------------------------------------------------------


def _chart(html: str, dom_id: str) -> dict:
    block = re.search(
        rf'<script type="application/json" id="{dom_id}-data">(.*?)</script>', html, re.S
    )
    assert block, f"no chart {dom_id}"
    return json.loads(block.group(1))


@pytest.mark.parametrize("persona", ["sam", "audrey"])
def test_smt_and_auditors_see_the_council_finding_charts_and_every_department(
    client, request, episode, housing, finance, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(PAGE)

    assert response.status_code == 200
    figures = figures_for(finance, housing)
    html = response.content.decode()
    assert response.context["finding"] == figures.finding()
    assert f'data-testid="finding">{html_escape(figures.finding())}</p>' in html
    trend = _chart(html, "combined-trend")
    assert [trace["name"] for trace in trend["data"]] == ["Partner health", "Coordination index"]
    assert trend["data"][0]["y"] == [float(v) for _, v in figures.health]
    assert trend["data"][1]["y"] == [float(v) for _, v in figures.coordination_series]
    scatter = _chart(html, "combined-changes")
    points = figures.change_points()
    assert scatter["data"][0]["x"] == [float(p.health_change) for p in points]
    assert [row.department for row in response.context["rows"]] == [finance, housing]
    assert ">Housing</a></th>" in html and ">Finance</a></th>" in html
    assert "Very strong link, about a month later (r = 1.00, 22 pairs)" in html  # Housing's
    assert "Very strong link, in the same month (r = 1.00, 23 pairs)" in html  # Finance's
    assert f'data-testid="finding-statistics">{figures.relation.statistics()}</p>' in html
    assert "is not proof that one causes the other" in html


@pytest.mark.parametrize("persona", ["harriet", "alice"])
def test_a_department_sees_only_its_own_row_and_finding(client, request, episode, housing, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert [row.department for row in response.context["rows"]] == [housing]
    assert "Finance" not in html
    assert "Payroll service" not in html
    own = figures_for(housing).departments[0].finding()
    assert response.context["finding"] == own
    assert html_escape(own) in html
    assert "Housing's joint working with other departments tends to slip too, about a month" in own
    trend = _chart(html, "combined-trend")
    assert trend["data"][0]["y"] == [float(v) for v in S1]


def test_a_partner_manager_is_refused(client, pat, episode):
    client.force_login(pat)
    assert client.get(PAGE).status_code == 403


def test_anonymous_readers_are_sent_to_log_in(client, episode):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/combined/")


def test_a_bad_period_is_not_found(client, sam):
    client.force_login(sam)
    assert client.get("/combined/?period=bad").status_code == 404
    assert client.get("/combined/?period=2025-26-Q2").status_code == 404


def test_the_page_narrows_to_one_partnership(client, sam, harriet, episode, partnership):
    other = PartnershipFactory(council=partnership.council, name="Waste partnership")
    client.force_login(sam)

    response = client.get(f"{PAGE}&partnership={other.pk}")

    assert response.status_code == 200
    assert response.context["partnership"] == other
    narrowed = figures_for(partnership=other)
    assert response.context["finding"] == narrowed.finding()
    trend = _chart(response.content.decode(), "combined-trend")
    assert trend["data"][0]["name"] == "Waste partnership contract health"
    assert trend["data"][0]["y"] == [float(v) for _, v in narrowed.health]
    assert client.get(f"{PAGE}&partnership=999999").status_code == 404
    assert client.get(f"{PAGE}&partnership=abc").status_code == 404
    # Narrowing is for council-wide readers.
    client.force_login(harriet)
    assert client.get(f"{PAGE}&partnership={other.pk}").status_code == 404


# --- the API -------------------------------------------------------------------------------


def _lags(relation_) -> list[dict]:
    return [
        {
            "lag": lag.lag,
            "r": None if lag.r is None else str(lag.r),
            "pairs": lag.pairs,
            "strength": lag.strength,
        }
        for lag in relation_.lags
    ]


def test_the_api_gives_the_modules_figures(client, sam, episode, housing, finance):
    client.force_login(sam)

    response = client.get(API)

    assert response.status_code == 200
    body = response.json()
    figures = figures_for(finance, housing)
    assert body["period"] == "2025-26-P06"
    assert body["partnership"] is None
    assert body["relation"]["finding"] == figures.finding()
    assert body["relation"]["lags"] == _lags(figures.relation)
    best = figures.relation.best
    assert body["relation"]["best"] == (
        None
        if best is None
        else {"lag": best.lag, "r": str(best.r), "pairs": best.pairs, "strength": best.strength}
    )
    assert body["relation"]["statistics"] == figures.relation.statistics()
    assert body["relation"]["caveat"].startswith("A link like this is not proof")
    assert [m["period"] for m in body["months"]] == [m.key for m in MONTHS]
    assert [m["partner_health"] for m in body["months"]] == [
        None if v is None else f"{v:.1f}" for _, v in figures.health
    ]
    assert body["months"][-1]["coordination_index"] == "50.0"
    assert len(body["changes"]) == len(figures.change_points())
    departments = {row["name"]: row for row in body["departments"]}
    assert list(departments) == ["Finance", "Housing"]
    assert departments["Housing"]["department"] == housing.pk
    assert departments["Housing"]["dependency_health"] == "0.0"  # S1 in September
    assert departments["Housing"]["coordination_index"] == "50.0"
    assert departments["Housing"]["relation"]["best"] == {
        "lag": 1,
        "r": "1.00",
        "pairs": 22,
        "strength": "very strong",
    }
    assert departments["Finance"]["relation"]["best"] == {
        "lag": 0,
        "r": "1.00",
        "pairs": 23,
        "strength": "very strong",
    }
    for row in figures.departments:
        assert departments[row.department.name]["relation"]["lags"] == _lags(row.relation)
        assert departments[row.department.name]["relation"]["finding"] == row.finding()


def test_a_head_gets_only_their_department_and_no_council_series(client, harriet, episode, housing):
    client.force_login(harriet)

    body = client.get(API).json()

    assert (body["relation"], body["months"], body["spells"], body["changes"]) == (
        None,
        None,
        [],
        [],
    )
    assert [row["department"] for row in body["departments"]] == [housing.pk]
    assert body["departments"][0]["relation"]["best"] == {
        "lag": 1,
        "r": "1.00",
        "pairs": 22,
        "strength": "very strong",
    }


def test_the_api_refuses_a_partner_and_a_bad_period(client, pat, sam):
    client.force_login(pat)
    assert client.get(API).status_code == 403
    client.force_login(sam)
    response = client.get("/api/v1/metrics/combined/?period=bad")
    assert response.status_code == 400
    assert list(response.json()) == ["period"]
    assert isinstance(response.json()["period"], list)


def _more_of_everything(council, partnership, housing, prefix: str, size: int) -> None:
    """``size`` more departments, each depending on a service of its own with results every
    month, and referring work to Housing every month."""
    for n in range(size):
        code = f"{prefix}-{n}"
        department = DepartmentFactory(council=council, name=f"Extra {code}", code=code)
        service_following(partnership, department, S2, code=code)
        referrals(department, housing, [1] * 24, per_month=1)


@pytest.mark.parametrize("url", [PAGE, API])
def test_the_page_and_the_api_make_the_same_number_of_queries_at_two_sizes(
    client, sam, council, partnership, housing, finance, url
):
    client.force_login(sam)
    referrals(finance, housing, [1] * 24, per_month=1)
    counts = []
    for prefix, size in (("small", 1), ("large", 4)):  # 3 departments, then 7
        _more_of_everything(council, partnership, housing, prefix, size)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _sla_result_reads(captured) -> int:
    """Reads of the SLA results' monthly summary; the results themselves are never read."""
    sql = [q["sql"] for q in captured.captured_queries]
    assert not any('FROM "partnerships_slaresult"' in q for q in sql)
    return sum('FROM "partnerships_slaservicemonth"' in q for q in sql)


@pytest.mark.parametrize("url", [PAGE, API])
def test_the_sla_results_are_read_once_for_partner_and_dependency_health(
    client, sam, council, partnership, url
):
    """Council partner health and each department's dependency health are built on the
    same services' months: one read of the SLA results' summary serves both, however many
    partnerships there are (it was one per partnership and one more)."""
    other = PartnershipFactory(council=council, name="Waste partnership")
    ServiceFactory(partnership=other, name="Fleet tracking")
    client.force_login(sam)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert _sla_result_reads(captured) == 1


@pytest.mark.parametrize("url", [PAGE, API])
def test_the_view_reads_no_days_histogram(client, sam, finance, housing, url):
    """The view shows no median days to resolve, the council's or a department's, so
    neither reads the days histogram behind them."""
    referrals(finance, housing, [1] * 24, per_month=1)
    client.force_login(sam)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    reads = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "departments_referraldaysmonth"' in q["sql"]
    ]
    assert reads == []


def test_read_without_medians_every_other_figure_is_the_same(finance, housing):
    referrals(finance, housing, [1] * 24, per_month=1)
    with time_machine.travel(NOW):
        full = coordination_by_department(periods=MONTHS)
        lean = coordination_by_department(periods=MONTHS, median_periods=[])
    assert any(c.median_days is not None for c in full.values())
    assert all(c.median_days is None for c in lean.values())
    assert {k: replace(c, median_days=None) for k, c in full.items()} == lean
    with time_machine.travel(NOW):
        council = council_coordination(periods=MONTHS, by_department=full)
        council_lean = council_coordination(periods=MONTHS, by_department=full, median_periods=[])
        council_last = council_coordination(
            periods=MONTHS, by_department=full, median_periods=MONTHS[-1:]
        )
    assert any(c.median_days is not None for c in council)
    assert all(c.median_days is None for c in council_lean)
    assert [replace(c, median_days=None) for c in council] == council_lean
    assert council_last[-1] == council[-1] and council[-1].median_days is not None
    assert council_last[:-1] == council_lean[:-1]


# --- early warnings: the API ---------------------------------------------------------------


@pytest.fixture
def warnings(council, partnership, housing, finance):
    """One warning of each shape: Housing's and Finance's missing returns, Housing's
    service red on the ICT partnership, and each partnership falling with coordination."""
    other = PartnershipFactory(council=council, name="Waste partnership")
    service = ServiceFactory(partnership=partnership, name="Shared case-management system")

    def make(rule, key, label, **scope):
        return EarlyWarning.objects.create(
            rule=rule,
            subject_key=key,
            subject_label=label,
            starting_period="2025-26-P05",
            latest_period="2025-26-P06",
            evidence={"summary": f"Evidence for {label}."},
            **scope,
        )

    return {
        "housing_missing": make(
            WarningRule.MISSING_RETURNS,
            f"department:{housing.pk}",
            "Housing: returns for Sep 2025",
            department=housing,
        ),
        "finance_missing": make(
            WarningRule.MISSING_RETURNS,
            f"department:{finance.pk}",
            "Finance: returns for Sep 2025",
            department=finance,
        ),
        "housing_service": make(
            WarningRule.SERVICE_RED,
            f"department:{housing.pk}/service:{service.pk}",
            "Housing: Shared case-management system",
            department=housing,
            partnership=partnership,
            service=service,
        ),
        "ict_falling": make(
            WarningRule.FALLING_TOGETHER,
            f"partnership:{partnership.pk}",
            "ICT partnership and council coordination",
            partnership=partnership,
        ),
        "waste_falling": make(
            WarningRule.FALLING_TOGETHER,
            f"partnership:{other.pk}",
            "Waste partnership and council coordination",
            partnership=other,
        ),
    }


WARNINGS_API = "/api/v1/early-warnings/"


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        (
            "sam",
            {
                "housing_missing",
                "finance_missing",
                "housing_service",
                "ict_falling",
                "waste_falling",
            },
        ),
        (
            "audrey",
            {
                "housing_missing",
                "finance_missing",
                "housing_service",
                "ict_falling",
                "waste_falling",
            },
        ),
        ("harriet", {"housing_missing", "housing_service"}),
        ("alice", {"housing_missing", "housing_service"}),
        ("bob", {"finance_missing"}),
        ("pat", {"housing_service", "ict_falling"}),
    ],
)
def test_the_warning_list_is_scoped(client, request, warnings, persona, visible):
    client.force_login(request.getfixturevalue(persona))

    body = client.get(WARNINGS_API).json()

    names = {w.pk: name for name, w in warnings.items()}
    assert body["count"] == len(visible)
    assert {names[row["id"]] for row in body["results"]} == visible
    for name in set(warnings) - visible:
        assert client.get(f"{WARNINGS_API}{warnings[name].pk}/").status_code == 404


def test_the_warning_list_filters_by_state_and_rule(client, sam, warnings):
    EarlyWarning.objects.filter(pk=warnings["ict_falling"].pk).update(
        acknowledged_by=sam, acknowledged_at=NOW, acknowledgement_note="On the board agenda."
    )
    client.force_login(sam)

    def ids(query):
        return {row["id"] for row in client.get(f"{WARNINGS_API}?{query}").json()["results"]}

    assert ids("state=acknowledged") == {warnings["ict_falling"].pk}
    assert ids("state=open") == {w.pk for n, w in warnings.items() if n != "ict_falling"}
    assert ids("rule=falling_together") == {
        warnings["ict_falling"].pk,
        warnings["waste_falling"].pk,
    }
    assert ids("rule=falling_together&state=open") == {warnings["waste_falling"].pk}
    assert ids("rule=missing_returns") == {
        warnings["housing_missing"].pk,
        warnings["finance_missing"].pk,
    }
    assert client.get(f"{WARNINGS_API}?state=closed").status_code == 400


def test_the_smt_acknowledges_a_warning_with_a_note(client, sam, warnings):
    warning = warnings["housing_service"]
    client.force_login(sam)
    url = f"{WARNINGS_API}{warning.pk}/acknowledge/"

    empty = client.post(url, {"note": "   "}, content_type="application/json")
    assert empty.status_code == 400
    assert list(empty.json()) == ["note"] and isinstance(empty.json()["note"], list)
    warning.refresh_from_db()
    assert warning.acknowledged_at is None

    response = client.post(
        url, {"note": "Raised at the contract board."}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_by"] == "sam"
    assert body["acknowledgement_note"] == "Raised at the contract board."
    assert body["acknowledged_at"] is not None
    warning.refresh_from_db()
    assert (warning.acknowledged_by, warning.acknowledgement_note) == (
        sam,
        "Raised at the contract board.",
    )

    again = client.post(url, {"note": "Once more."}, content_type="application/json")
    assert again.status_code == 400
    assert "already acknowledged" in again.json()["note"][0]
    warning.refresh_from_db()
    assert warning.acknowledgement_note == "Raised at the contract board."


@pytest.mark.parametrize("persona", ["alice", "harriet", "audrey", "pat"])
def test_only_the_smt_may_acknowledge(client, request, warnings, persona):
    warning = warnings["housing_service"]  # within every one of these readers' scope
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        f"{WARNINGS_API}{warning.pk}/acknowledge/",
        {"note": "Noted."},
        content_type="application/json",
    )

    assert response.status_code == 403
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


def test_acknowledging_a_warning_out_of_scope_is_not_found(client, harriet, pat, warnings):
    client.force_login(harriet)
    url = f"{WARNINGS_API}{warnings['finance_missing'].pk}/acknowledge/"
    assert client.post(url, {"note": "x"}, content_type="application/json").status_code == 404
    client.force_login(pat)
    url = f"{WARNINGS_API}{warnings['waste_falling'].pk}/acknowledge/"
    assert client.post(url, {"note": "x"}, content_type="application/json").status_code == 404


# --- early warnings: the pages -------------------------------------------------------------


def test_the_warning_pages_list_filter_and_show_the_evidence(client, sam, warnings):
    EarlyWarning.objects.filter(pk=warnings["ict_falling"].pk).update(
        acknowledged_by=sam, acknowledged_at=NOW, acknowledgement_note="On the board agenda."
    )
    client.force_login(sam)

    def listed(query=""):
        response = client.get(f"/early-warnings/{query}")
        assert response.status_code == 200
        return {w.pk for w in response.context["page"]}

    assert listed() == {w.pk for n, w in warnings.items() if n != "ict_falling"}
    assert listed("?state=acknowledged") == {warnings["ict_falling"].pk}
    assert listed("?state=all") == {w.pk for w in warnings.values()}
    assert listed("?state=all&rule=missing_returns") == {
        warnings["housing_missing"].pk,
        warnings["finance_missing"].pk,
    }
    assert (
        "Housing: Shared case-management system" in client.get("/early-warnings/").content.decode()
    )

    detail = client.get(f"/early-warnings/{warnings['housing_service'].pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Evidence for Housing: Shared case-management system." in html
    assert "August 2025 to September 2025" in html  # periods in words, not keys
    assert "2025-26-P05" not in html.split("<h2>Evidence</h2>")[0]
    assert 'name="note"' in html  # the SMT may acknowledge it


@pytest.mark.parametrize(
    "query",
    [
        "state=open",
        "state=acknowledged",
        "state=resolved",
        "state=all",
        "state=all&rule=falling_together",
        "state=all&department={housing}",
        "state=open&partnership={partnership}",
        "state=all&service={service}",
        "state=all&period=2025-26-P06",
    ],
)
def test_the_warning_page_and_the_api_take_one_vocabulary(client, sam, warnings, query):
    """One FilterSet (reporting/warnings/filters.py): the same parameters and values give
    the same warnings on the list page and through the API."""
    EarlyWarning.objects.filter(pk=warnings["ict_falling"].pk).update(
        acknowledged_by=sam, acknowledged_at=NOW, acknowledgement_note="On the board agenda."
    )
    EarlyWarning.objects.filter(pk=warnings["finance_missing"].pk).update(
        resolved_by_data_on=NOW.date()
    )
    service = warnings["housing_service"]
    query = query.format(
        housing=service.department_id,
        partnership=service.partnership_id,
        service=service.service_id,
    )
    client.force_login(sam)

    page = client.get(f"/early-warnings/?{query}")
    api = client.get(f"{WARNINGS_API}?{query}")

    assert page.status_code == api.status_code == 200
    listed = {w.pk for w in page.context["page"]}
    assert listed == {row["id"] for row in api.json()["results"]}
    assert listed  # every query here finds at least one


def test_a_department_cannot_open_another_departments_warning(client, harriet, warnings):
    client.force_login(harriet)
    assert client.get(f"/early-warnings/{warnings['finance_missing'].pk}/").status_code == 404
    response = client.get(f"/early-warnings/{warnings['housing_missing'].pk}/")
    assert response.status_code == 200
    assert 'name="note"' not in response.content.decode()


def test_acknowledging_on_the_page_with_an_empty_note_shows_the_error(client, sam, warnings):
    warning = warnings["housing_missing"]
    client.force_login(sam)

    response = client.post(f"/early-warnings/{warning.pk}/acknowledge/", {"note": " "})

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_note">Enter a note saying what the SMT will do.</a>' in html
    assert 'id="note-error"' in html and 'aria-invalid="true"' in html
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


def test_acknowledging_on_the_page_with_a_note(client, sam, warnings):
    warning = warnings["housing_missing"]
    client.force_login(sam)

    response = client.post(
        f"/early-warnings/{warning.pk}/acknowledge/", {"note": "Chased the head of service."}
    )

    assert response.status_code == 302
    assert response["Location"] == "/early-warnings/"
    warning.refresh_from_db()
    assert (warning.acknowledged_by, warning.acknowledgement_note) == (
        sam,
        "Chased the head of service.",
    )
    page = client.get(response["Location"])
    assert "Early warning acknowledged: Housing: returns for Sep 2025." in page.content.decode()
    assert warning.pk not in {w.pk for w in page.context["page"]}


def test_an_auditor_cannot_acknowledge_on_the_page(client, audrey, warnings):
    warning = warnings["housing_missing"]
    client.force_login(audrey)

    response = client.post(
        f"/early-warnings/{warning.pk}/acknowledge/", {"note": "Looks fine."}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(f"/early-warnings/{warning.pk}/", 302)]
    assert "Only the SMT can acknowledge early warnings." in response.content.decode()
    warning.refresh_from_db()
    assert (warning.acknowledged_at, warning.acknowledgement_note) == (None, "")


def test_the_overview_lists_open_warnings_until_acknowledged(client, sam, warnings):
    client.force_login(sam)
    link = f'href="/early-warnings/{warnings["housing_service"].pk}/"'

    before = client.get("/overview/?period=2025-26-P06")
    assert before.status_code == 200
    assert link in before.content.decode()
    assert "Housing: Shared case-management system</a>" in before.content.decode()
    assert warnings["housing_service"] in before.context["warnings"]

    client.post(
        f"/early-warnings/{warnings['housing_service'].pk}/acknowledge/",
        {"note": "Service improvement plan agreed."},
    )

    after = client.get("/overview/?period=2025-26-P06")
    assert link not in after.content.decode()
    assert warnings["housing_service"] not in after.context["warnings"]
    assert warnings["housing_missing"] in after.context["warnings"]


def test_the_lag_correlation_is_fed_the_exact_monthly_figures(
    episode, housing, finance, monkeypatch
):
    import reporting.metrics.combined as combined_module

    fed = []
    real = combined_module.relation

    def recording(health, coordination):
        fed.append((health, coordination))
        return real(health, coordination)

    monkeypatch.setattr(combined_module, "relation", recording)
    figures_for(finance, housing)

    *departments, (health, coordination) = fed
    exact_health = [h.exact for h in council_partner_health(months=MONTHS)]
    exact_index = [c.index_exact for c in council_coordination(periods=MONTHS)]
    assert [value for _, value in health] == exact_health
    assert [value for _, value in coordination] == exact_index
    # Some of them have more places than the one shown: rounded figures were not used.
    assert any((value * 10).denominator != 1 for value in exact_health + exact_index)
    # Each department's relation too: its exact dependency health and index.
    from reporting.metrics.coordination import coordination_by_department
    from reporting.metrics.dependency import dependency_health

    ids = [finance.pk, housing.pk]
    by_department = coordination_by_department(periods=MONTHS, department_ids=ids)
    dependencies = dependency_health(months=MONTHS, department_ids=ids)
    expected = [
        (
            [dependencies[(pk, m.key)].exact for m in MONTHS],
            [by_department[(pk, m.key)].index_exact for m in MONTHS],
        )
        for pk in ids
    ]
    fed_values = [([v for _, v in dep], [v for _, v in idx]) for dep, idx in departments]
    assert sorted(fed_values, key=str) == sorted(expected, key=str)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/combined/?partnership=²", 404),
        ("/api/v1/metrics/combined/?partnership=²", 404),
        ("/coordination/?department=²", 200),  # not a department id: the council's view
        ("/referrals/?department=²", 404),  # SMT belongs to no department to default to
    ],
)
def test_an_id_of_unicode_digits_is_not_a_server_error(client, sam, url, status):
    client.force_login(sam)

    response = client.get(url)

    assert response.status_code == status
