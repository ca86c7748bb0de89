"""Which months are rated (DESIGN.md section 3; issue 15, points 1 and 6): worked examples.

Time is frozen on Tuesday 10 November 2026, noon in London. October 2026 (2026-27-P07)
is the latest ended month; its SLA results are due by 13 November 2026 (10 working days
after 31 October) and its returns by 20 November 2026 (15 working days). November 2026
(P08) has not ended.

The ICT partnership (term 1 April 2020 to 31 March 2030) has one service, Desktop
(£10,000.00 a month, credits capped at 10% = £1,000.00), with 16 SLAs (met from 99.5,
minor failure from 98, serious below, credit 4%). For October 2026 the partner has
entered 4 results by 5 November: 99.7 and 99.8 (met), 99.0 (minor), 97.0 (serious,
£400.00 credit). No milestones, no escalations. So, weights 40/20/15/10 of the
components with data (milestones' 15 shared out, 85 in all):

- SLA performance 100 × (2 + ½ × 1) ÷ 4 = 62.5; service credits 100 × (1,000 − 400)
  ÷ 1,000 = 60; escalations and risks 100;
- before the deadline timely reporting judges what is entered: 4 of 4 = 100, so
  (40 × 62.5 + 20 × 60 + 15 × 100 + 10 × 100) ÷ 85 = 6,200 ÷ 85 = 72.94… → 72.9,
  provisional: "SLA results due 13 November 2026: 4 of 16 entered";
- after it every SLA counts: 4 of 16 = 25, so (2,500 + 1,200 + 1,500 + 250) ÷ 85 =
  5,450 ÷ 85 = 64.117… → 64.1, rated, "12 of 16 SLA results overdue since 13 November
  2026".
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import PeriodSignOff
from departments.periods import Period
from reporting.metrics.coordination import council_coordination
from reporting.metrics.dependency import dependency_health
from reporting.metrics.health import contract_health
from reporting.metrics.partner_health import council_partner_health
from reporting.metrics.status import FigureState
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.partnership import ContractHealthExporter
from tests.factories import (
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    PartnershipFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 10, 12, tzinfo=LONDON)
AFTER_DEADLINE = datetime(2026, 11, 16, 12, tzinfo=LONDON)  # Monday after the 13th
OCTOBER, NOVEMBER = "2026-27-P07", "2026-27-P08"
PROVISIONAL = "SLA results due 13 November 2026: 4 of 16 entered"
OVERDUE = "12 of 16 SLA results overdue since 13 November 2026"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def text_of(response) -> str:
    body = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def october(partnership):
    """The ICT partnership's October 2026: 4 of its 16 SLAs' results entered."""
    desktop = ServiceFactory(
        partnership=partnership,
        name="Desktop",
        monthly_charge=Decimal("10000.00"),
        credit_cap_percent=Decimal("10"),
    )
    slas = [SlaFactory(service=desktop, code=f"DT-{n:02d}") for n in range(1, 17)]
    entered = datetime(2026, 11, 5, 9, tzinfo=LONDON)
    for sla, value in zip(slas, ("99.7", "99.8", "99.0", "97.0"), strict=False):
        SlaResultFactory(
            sla=sla,
            period=OCTOBER,
            reported_value=Decimal(value),
            commentary="" if value != "97.0" else "Storage array failure",
            entered_at=entered,
        )
    return partnership


# --- a month before its SLA deadline, and after it --------------------------------------


def test_before_the_deadline_the_month_is_provisional_and_says_what_is_awaited(october):
    health = contract_health(partnership=october, period=Period.parse(OCTOBER))

    assert health.status.state is FigureState.PROVISIONAL
    assert health.status.reason == PROVISIONAL
    assert health.exact == Fraction(6200, 85)
    assert health.score == Decimal("72.9")
    assert str(health.status) == f"Provisional: {PROVISIONAL}"


def test_after_the_deadline_the_month_is_rated_with_the_missing_results_overdue(october):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        health = contract_health(partnership=october, period=Period.parse(OCTOBER))

    assert health.status.state is FigureState.RATED
    assert health.status.reason == OVERDUE
    assert health.exact == Fraction(5450, 85)
    assert health.score == Decimal("64.1")
    timely = next(c for c in health.components if c.key == "timely")
    assert (timely.score, timely.detail) == (
        Decimal("25.0"),
        "4 of 16 results entered by the deadline",
    )


def test_the_partnership_page_shows_the_state_beside_the_score(client, sam, october):
    client.force_login(sam)

    response = client.get(f"/partnerships/{october.pk}/?period={OCTOBER}")

    text = text_of(response)
    assert "Contract health, Oct 2026 72.9 Amber Provisional: " + PROVISIONAL in text
    chart = response.context["chart"]
    assert chart.rows[-1] == ["Oct 2026", "72.9", "Amber", f"Provisional: {PROVISIONAL}"]
    # The change into a provisional month is said to be provisional.
    assert chart.caption.startswith(
        f"Contract health was 72.9 (amber, provisional: {PROVISIONAL}) in Oct 2026"
    )
    # Days later a session from before has ended (core/sessions.py): sign in again.
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        client.force_login(sam)
        text = text_of(client.get(f"/partnerships/{october.pk}/?period={OCTOBER}"))
    assert "Contract health, Oct 2026 64.1 Amber Rated: " + OVERDUE in text


def test_the_export_carries_the_status_of_every_month(sam, october):
    exporter = ContractHealthExporter(
        user=sam, parameters=ReportParameters(month=Period.parse(OCTOBER))
    )
    headings = [column.heading for column in exporter.columns]
    rows = [dict(zip(headings, row, strict=True)) for row in exporter.rows()]

    assert len(rows) == 24
    last = rows[-1]
    assert (last["Month"], last["Contract health"], last["Status"], last["Status reason"]) == (
        OCTOBER,
        Decimal("72.9"),
        "Provisional",
        PROVISIONAL,
    )
    # September: no results at all, past its deadline (14 October 2026): rated, overdue.
    assert (rows[-2]["Status"], rows[-2]["Status reason"]) == (
        "Rated",
        "16 of 16 SLA results overdue since 14 October 2026",
    )


# --- the current month and a future month are refused -----------------------------------


@pytest.mark.parametrize(
    ("period", "label"),
    [(NOVEMBER, "November 2026 (P08 2026/27)"), ("2030-31-P01", "April 2030 (P01 2030/31)")],
)
@pytest.mark.parametrize(
    "path", ["/overview/", "/combined/", "/coordination/", "partnership", "department"]
)
def test_a_month_that_has_not_ended_has_a_page_saying_so(
    client, sam, october, housing, path, period, label
):
    if path == "partnership":
        path = f"/partnerships/{october.pk}/"
    elif path == "department":
        path = f"/departments/{housing.pk}/"
    client.force_login(sam)

    response = client.get(f"{path}?period={period}")

    assert response.status_code == 404
    text = text_of(response)
    assert f"{label} has not ended yet" in text
    assert 'class="rag ' not in response.content.decode()  # no RAG, so no figure
    assert f'href="{path}?period={OCTOBER}"' in response.content.decode()
    assert "See October 2026 (P07 2026/27), the latest month that has ended" in text


def test_the_link_to_the_latest_month_keeps_the_pages_other_choices(client, sam, october):
    client.force_login(sam)

    response = client.get(f"/combined/?period={NOVEMBER}&partnership={october.pk}")

    assert response.status_code == 404
    link = f"/combined/?period={OCTOBER}&amp;partnership={october.pk}"
    assert f'href="{link}"' in response.content.decode()


def test_month_navigation_stops_at_the_latest_ended_month(client, sam, october):
    client.force_login(sam)

    latest = client.get(f"/partnerships/{october.pk}/?period={OCTOBER}").content.decode()
    earlier = client.get(f"/partnerships/{october.pk}/?period=2026-27-P06").content.decode()

    assert f"?period={NOVEMBER}" not in latest
    assert "Sep 2026" in latest  # the way back is still there
    assert f'href="?period={OCTOBER}"' in earlier


@pytest.mark.parametrize(
    "endpoint",
    ["overview/", "coordination/", "combined/", "partnerships/{ict}/", "departments/{housing}/"],
)
@pytest.mark.parametrize("period", [NOVEMBER, "2030-31-P01"])
def test_the_api_answers_400_for_a_month_that_has_not_ended(
    client, sam, october, housing, endpoint, period
):
    client.force_login(sam)
    url = "/api/v1/metrics/" + endpoint.format(ict=october.pk, housing=housing.pk)

    response = client.get(url, {"period": period})

    assert response.status_code == 400
    (message,) = response.json()["period"]
    assert "has not ended yet, so it has no figures" in message
    assert message.endswith(
        "the latest ended month is October 2026 (P07 2026/27), period 2026-27-P07"
    )


def test_a_figure_of_an_unfinished_month_asked_for_directly_is_not_rated(october):
    health = contract_health(partnership=october, period=Period.parse(NOVEMBER))

    assert (health.status.state, health.score) == (FigureState.NOT_RATED, None)
    assert health.status.reason == (
        "November 2026 has not ended: its figures are rated from 1 December 2026"
    )


# --- outside the contract, and council partner health ----------------------------------


@pytest.fixture
def two_contracts(council):
    """Two partnerships without SLAs (so each month is judged on its records at once).

    ICT (£3,000,000 a year, 1 April 2020 to 31 March 2030): 1 of its 3 milestones due in
    April and May 2025 delivered on time: milestones 33.33…, escalations 100, so
    (15 × 33.33… + 15 × 100) ÷ 30 = 66.66… (66.7 shown) from May 2025 to April 2026.

    Waste (£1,000,000 a year, 1 June 2025 to 31 August 2026): 2 of its 3 milestones due
    in July 2025 delivered on time: (15 × 66.66… + 15 × 100) ÷ 30 = 83.33… (83.3 shown)
    from July 2025 to June 2026.
    """
    ict = PartnershipFactory(council=council, name="ICT", annual_value=Decimal("3000000.00"))
    waste = PartnershipFactory(
        council=council,
        name="Waste",
        annual_value=Decimal("1000000.00"),
        start_date=date(2025, 6, 1),
        end_date=date(2026, 8, 31),
    )
    for due, delivered in (
        (date(2025, 4, 15), date(2025, 4, 10)),
        (date(2025, 5, 15), date(2025, 5, 20)),
        (date(2025, 5, 15), None),
    ):
        _milestone(ict, due, delivered)
    for due, delivered in (
        (date(2025, 7, 15), date(2025, 7, 1)),
        (date(2025, 7, 15), date(2025, 7, 15)),
        (date(2025, 7, 15), None),
    ):
        _milestone(waste, due, delivered)
    return ict, waste


def _milestone(partnership, due: date, delivered: date | None):
    MilestoneFactory(
        partnership=partnership,
        due_date=due,
        delivered_date=delivered,
        state="delivered" if delivered else "planned",
    )


def test_council_partner_health_is_the_value_weighted_mean_of_exact_scores(two_contracts):
    ict, waste = two_contracts
    september = Period.parse("2025-26-P06")
    (council,) = council_partner_health(months=[september])

    ict_health = contract_health(partnership=ict, period=september)
    waste_health = contract_health(partnership=waste, period=september)
    assert (ict_health.exact, ict_health.score) == (Fraction(2000, 30), Decimal("66.7"))
    assert (waste_health.exact, waste_health.score) == (Fraction(2500, 30), Decimal("83.3"))
    # (3 × 66.66… + 1 × 83.33…) ÷ 4 = 70.833… → 70.8; from the rounded scores it would
    # be (3 × 66.7 + 83.3) ÷ 4 = 70.85 → 70.9.
    assert council.exact == (3 * ict_health.exact + waste_health.exact) / 4
    assert council.score == Decimal("70.8")
    assert (3 * ict_health.score + waste_health.score) / 4 == Decimal("70.85")
    assert council.status.state is FigureState.RATED
    assert council.status.reason == (
        "ICT: No SLA results are due: the contract has no SLAs; "
        "Waste: No SLA results are due: the contract has no SLAs"
    )
    assert [p.name for p, _ in council.counted] == ["ICT", "Waste"]


@pytest.mark.parametrize(
    ("key", "words"), [("2025-26-P02", "May 2025"), ("2026-27-P06", "September 2026")]
)
def test_months_outside_a_contract_have_no_figure_and_are_left_out(two_contracts, key, words):
    ict, waste = two_contracts
    month = Period.parse(key)

    waste_health = contract_health(partnership=waste, period=month)
    (council,) = council_partner_health(months=[month])

    assert waste_health.status.state is FigureState.OUTSIDE_CONTRACT
    assert waste_health.status.reason == (
        f"{words} is outside the contract term (1 June 2025 to 31 August 2026)"
    )
    assert (waste_health.exact, waste_health.score) == (None, None)
    ict_health = contract_health(partnership=ict, period=month)
    # The council's figure is ICT's alone, not pulled towards Waste's records.
    assert council.exact == ict_health.exact
    assert [p.name for p, _ in council.counted] == ["ICT"]
    assert council.status.reason.endswith("Waste left out: outside its contract term")


def test_a_month_before_any_contract_is_outside_the_contract(two_contracts):
    (council,) = council_partner_health(months=[Period.parse("2019-20-P12")])

    assert (council.status.state, council.score) == (FigureState.OUTSIDE_CONTRACT, None)
    assert council.status.reason == "No partnership's contract term covers March 2020"


def test_the_overview_and_its_api_say_the_same(client, sam, two_contracts):
    client.force_login(sam)

    page = client.get("/overview/?period=2025-26-P02")
    body = client.get("/api/v1/metrics/overview/", {"period": "2025-26-P02"}).json()

    # May 2025: ICT alone, 66.7, with Waste left out.
    text = text_of(page)
    assert "Partner health 66.7 Amber Rated: " in text
    assert "Waste left out: outside its contract term" in text
    may = body["partner_health"][-1]
    assert (may["period"], may["score"], may["status"]) == ("2025-26-P02", "66.7", "rated")
    assert may["status_reason"] == page.context["health_now"].status.reason
    # June 2023 to May 2025: all before Waste's term, so ICT alone, and rated.
    assert {point["status"] for point in body["partner_health"]} == {"rated"}


def test_the_api_gives_status_and_reason_for_a_partnership(client, sam, october, two_contracts):
    ict, waste = two_contracts
    client.force_login(sam)

    provisional = client.get(f"/api/v1/metrics/partnerships/{october.pk}/", {"period": OCTOBER})
    outside = client.get(f"/api/v1/metrics/partnerships/{waste.pk}/", {"period": "2025-26-P02"})

    body = provisional.json()
    assert (body["score"], body["status"], body["status_reason"]) == (
        "72.9",
        "provisional",
        PROVISIONAL,
    )
    body = outside.json()
    assert (body["score"], body["rag"], body["status"]) == (None, "not_rated", "outside_contract")
    assert body["status_reason"] == (
        "May 2025 is outside the contract term (1 June 2025 to 31 August 2026)"
    )


def test_the_combined_api_marks_each_months_partner_health(client, sam, october):
    client.force_login(sam)

    body = client.get("/api/v1/metrics/combined/", {"period": OCTOBER}).json()

    last = body["months"][-1]
    assert (last["period"], last["partner_health"], last["partner_health_status"]) == (
        OCTOBER,
        "72.9",
        "provisional",
    )
    assert last["partner_health_status_reason"] == PROVISIONAL
    assert last["coordination_index_status"] == "not_rated"
    assert last["coordination_index_status_reason"] == "No referrals in October 2026"


def test_council_partner_health_of_a_provisional_month_is_provisional(october):
    (council,) = council_partner_health(months=[Period.parse(OCTOBER)])

    assert council.status.state is FigureState.PROVISIONAL
    assert council.status.reason == PROVISIONAL
    assert council.score == Decimal("72.9")


# --- returns, coordination and dependency health follow the same rule -------------------


@pytest.fixture
def october_returns(housing):
    """Two monthly Housing indicators for October 2026 (returns due 20 November 2026):
    one return submitted, one still in draft."""
    submitted = IndicatorFactory(department=housing, code="HOU-01")
    drafted = IndicatorFactory(department=housing, code="HOU-02")
    for indicator in (submitted, drafted):
        TargetFactory(indicator=indicator, financial_year=2026, annual_value=Decimal("90"))
    KpiReturnFactory(indicator=submitted, period=OCTOBER, value=Decimal("95"), state="submitted")
    KpiReturnFactory(indicator=drafted, period=OCTOBER, value=Decimal("80"), state="draft")
    return housing


def test_a_returns_month_is_provisional_until_the_returns_deadline(client, sam, october_returns):
    client.force_login(sam)

    before = client.get("/api/v1/metrics/overview/", {"period": OCTOBER}).json()
    # Days later a session from before has ended (core/sessions.py): sign in again.
    with time_machine.travel(datetime(2026, 11, 23, 12, tzinfo=LONDON), tick=False):
        client.force_login(sam)
        after = client.get("/api/v1/metrics/overview/", {"period": OCTOBER}).json()
        page = text_of(client.get(f"/departments/{october_returns.pk}/?period={OCTOBER}"))

    assert (before["returns_status"], before["returns_status_reason"]) == (
        "provisional",
        "Returns due 20 November 2026: 1 of 2 submitted",
    )
    assert (after["returns_status"], after["returns_status_reason"]) == (
        "rated",
        "1 of 2 returns missing (overdue)",
    )
    assert "Rated: 1 of 2 returns missing (overdue)" in page


def test_coordination_of_a_month_that_has_not_ended_is_not_rated(october_returns):
    (november,) = council_coordination(periods=[Period.parse(NOVEMBER)])

    assert (november.index, november.status.state) == (None, FigureState.NOT_RATED)
    assert november.status.reason == (
        "November 2026 has not ended: its figures are rated from 1 December 2026"
    )


def test_dependency_health_is_provisional_until_the_sla_deadline(october, housing):
    october.services.get().departments.set([housing])
    month = Period.parse(OCTOBER)

    before = dependency_health(months=[month], department_ids=[housing.pk])
    after = dependency_health(
        months=[month], department_ids=[housing.pk], today=AFTER_DEADLINE.date()
    )

    # Desktop's health: 100 × (2 + ½) ÷ 4 = 62.5, its only service, either side.
    assert (before[(housing.pk, OCTOBER)].score, str(before[(housing.pk, OCTOBER)].status)) == (
        Decimal("62.5"),
        f"Provisional: {PROVISIONAL}",
    )
    assert (after[(housing.pk, OCTOBER)].score, str(after[(housing.pk, OCTOBER)].status)) == (
        Decimal("62.5"),
        f"Rated: {OVERDUE}",
    )


def test_a_cached_signed_off_overview_moves_from_provisional_to_rated_with_the_calendar(
    client, sam, october
):
    # Signed off early, before the SLA deadline: the overview comes from the cache, but a
    # month's state changes when the deadline passes, with no write to invalidate it.
    PeriodSignOff.objects.create(
        period=OCTOBER, department=None, signed_off_by=sam, signed_off_at=NOW
    )
    # An hour and a half either side of midnight at the end of the deadline day, well
    # within the cache's day; signing in each time, as a session idle that long has ended
    # (core/sessions.py).
    with time_machine.travel(datetime(2026, 11, 13, 23, tzinfo=LONDON), tick=False):
        client.force_login(sam)
        before = client.get(f"/overview/?period={OCTOBER}")
        again = client.get(f"/overview/?period={OCTOBER}")
    with time_machine.travel(datetime(2026, 11, 14, 0, 30, tzinfo=LONDON), tick=False):
        client.force_login(sam)
        after = client.get(f"/overview/?period={OCTOBER}")

    assert again.context["from_cache"] is True
    assert f"Partner health 72.9 Amber Provisional: {PROVISIONAL}" in text_of(before)
    assert f"Partner health 64.1 Amber Rated: {OVERDUE}" in text_of(after)


def test_a_service_of_a_contract_that_has_ended_does_not_count_in_dependency_health(
    october, council, housing
):
    """A department relying on a service of a partnership whose term ended: that
    service's SLAs are due nothing, as its own contract health says (outside the contract),
    so they are neither counted nor called overdue."""
    october.services.get().departments.set([housing])
    ended = PartnershipFactory(
        council=council, name="Ended", start_date=date(2020, 4, 1), end_date=date(2026, 3, 31)
    )
    old = ServiceFactory(partnership=ended, name="Old system")
    for n in range(3):
        SlaFactory(service=old, code=f"OLD-{n}")
    old.departments.set([housing])
    month = Period.parse(OCTOBER)

    after = dependency_health(
        months=[month], department_ids=[housing.pk], today=AFTER_DEADLINE.date()
    )[(housing.pk, OCTOBER)]

    assert [service.name for service, _ in after.services] == ["Desktop"]
    assert (after.score, str(after.status)) == (Decimal("62.5"), f"Rated: {OVERDUE}")
    assert contract_health(partnership=ended, period=month).status.outside_contract


def test_a_month_with_no_figure_is_not_rated_and_says_what_is_awaited(council):
    """Weights that leave only the SLA components, and no result entered yet: there is no
    figure, so nothing is provisional; the reason still says what is awaited, and council
    partner health names it rather than blaming the contract value."""
    only_slas = PartnershipFactory(
        council=council, name="SLAs only", weight_milestones=0, weight_escalations=0
    )
    SlaFactory(service=ServiceFactory(partnership=only_slas), code="AV-1")
    month = Period.parse(OCTOBER)

    health = contract_health(partnership=only_slas, period=month)
    (council_health,) = council_partner_health(months=[month])

    assert (health.score, str(health.status)) == (
        None,
        "Not rated: SLA results due 13 November 2026: 0 of 1 entered",
    )
    assert council_health.score is None
    assert council_health.status.reason == (
        "No partnership has a contract health figure for October 2026; "
        "SLA results due 13 November 2026: 0 of 1 entered"
    )
