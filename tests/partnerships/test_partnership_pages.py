"""The partnership page, the SLA results page and the records page: who sees them, what
they show (figures computed by hand below) and what each role may do on them.

Time is frozen on Saturday 15 November 2025, noon in London. September 2025
(2025-26-P06) has ended and its results deadline (14 October 2025) has passed; October
2025 (P07) is the latest closed month; November (P08) has not ended.
"""

import html
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.roles import Role
from partnerships.models import Escalation, Milestone, Risk, SlaResult, Verification
from partnerships.sla_results import services
from tests.factories import (
    EscalationFactory,
    MembershipFactory,
    MilestoneFactory,
    PartnershipFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 15, 12, tzinfo=LONDON)
ON_TIME = datetime(2025, 10, 3, 9, tzinfo=LONDON)
LATE = datetime(2025, 10, 20, 9, tzinfo=LONDON)
P06, P07, P08 = "2025-26-P06", "2025-26-P07", "2025-26-P08"
SERIOUS_NEEDS_COMMENTARY = (
    "Explain the serious failure: a result that misses the expected level needs commentary"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def availability(service, code: str, credit: str):
    """Higher is better: met from 99.5, minor failure from 98, serious below 98."""
    return SlaFactory(
        service=service,
        code=code,
        title=f"Availability {code}",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal(credit),
    )


@pytest.fixture
def contract(partnership, housing, finance):
    """September 2025 of the partnership, with every figure worked out by hand.

    Desktop (£118,000.00, cap 15% = £17,700.00; serves Housing): DT-01 (4%) 99.7 met,
    DT-02 (3%) 97.0 serious, DT-03 (2%) 99.0 minor, all on time. Network (£50,000.00,
    cap 10% = £5,000.00; serves Finance): NW-01 (5%) 99.9 met, entered late.
    """
    desktop = ServiceFactory(
        partnership=partnership,
        code="desktop",
        name="Desktop computing",
        monthly_charge=Decimal("118000.00"),
        credit_cap_percent=Decimal("15"),
    )
    desktop.departments.set([housing])
    network = ServiceFactory(
        partnership=partnership,
        code="network",
        name="Wide area network",
        monthly_charge=Decimal("50000.00"),
        credit_cap_percent=Decimal("10"),
    )
    network.departments.set([finance])
    slas = {
        "DT-01": availability(desktop, "DT-01", "4"),
        "DT-02": availability(desktop, "DT-02", "3"),
        "DT-03": availability(desktop, "DT-03", "2"),
        "NW-01": availability(network, "NW-01", "5"),
    }
    for code, value, entered_at in (
        ("DT-01", "99.7", ON_TIME),
        ("DT-02", "97.0", ON_TIME),
        ("DT-03", "99.0", ON_TIME),
        ("NW-01", "99.9", LATE),
    ):
        SlaResultFactory(
            sla=slas[code],
            period=P06,
            reported_value=Decimal(value),
            commentary="" if code in ("DT-01", "NW-01") else "Storage outage",
            entered_at=entered_at,
        )
    MilestoneFactory(
        partnership=partnership,
        title="Laptop refresh",
        due_date=date(2025, 6, 30),
        delivered_date=date(2025, 6, 27),
        state="delivered",
    )
    MilestoneFactory(
        partnership=partnership,
        title="Data centre migration",
        due_date=date(2025, 7, 31),
        delivered_date=date(2025, 8, 12),
        state="delivered",
    )
    MilestoneFactory(
        partnership=partnership,
        title="Telephony replacement",
        due_date=date(2025, 9, 30),
        state="in_progress",
    )
    EscalationFactory(
        partnership=partnership,
        title="Depot outages",
        severity="medium",
        raised_on=date(2025, 9, 2),
    )
    for title, likelihood, impact, raised_on in (
        ("Staff turnover", 3, 5, date(2025, 10, 10)),
        ("Licence costs", 3, 4, date(2025, 6, 1)),
    ):
        RiskFactory(
            partnership=partnership,
            title=title,
            likelihood=likelihood,
            impact=impact,
            raised_on=raised_on,
        )
    return {"partnership": partnership, "desktop": desktop, "network": network, **slas}


# September 2025, by hand:
#   SLA performance: 100 × (2 met + ½ × 1 minor) ÷ 4 = 62.5
#   credits: DT-02 serious, 3% × £118,000.00 = £3,540.00 of £17,700.00 + £5,000.00
#            = £22,700.00: 100 × (1 − 3,540 ÷ 22,700) = 84.405... = 84.4
#   milestones due 1 October 2024 to 30 September 2025: 3, of which 1 by its due date
#            = 33.3
#   escalations and risks at 30 September: 1 open medium escalation (the 15-point risk
#            was raised in October): 100 − 10 = 90.0
#   timely: 3 of 4 entered by 14 October = 75.0
#   score: (40 × 62.5 + 20 × 84.4 + 15 × 33.3 + 15 × 90 + 10 × 75) ÷ 100
#        = (2500 + 1688 + 499.5 + 1350 + 750) ÷ 100 = 67.875 = 67.9: amber
SCORE = Decimal("67.9")
COMPONENTS = [
    ("sla", Decimal("62.5"), 40, Decimal("40.0")),
    ("credits", Decimal("84.4"), 20, Decimal("20.0")),
    ("milestones", Decimal("33.3"), 15, Decimal("15.0")),
    ("escalations", Decimal("90.0"), 15, Decimal("15.0")),
    ("timely", Decimal("75.0"), 10, Decimal("10.0")),
]


def page_url(partnership, period=P06) -> str:
    return f"/partnerships/{partnership.pk}/" + (f"?period={period}" if period else "")


def results_url(partnership, period=P07) -> str:
    return f"/partnerships/{partnership.pk}/sla-results/{period}/"


def records_url(partnership) -> str:
    return f"/partnerships/{partnership.pk}/records/"


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def quinn(council):
    """The partner manager of another partnership."""
    other = PartnershipFactory(council=council, name="Waste Services Partnership")
    user = UserFactory(username="quinn")
    MembershipFactory(user=user, role=Role.PARTNER, department=None, partnership=other)
    return user


# --- the partnership page ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["sam", "audrey", "pat"])
def test_the_partnership_page_shows_health_components_weights_and_the_trend(
    request, client, contract, who
):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page_url(contract["partnership"]))

    assert response.status_code == 200
    health = response.context["health"]
    assert health.score == SCORE
    assert [(c.key, c.score, c.weight, c.effective_weight) for c in health.components] == (
        COMPONENTS
    )
    assert health.credits == Decimal("3540.00")
    assert response.context["credits_ytd"] == Decimal("3540.00")
    text = text_of(response)
    assert "Contract health, Sep 2025" in text
    assert "67.9" in text
    for label, shown in (
        ("SLA performance", "62.5 40 40.0%"),
        ("Service credits", "84.4 20 20.0%"),
        ("Milestones", "33.3 15 15.0%"),
        ("Escalations and risks", "90.0 15 15.0%"),
        ("Timely reporting", "75.0 10 10.0%"),
    ):
        assert f"{label} {shown}" in text
    assert "Service credits, Sep 2025 £3,540.00" in text
    assert "Service credits, year to date £3,540.00" in text
    # The chart: its caption states the finding, its data table holds every month.
    chart = response.context["chart"]
    assert chart.caption.startswith("Contract health was 67.9 (amber) in Sep 2025")
    assert chart.caption in text
    assert chart.headers == ["Month", "Contract health", "RAG", "Status"]
    assert len(chart.rows) == 24
    # September's deadline (14 October) has passed: rated, with the late entry named.
    status = "Rated: 1 SLA result entered after the deadline"
    assert chart.rows[-1] == ["Sep 2025", "67.9", "Amber", status]
    assert f"<td>Sep 2025</td><td>67.9</td><td>Amber</td><td>{status}</td>" in (
        response.content.decode()
    )
    assert f"{status}" in text
    assert "Show the data behind this chart" in text


