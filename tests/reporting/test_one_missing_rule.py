"""Every page, email, export, API answer and early warning says the same state for the
same return, because each calls the one rule (issue 15, point 2; DESIGN.md section 3).

Time is frozen at noon on Saturday 28 November 2026 in London: the latest closed month is
October 2026 (2026-27-P07), whose returns were due on Friday 20 November 2026; the latest
closed quarter is Q2 2026/27, due on Wednesday 21 October 2026. Housing's returns:

- HOU-A monthly, never started: Missing;
- HOU-B monthly, a draft: Missing (a draft does not count);
- HOU-C monthly, submitted on 10 November, then sent back: Missing;
- HOU-D monthly, submitted on 18 November: Submitted on time;
- HOU-E monthly, submitted on 24 November and approved: Submitted late;
- HOU-F monthly ratio, submitted on 18 November without numerator and denominator: Missing;
- HOU-Q quarterly, a draft for Q2: Missing.

The same return once read "Draft Overdue" on the home page and "Missing" on My returns.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from departments.periods import Period
from departments.rating import Timeliness
from departments.reminders import owed_returns, reminder_window, send_return_reminders
from reporting.metrics.health import trailing_months
from reporting.metrics.overview import overview_figures
from reporting.models import EarlyWarning, WarningRule
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.packs.monthly import monthly_pack
from reporting.warnings.evaluation import evaluate
from tests.factories import IndicatorFactory, KpiReturnFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = Period.parse("2026-27-P07")
Q2 = Period.parse("2026-27-Q2")
MISSING, ON_TIME, LATE = "missing", "on_time", "late"
EXPECTED = {
    "HOU-A": MISSING,
    "HOU-B": MISSING,
    "HOU-C": MISSING,
    "HOU-D": ON_TIME,
    "HOU-E": LATE,
    "HOU-F": MISSING,
    "HOU-Q": MISSING,
}
MONTHLY = {code: state for code, state in EXPECTED.items() if code != "HOU-Q"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=LONDON)


@pytest.fixture
def returns(housing, alice):
    def made(code, **kwargs):
        return IndicatorFactory(department=housing, code=code, title=f"{code} title", **kwargs)

    made("HOU-A")
    KpiReturnFactory(indicator=made("HOU-B"), period=P07.key, state="draft")
    KpiReturnFactory(
        indicator=made("HOU-C"),
        period=P07.key,
        state="sent_back",
        submitted_at=at(10),
        sent_back_reason="Check the figure",
    )
    KpiReturnFactory(
        indicator=made("HOU-D"), period=P07.key, state="submitted", submitted_at=at(18)
    )
    KpiReturnFactory(indicator=made("HOU-E"), period=P07.key, state="approved", submitted_at=at(24))
    KpiReturnFactory(
        indicator=made("HOU-F", year_to_date="ratio"),
        period=P07.key,
        state="submitted",
        submitted_at=at(18),
        value=Decimal("91.5"),
    )
    KpiReturnFactory(indicator=made("HOU-Q", frequency="quarterly"), period=Q2.key, state="draft")


def test_my_returns_page(client, alice, returns):
    client.force_login(alice)

    said = {}
    for period in (P07, Q2):
        response = client.get("/returns/", {"period": period.key})
        said |= {
            row.indicator.code: row.timeliness.value
            for rows in response.context["groups"].values()
            for row in rows
        }
        html = response.content.decode()
        for row in (row for rows in response.context["groups"].values() for row in rows):
            assert f'timeliness-{row.timeliness}">{row.timeliness.label}</span>' in html

    assert said == EXPECTED
    # The filter by timeliness gives the same returns.
    missing = client.get("/returns/", {"period": P07.key, "state": "missing"})
    assert sorted(
        row.indicator.code for rows in missing.context["groups"].values() for row in rows
    ) == sorted(code for code, state in MONTHLY.items() if state == MISSING)


def test_home_page(client, alice, returns):
    client.force_login(alice)

    response = client.get("/")

    rows = response.context["home"].returns
    assert {(row.indicator.code, row.period.key) for row in rows} == {
        *((code, P07.key) for code in MONTHLY),
        ("HOU-Q", Q2.key),
    }
    assert {row.indicator.code: row.timeliness.value for row in rows} == EXPECTED
    html = response.content.decode()
    assert "Overdue" not in html
    assert html.count('<strong class="flag">Missing</strong>') == 5
    assert "Submitted late" in html and "Submitted on time" in html


def test_reminders(housing, returns):
    window = reminder_window(date(2026, 11, 28))

    owed = owed_returns(department_ids={housing.pk}, window=window)

    said = {item.indicator.code: item.timeliness.value for item in owed if item.period in (P07, Q2)}
    # The reminders list what is owed: the missing ones, never a submitted return.
    assert said == {code: state for code, state in EXPECTED.items() if state == MISSING}


def test_reminder_email(housing, alice, returns):
    alice.email = "alice@council.example"
    alice.save()

    send_return_reminders(today=date(2026, 11, 28))

    (email,) = mail.outbox
    missing = email.body.split("\nMissing (")[1]
    listed = {
        item.split(" ")[0]
        for item in missing.split("\n- ")[1:]
        if P07.label in item or Q2.label in item
    }
    assert listed == {code for code, state in EXPECTED.items() if state == MISSING}
    assert "Overdue" not in email.body


def test_department_dashboard_page_and_api(client, sam, housing, returns):
    client.force_login(sam)

    page = client.get(f"/departments/{housing.pk}/", {"period": P07.key})
    api = client.get(f"/api/v1/metrics/departments/{housing.pk}/", {"period": P07.key})

    assert {r.indicator.code: r.timeliness.state.value for r in page.context["rows"]} == EXPECTED
    assert {r["code"]: r["timeliness"] for r in api.json()["indicators"]} == EXPECTED
    assert {r["code"] for r in api.json()["indicators"] if r["missing"]} == {
        code for code, state in EXPECTED.items() if state == MISSING
    }


def test_overview_and_monthly_pack(sam, returns):
    figures = overview_figures(P07, trailing_months(P07))
    pack = monthly_pack(user=sam, parameters=ReportParameters(month=P07))

    for missing, late in ((figures.missing, figures.late), (pack.missing, pack.late)):
        assert sorted(r.indicator.code for r in missing) == sorted(
            code for code, state in EXPECTED.items() if state == MISSING
        )
        assert [r.indicator.code for r in late] == ["HOU-E"]


def test_returns_export(sam, returns):
    exporter = ReturnsExporter(user=sam, parameters=ReportParameters(month=P07))
    headings = [column.heading for column in exporter.columns]

    rows = [dict(zip(headings, row, strict=True)) for row in exporter.rows()]

    labels = {code: Timeliness(state).label for code, state in EXPECTED.items()}
    assert {row["Indicator"]: row["Against the deadline"] for row in rows} == labels
    assert {row["Indicator"] for row in rows if row["RAG"] == "Missing"} == {
        code for code, state in EXPECTED.items() if state == MISSING
    }


def test_returns_api(client, alice, returns):
    client.force_login(alice)

    said = {}
    for period in (P07, Q2):
        body = client.get("/api/v1/returns/", {"period": period.key}).json()
        said |= {row["indicator_code"]: row["timeliness"] for row in body["results"]}

    # The API lists stored returns: HOU-A was never started.
    assert said == {code: state for code, state in EXPECTED.items() if code != "HOU-A"}


def test_early_warning_rule_4(housing, returns):
    evaluate([P07], notify=False)

    named = {
        indicator["code"]: indicator["timeliness"]
        for warning in EarlyWarning.objects.filter(
            rule=WarningRule.MISSING_RETURNS, department=housing
        )
        for indicator in warning.evidence["indicators"]
    }
    assert named == {code: state for code, state in EXPECTED.items() if state == MISSING}
    states = {
        indicator["code"]: indicator["state"]
        for warning in EarlyWarning.objects.filter(rule=WarningRule.MISSING_RETURNS)
        for indicator in warning.evidence["indicators"]
    }
    assert states == {
        "HOU-A": "not_started",
        "HOU-B": "draft",
        "HOU-C": "sent_back",
        "HOU-F": "submitted",
        "HOU-Q": "draft",
    }