def test_the_services_table_shows_charges_caps_departments_health_and_credits(
    client, sam, contract
):
    client.force_login(sam)

    text = text_of(client.get(page_url(contract["partnership"])))

    # Desktop: 100 × (1 met + ½ × 1 minor) ÷ 3 = 50.0, red; £3,540.00 this month and year.
    assert (
        "Desktop computing £118,000.00 15% Housing 50.0 Red £3,540.00 £3,540.00 "
        "1 serious failure: £3,540.00 (under the £17,700.00 cap)"
    ) in text
    # Network: 1 met of 1 = 100.0, green; no credit.
    assert (
        "Wide area network £50,000.00 10% Finance 100.0 Green £0.00 £0.00 "
        "No serious failure: no credit"
    ) in text


def test_a_service_without_results_is_not_rated_on_the_page(client, sam, contract):
    client.force_login(sam)

    text = text_of(client.get(page_url(contract["partnership"], P07)))

    assert "Desktop computing £118,000.00 15% Housing Not rated £0.00" in text
    assert "3 results missing" in text
    assert "SLA performance No data 40 0.0%" in text


def test_without_a_period_the_page_shows_the_latest_closed_month(client, sam, contract):
    client.force_login(sam)

    response = client.get(page_url(contract["partnership"], None))

    assert response.status_code == 200
    assert response.context["month"].key == P07


@pytest.mark.parametrize("who", ["quinn", "alice"])
def test_the_partnership_page_is_not_found_outside_scope(request, client, contract, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page_url(contract["partnership"]))

    assert response.status_code == 404
    assert "67.9" not in text_of(response)


@pytest.mark.parametrize("period", ["bad", "2025-26-Q2", "2025-26", "2025-27-P06"])
def test_a_bad_period_is_not_found(client, sam, contract, period):
    client.force_login(sam)

    assert client.get(page_url(contract["partnership"], period)).status_code == 404
    assert client.get(results_url(contract["partnership"], period)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, contract):
    response = client.get(page_url(contract["partnership"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the SLA results page: entering ------------------------------------------------------


def test_the_partner_sees_a_form_for_a_month_without_results(client, pat, contract):
    client.force_login(pat)

    response = client.get(results_url(contract["partnership"]))

    assert response.status_code == 200
    text = text_of(response)
    assert "SLA results for October 2025 (P07 2025/26)" in text
    assert "by 14 November 2025" in text
    for code in ("DT-01", "DT-02", "DT-03", "NW-01"):
        pk = contract[code].pk
        assert f'name="value-{pk}"' in response.content.decode()
        assert f'name="commentary-{pk}"' in response.content.decode()
    assert "Save results" in text
    assert "Verify or dispute" not in text


def _month_form(contract, **values) -> dict[str, str]:
    data = {}
    for code, (value, commentary) in values.items():
        pk = contract[code.replace("_", "-")].pk
        data[f"value-{pk}"] = value
        data[f"commentary-{pk}"] = commentary
    return data


def test_one_bad_row_stores_nothing_and_the_error_summary_names_its_sla(client, pat, contract):
    client.force_login(pat)
    form = _month_form(
        contract,
        DT_01=("99.8", ""),
        DT_02=("96.0", ""),  # serious, no commentary
        DT_03=("99.0", "Patching overran"),
        NW_01=("ninety", ""),
    )

    response = client.post(results_url(contract["partnership"]), form)

    assert response.status_code == 400
    assert not SlaResult.objects.filter(period=P07).exists()
    errors = [(anchor, message) for _, anchor, message in response.context["errors"]]
    dt02, nw01 = contract["DT-02"].pk, contract["NW-01"].pk
    assert errors == [
        (f"commentary-{dt02}", f"DT-02: {SERIOUS_NEEDS_COMMENTARY}"),
        (f"value-{nw01}", "NW-01: Enter the result as a number, like 99.5"),
    ]
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'<a href="#commentary-{dt02}">DT-02: {SERIOUS_NEEDS_COMMENTARY}</a>' in html
    # What the partner typed is kept.
    assert 'value="ninety"' in html
    assert 'value="99.8"' in html


def test_the_partner_saves_a_months_results(client, pat, contract):
    client.force_login(pat)
    form = _month_form(
        contract,
        DT_01=("99.8", ""),
        DT_02=("96.0", "Storage array failed on 3 October"),
        DT_03=("99.0", "Patching overran"),
        NW_01=("", ""),  # left empty: nothing entered yet
    )

    response = client.post(results_url(contract["partnership"]), form, follow=True)

    assert response.redirect_chain == [(results_url(contract["partnership"]), 302)]
    stored = {
        r.sla.code: (r.reported_value, r.commentary, r.entered_by)
        for r in SlaResult.objects.filter(period=P07).select_related("sla")
    }
    assert stored == {
        "DT-01": (Decimal("99.8"), "", pat),
        "DT-02": (Decimal("96.0"), "Storage array failed on 3 October", pat),
        "DT-03": (Decimal("99.0"), "Patching overran", pat),
    }
    text = text_of(response)
    assert "SLA results for October 2025 (P07 2025/26) saved." in text
    # DT-02: 3% of £118,000.00 = £3,540.00.
    assert "£3,540.00" in text
    assert "Serious failure" in text


def test_the_partner_corrects_an_unverified_result_on_the_page(client, pat, contract):
    client.force_login(pat)
    services.enter_sla_result(
        sla=contract["DT-01"], period_key=P07, actor=pat, value="97", commentary="Outage"
    )
    form = _month_form(contract, DT_01=("99.6", ""))
    form[f"version-{contract['DT-01'].pk}"] = "1"

    response = client.post(results_url(contract["partnership"]), form)

    assert response.status_code == 302
    result = SlaResult.objects.get(sla=contract["DT-01"], period=P07)
    assert (result.reported_value, result.version) == (Decimal("99.6"), 2)


def test_a_stale_form_is_refused_and_nothing_is_saved(client, pat, contract):
    client.force_login(pat)
    services.enter_sla_result(
        sla=contract["DT-01"], period_key=P07, actor=pat, value="97", commentary="Outage"
    )
    services.enter_sla_result(
        sla=contract["DT-01"], period_key=P07, actor=pat, value="97.5", commentary="Recounted"
    )
    form = _month_form(contract, DT_01=("99.6", ""), DT_03=("99.9", ""))
    form[f"version-{contract['DT-01'].pk}"] = "1"

    response = client.post(results_url(contract["partnership"]), form)

    assert response.status_code == 400
    [(_, _, message)] = response.context["errors"]
    assert message.startswith("DT-01: Someone else changed this result")
    assert SlaResult.objects.get(sla=contract["DT-01"], period=P07).reported_value == Decimal(
        "97.5"
    )
    assert not SlaResult.objects.filter(sla=contract["DT-03"], period=P07).exists()


def test_a_month_that_has_not_ended_has_no_form_and_refuses_a_post(client, pat, contract):
    client.force_login(pat)

    page = client.get(results_url(contract["partnership"], P08))
    response = client.post(
        results_url(contract["partnership"], P08), _month_form(contract, DT_01=("99.8", ""))
    )

    assert page.status_code == 200
    assert "Save results" not in text_of(page)
    assert response.status_code == 400
    assert [m for _, _, m in response.context["errors"]] == [
        "DT-01: November 2025 (P08 2025/26) has not ended yet"
    ]
    assert not SlaResult.objects.filter(period=P08).exists()


@pytest.mark.parametrize("who", ["audrey", "sam"])
def test_only_the_partner_posts_results(request, client, contract, who):
    client.force_login(request.getfixturevalue(who))

    response = client.post(
        results_url(contract["partnership"]), _month_form(contract, DT_01=("99.8", ""))
    )

    assert response.status_code == 403
    assert "Only the partner's contract manager enters SLA results." in text_of(response)
    assert not SlaResult.objects.filter(period=P07).exists()


@pytest.mark.parametrize("who", ["quinn", "alice"])
def test_the_sla_results_page_is_not_found_outside_scope(request, client, contract, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(results_url(contract["partnership"], P06)).status_code == 404
    assert (
        client.post(
            results_url(contract["partnership"]), _month_form(contract, DT_01=("99.8", ""))
        ).status_code
        == 404
    )


# --- the SLA results page: verifying -----------------------------------------------------


def _action_url(result, action: str) -> str:
    return f"/sla-results/{result.pk}/{action}/"


def test_smt_sees_verify_and_dispute_buttons_but_no_entry_form(client, sam, contract):
    client.force_login(sam)

    response = client.get(results_url(contract["partnership"], P06))

    text = text_of(response)
    assert response.status_code == 200
    assert "Verify or dispute" in text
    for code in ("DT-01", "DT-02", "DT-03", "NW-01"):
        assert f"Verify {code}" in text
        assert f"Dispute {code}" in text
    assert "Save results" not in text
    assert f'name="value-{contract["DT-01"].pk}"' not in response.content.decode()


def test_smt_verifies_disputes_and_resolves_on_the_page(client, sam, contract):
    client.force_login(sam)
    dt01 = SlaResult.objects.get(sla=contract["DT-01"], period=P06)
    dt02 = SlaResult.objects.get(sla=contract["DT-02"], period=P06)
    url = results_url(contract["partnership"], P06)

    verified = client.post(_action_url(dt01, "verify"), {"version": "1"}, follow=True)
    disputed = client.post(
        _action_url(dt02, "dispute"),
        {"version": "1", "reason": "Monitoring shows 98.6%"},
        follow=True,
    )

    assert verified.redirect_chain == [(f"{url}#verify-{dt01.pk}", 302)]
    assert "DT-01: result verified." in text_of(verified)
    assert "DT-02: result disputed." in text_of(disputed)
    assert "▲ Disputed : Monitoring shows 98.6%" in text_of(disputed)
    assert "Resolve the dispute" in text_of(disputed)
    dt01.refresh_from_db()
    dt02.refresh_from_db()
    assert (dt01.verification, dt02.verification) == (
        Verification.VERIFIED,
        Verification.DISPUTED,
    )

    resolved = client.post(
        _action_url(dt02, "resolve"),
        {"version": "2", "reason": "Agreed at the contract meeting", "agreed_value": "98.6"},
        follow=True,
    )

    assert "DT-02: dispute resolved." in text_of(resolved)
    dt02.refresh_from_db()
    assert (dt02.verification, dt02.agreed_value) == (Verification.RESOLVED, Decimal("98.6"))
    text = text_of(resolved)
    assert "(agreed; reported 97) Storage outage Minor failure £0.00" in text
    assert "Dispute resolved" in text
    # The agreed 98.6 is a minor failure: September's credit falls to £0.00.
    page = client.get(page_url(contract["partnership"]))
    assert page.context["health"].credits == Decimal("0")


def test_a_dispute_without_a_reason_is_refused_with_a_message(client, sam, contract):
    client.force_login(sam)
    dt01 = SlaResult.objects.get(sla=contract["DT-01"], period=P06)

    response = client.post(_action_url(dt01, "dispute"), {"version": "1"}, follow=True)

    assert "DT-01: Give the reason for the dispute" in text_of(response)
    dt01.refresh_from_db()
    assert dt01.verification == Verification.UNVERIFIED


def test_a_stale_verification_is_refused_with_a_message(client, sam, pat, contract):
    client.force_login(sam)
    services.enter_sla_result(
        sla=contract["DT-01"], period_key=P07, actor=pat, value="97", commentary="Outage"
    )
    result = services.enter_sla_result(
        sla=contract["DT-01"], period_key=P07, actor=pat, value="99.9"
    )

    response = client.post(_action_url(result, "verify"), {"version": "1"}, follow=True)

    assert "Someone else changed this result while you were working on it" in text_of(response)
    result.refresh_from_db()
    assert result.verification == Verification.UNVERIFIED


@pytest.mark.parametrize("who", ["pat", "audrey"])
def test_only_smt_verifies_on_the_page(request, client, contract, who):
    client.force_login(request.getfixturevalue(who))
    dt01 = SlaResult.objects.get(sla=contract["DT-01"], period=P06)

    verify = client.post(_action_url(dt01, "verify"), {"version": "1"})
    dispute = client.post(_action_url(dt01, "dispute"), {"version": "1", "reason": "x"})

    assert (verify.status_code, dispute.status_code) == (403, 403)
    dt01.refresh_from_db()
    assert (dt01.verification, dt01.version) == (Verification.UNVERIFIED, 1)


def test_a_result_outside_scope_is_not_found(client, quinn, contract):
    client.force_login(quinn)
    dt01 = SlaResult.objects.get(sla=contract["DT-01"], period=P06)

    assert client.post(_action_url(dt01, "verify"), {"version": "1"}).status_code == 404


def test_an_auditor_sees_the_results_without_forms(client, audrey, contract):
    client.force_login(audrey)

    response = client.get(results_url(contract["partnership"], P06))

    text = text_of(response)
    assert response.status_code == 200
    assert "Save results" not in text and "Verify or dispute" not in text
    assert "£3,540.00" in text


# --- the records page --------------------------------------------------------------------


def test_the_records_page_flags_late_milestones_and_high_risks(client, sam, contract):
    client.force_login(sam)

    response = client.get(records_url(contract["partnership"]))

    assert response.status_code == 200
    text = text_of(response)
    # Delivered 12 August, due 31 July: 12 days late.
    assert "Data centre migration Partner programme lead 31 Jul 2025 12 Aug 2025" in text
    assert "Delivered Late by 12 days" in text
    # Due 30 September, not delivered by 15 November: 46 days late.
    assert "In progress Late by 46 days" in text
    # Delivered 27 June, due 30 June: not late.
    assert "Laptop refresh Partner programme lead 30 Jun 2025 27 Jun 2025 Delivered Data" in text
    assert "Depot outages Medium" in text
    # 3 × 5 = 15: high; 3 × 4 = 12: not.
    assert "Staff turnover 3 5 15 High" in text
    assert "Licence costs 3 4 12 Partner account director" in text
    assert "Raise an escalation" in text and "Add a risk" in text


def _escalation_form(**overrides) -> dict[str, str]:
    return {
        "kind": "escalation",
        "escalation-title": "Printer fleet failures",
        "escalation-severity": "high",
        "escalation-owner": "Head of ICT client",
        "escalation-raised_on": "2025-11-14",
        "escalation-state": "open",
        **overrides,
    }


def _risk_form(**overrides) -> dict[str, str]:
    return {
        "kind": "risk",
        "risk-title": "Cloud migration overrun",
        "risk-likelihood": "4",
        "risk-impact": "4",
        "risk-owner": "Partner account director",
        "risk-raised_on": "2025-11-14",
        "risk-state": "open",
        **overrides,
    }


@pytest.mark.parametrize("who", ["sam", "pat"])
def test_smt_and_the_partner_raise_an_escalation_and_a_risk(request, client, contract, who):
    actor = request.getfixturevalue(who)
    client.force_login(actor)
    url = records_url(contract["partnership"])

    escalation = client.post(url, _escalation_form(), follow=True)
    risk = client.post(url, _risk_form(), follow=True)

    assert escalation.redirect_chain == [(url, 302)]
    assert "Printer fleet failures recorded." in text_of(escalation)
    assert "Cloud migration overrun recorded." in text_of(risk)
    raised = Escalation.objects.get(title="Printer fleet failures")
    assert (raised.partnership, raised.severity, raised.raised_by) == (
        contract["partnership"],
        "high",
        actor,
    )
    added = Risk.objects.get(title="Cloud migration overrun")
    assert (added.score, added.raised_by) == (16, actor)
    assert "Cloud migration overrun 4 4 16 High" in text_of(risk)
    last = added.history.latest()
    assert (last.history_user, last.history_change_reason) == (actor, "Raised")


def test_an_incomplete_escalation_shows_the_error_summary(client, sam, contract):
    client.force_login(sam)

    response = client.post(
        records_url(contract["partnership"]), _escalation_form(**{"escalation-title": ""})
    )

    assert response.status_code == 400
    assert ("title", "id_escalation-title", "This field is required.") in response.context["errors"]
    assert not Escalation.objects.filter(raised_by=sam).exists()


def test_an_auditor_sees_the_records_but_may_not_raise_one(client, audrey, contract):
    client.force_login(audrey)
    url = records_url(contract["partnership"])

    page = client.get(url)
    response = client.post(url, _escalation_form())

    assert page.status_code == 200
    assert "Raise an escalation" not in text_of(page)
    assert response.status_code == 403
    assert not Escalation.objects.filter(title="Printer fleet failures").exists()


@pytest.mark.parametrize("who", ["alice", "quinn"])
def test_the_records_page_is_not_found_outside_scope(request, client, contract, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(records_url(contract["partnership"])).status_code == 404
    assert client.post(records_url(contract["partnership"]), _risk_form()).status_code == 404
    assert not Risk.objects.filter(title="Cloud migration overrun").exists()


def test_the_partner_records_milestone_progress_on_the_page(client, pat, contract):
    client.force_login(pat)
    milestone = Milestone.objects.get(title="Telephony replacement")

    response = client.post(
        f"/milestones/{milestone.pk}/progress/",
        {"state": "delivered", "delivered_date": "2025-11-14"},
        follow=True,
    )

    assert "Telephony replacement: progress recorded." in text_of(response)
    milestone.refresh_from_db()
    assert (milestone.state, milestone.delivered_date) == ("delivered", date(2025, 11, 14))
    assert "Delivered Late by 45 days" in text_of(response)


def test_smt_may_not_record_milestone_progress(client, sam, contract):
    client.force_login(sam)
    milestone = Milestone.objects.get(title="Telephony replacement")

    response = client.post(f"/milestones/{milestone.pk}/progress/", {"state": "cancelled"})

    assert response.status_code == 403
    milestone.refresh_from_db()
    assert milestone.state == "in_progress"


# --- a fixed number of queries -----------------------------------------------------------


def _contract_of_size(council, department, slas: int, user_name: str):
    """A partnership with ``slas`` SLAs over two services, each with a September result
    (one in four a serious failure), and a partner manager."""
    partnership = PartnershipFactory(council=council)
    services_ = [
        ServiceFactory(partnership=partnership, monthly_charge=Decimal("60000")) for _ in range(2)
    ]
    for service in services_:
        service.departments.set([department])
    for n in range(slas):
        sla = availability(services_[n % 2], f"S-{n:02d}", "2")
        SlaResultFactory(
            sla=sla,
            period=P06,
            reported_value=Decimal("90" if n % 4 == 0 else "99.9"),
            commentary="Outage",
            entered_at=ON_TIME,
        )
        MilestoneFactory(partnership=partnership, due_date=date(2025, 1 + n % 12, 1))
        EscalationFactory(partnership=partnership)
        RiskFactory(partnership=partnership)
    partner = UserFactory(username=user_name)
    MembershipFactory(user=partner, role=Role.PARTNER, department=None, partnership=partnership)
    return partnership, partner


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer", ["sam", "partner"])
def test_pages_make_the_same_number_of_queries_for_2_and_8_slas(
    request, client, council, housing, viewer
):
    small, small_partner = _contract_of_size(council, housing, 2, "partner-small")
    large, large_partner = _contract_of_size(council, housing, 8, "partner-large")
    counts = {}
    for name, partnership, partner in (
        ("small", small, small_partner),
        ("large", large, large_partner),
    ):
        client.force_login(request.getfixturevalue("sam") if viewer == "sam" else partner)
        counts[name] = (
            _queries(client, page_url(partnership)),
            _queries(client, results_url(partnership, P06)),
            _queries(client, records_url(partnership)),
        )

    assert counts["small"] == counts["large"], counts


def _repost_unchanged(client, partnership) -> int:
    """POST the entry grid back exactly as its results stand (the page pre-fills every
    row), counting the queries."""
    results = SlaResult.objects.filter(sla__service__partnership=partnership, period=P06)
    data = {}
    for result in results.select_related("sla"):
        data[f"value-{result.sla_id}"] = str(result.reported_value)
        data[f"commentary-{result.sla_id}"] = result.commentary
        data[f"version-{result.sla_id}"] = str(result.version)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(results_url(partnership, P06), data)
    assert response.status_code in (200, 302), response.content
    return len(captured)


def test_an_unchanged_grid_posted_back_costs_the_same_queries_for_2_and_8_slas(
    client, council, housing
):
    small, small_partner = _contract_of_size(council, housing, 2, "partner-small")
    large, large_partner = _contract_of_size(council, housing, 8, "partner-large")

    client.force_login(small_partner)
    small_count = _repost_unchanged(client, small)
    client.force_login(large_partner)
    large_count = _repost_unchanged(client, large)

    assert small_count == large_count
    assert SlaResult.objects.filter(version__gt=1).count() == 0


def test_the_raised_on_dates_default_to_today_in_the_date_pickers_own_format(client, sam, contract):
    """A date picker takes only 2025-11-15: an en-GB "15/11/2025" default shows blank."""
    client.force_login(sam)

    html = client.get(records_url(contract["partnership"])).content.decode()

    for prefix in ("escalation", "risk"):
        assert re.search(
            rf'<input type="date" name="{prefix}-raised_on" value="2025-11-15"[^>]*>', html
        ), prefix


def test_a_date_the_service_cannot_read_is_refused_naming_the_field(client, sam, contract):
    client.force_login(sam)

    response = client.post(
        records_url(contract["partnership"]),
        _escalation_form(**{"escalation-raised_on": "15/13/2025"}),
    )

    assert response.status_code == 400
    ((field, field_id, message),) = response.context["errors"]
    assert (field, field_id, message) == (
        "raised_on",
        "id_escalation-raised_on",
        "Raised on: '15/13/2025' is not a date in the calendar (dates are written day first, "
        "as 13/04/2026)",
    )
    assert not Escalation.objects.filter(raised_by=sam).exists()
