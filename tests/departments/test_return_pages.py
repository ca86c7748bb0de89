"""The returns pages through the Django test client: My returns, the entry form, the
return page with its history and workflow buttons, and SMT's sign-off page.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026
(2026-27-P07) is the latest closed month and its deadline (20 November) has passed.
"""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from departments.models import KpiReturn, PeriodSignOff, ReturnState
from departments.returns.services import approve_return, save_return, submit_return
from departments.returns.sign_off import sign_off_period
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = "2026-27-P07"
OCTOBER = "October 2026 (P07 2026/27)"
DEFINITION = "Households whose homelessness was prevented, as a share of cases closed."


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW):
        yield


@pytest.fixture(autouse=True)
def names(alice, harriet, sam):
    """Plain names, so pages can be searched for them without HTML escaping."""
    for user, first, last in [
        (alice, "Alice", "Archer"),
        (harriet, "Harriet", "Hughes"),
        (sam, "Sam", "Shah"),
    ]:
        user.first_name, user.last_name = first, last
        user.save()


@pytest.fixture
def indicator(housing):
    indicator = IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Homelessness cases prevented",
        definition=DEFINITION,
        unit="percent",
        decimal_places=1,
    )
    for year in (2025, 2026):
        TargetFactory(
            indicator=indicator,
            financial_year=year,
            annual_value=Decimal("90"),
            tolerance=Decimal("5"),
        )
    return indicator


@pytest.fixture
def finance_indicator(finance):
    return IndicatorFactory(department=finance, code="BV8", title="Invoices paid on time")


def _submitted(indicator, actor, value="91.5", **kwargs):
    return save_return(
        indicator=indicator, period_key=P07, actor=actor, value=value, submit=True, **kwargs
    )


def _draft(indicator, actor, value="91.5", **kwargs):
    return save_return(indicator=indicator, period_key=P07, actor=actor, value=value, **kwargs)


def _form_url(indicator, period=P07) -> str:
    return f"/returns/enter/{indicator.pk}/{period}/"


def _codes(html: str) -> list[str]:
    """Indicator codes in the order the returns tables list them."""
    return re.findall(r"<strong>([A-Z0-9-]+)</strong> ", html)


def _error_summary(html: str) -> list[tuple[str, str]]:
    """(link target, message) of each entry of the error summary."""
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return re.findall(r'<li><a href="#([^"]*)">(.*?)</a></li>', match.group(0))


def _text(html: str) -> str:
    """The page's text with tags dropped and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- My returns --------------------------------------------------------------------------


def test_an_officer_sees_their_departments_returns_for_the_latest_closed_month(
    client, alice, indicator, finance_indicator, housing
):
    second = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    _submitted(indicator, alice)
    client.force_login(alice)

    response = client.get("/returns/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Returns for {OCTOBER}</h1>" in html
    assert _codes(html) == ["LPI-HOU-03", "LPI-HOU-05"]
    assert '<h2 id="dept-' in html and ">Housing</h2>" in html
    assert "Finance" not in _text(html)
    assert "BV8" not in html
    assert "2 returns shown." in html
    # The submitted return links to its page; the one not started to its form.
    kpi_return = KpiReturn.objects.get(indicator=indicator)
    assert f'href="/returns/{kpi_return.pk}/"' in html
    assert f'href="{_form_url(second)}"' in html
    assert '<span class="state state-submitted">Submitted</span>' in html
    # Not started and past the 20 November deadline: missing, by the one rule.
    assert '<span class="state state-not_started">Not started</span>' in html
    assert '<span class="timeliness timeliness-missing">Missing</span>' in html
    assert "20 Nov 2026" in html


def test_the_period_and_state_filters_live_in_the_url(client, alice, harriet, housing, indicator):
    late = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    approved = IndicatorFactory(department=housing, code="LPI-HOU-06", title="Voids relet")
    _submitted(indicator, alice)
    _draft(late, alice)
    approve_return(kpi_return=_submitted(approved, alice), actor=harriet)
    september = IndicatorFactory(department=housing, code="LPI-HOU-08", title="Rent collected")
    save_return(indicator=september, period_key="2026-27-P06", actor=alice, value="97.1")
    client.force_login(alice)

    submitted_only = client.get("/returns/", {"period": P07, "state": "submitted"})
    assert _codes(submitted_only.content.decode()) == ["LPI-HOU-03"]

    approved_only = client.get(f"/returns/?period={P07}&state=approved")
    assert _codes(approved_only.content.decode()) == ["LPI-HOU-06"]

    # A draft past its deadline counts as missing (DESIGN.md: a draft does not count).
    missing = client.get(f"/returns/?period={P07}&state=missing").content.decode()
    assert _codes(missing) == ["LPI-HOU-05", "LPI-HOU-08"]

    september_page = client.get("/returns/?period=2026-27-P06").content.decode()
    assert "<h1>Returns for September 2026 (P06 2026/27)</h1>" in september_page
    # The draft is still a draft, and past the 21 October deadline it is missing.
    assert '<span class="state state-draft">Draft</span>' in september_page
    assert '<span class="timeliness timeliness-missing">Missing</span>' in september_page
    assert '<span class="timeliness timeliness-on_time">' not in september_page
    assert "97.1" in september_page


def test_the_draft_filter_before_the_deadline(client, alice, housing, indicator):
    drafted = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    with time_machine.travel(datetime(2026, 11, 10, 9, tzinfo=LONDON)):
        _draft(drafted, alice, value="77.0")
        _submitted(indicator, alice)
        client.force_login(alice)
        html = client.get(f"/returns/?period={P07}&state=draft").content.decode()
    assert _codes(html) == ["LPI-HOU-05"]
    assert '<span class="state state-draft">Draft</span>' in html
    assert "1 return shown." in html


def test_a_bad_period_key_shows_an_error_summary_naming_the_period(client, alice, indicator):
    client.force_login(alice)

    response = client.get("/returns/?period=2026-27-P13")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="error-summary-title">There is a problem</h2>' in html
    assert [message for _, message in _error_summary(html)] == [
        escape(
            "'2026-27-P13' is not a period key: expected a financial year such as 2025-26, "
            "a month such as 2025-26-P06 or a quarter such as 2025-26-Q2"
        )
    ]
    # The page falls back to the latest closed month.
    assert f"<h1>Returns for {OCTOBER}</h1>" in html
    assert _codes(html) == ["LPI-HOU-03"]


def test_a_bad_period_keys_error_links_to_the_period_field(client, alice, indicator):
    client.force_login(alice)

    html = client.get("/returns/?period=2026-27-P13").content.decode()

    [(anchor, message)] = _error_summary(html)
    assert anchor == "id_period"
    assert f'id="{anchor}"' in html
    # The message is beside the field too, and the field is marked invalid.
    assert (
        f'<p class="field-error" id="period-error"><span class="visually-hidden">Error:</span> '
        f"{message}</p>"
    ) in html
    assert re.search(
        r'<input id="id_period" name="period" value="2026-27-P13"'
        r' aria-describedby="period-hint period-error" aria-invalid="true">',
        html,
    )


def test_a_head_sees_what_waits_for_approval_first(client, alice, harriet, housing):
    codes = ["LPI-HOU-01", "LPI-HOU-02", "LPI-HOU-03", "LPI-HOU-04"]
    first, second, third, fourth = (
        IndicatorFactory(department=housing, code=code, title=f"Indicator {code}") for code in codes
    )
    approve_return(kpi_return=_submitted(first, alice), actor=harriet)
    _draft(second, alice)
    _submitted(fourth, alice)
    client.force_login(harriet)

    html = client.get("/returns/").content.decode()

    # Submitted first, then missing (the draft and the one not started), then approved.
    assert _codes(html) == ["LPI-HOU-04", "LPI-HOU-02", "LPI-HOU-03", "LPI-HOU-01"]


def test_smt_sees_every_department_grouped(
    client, alice, sam, housing, finance, indicator, finance_indicator
):
    client.force_login(sam)

    html = client.get("/returns/").content.decode()

    headings = re.findall(r'<h2 id="dept-\d+">([^<]+)</h2>', html)
    assert headings == ["Finance", "Housing"]
    assert _codes(html) == ["BV8", "LPI-HOU-03"]
    assert f'href="/periods/{P07}/sign-off/"' in html

    only_housing = client.get(f"/returns/?department={housing.pk}").content.decode()
    assert re.findall(r'<h2 id="dept-\d+">([^<]+)</h2>', only_housing) == ["Housing"]


# --- entering a return ---------------------------------------------------------------------


def test_an_officer_opens_the_form_of_a_return_not_yet_started(client, alice, indicator):
    for period, value in [
        ("2025-26-P07", "88.4"),
        ("2026-27-P06", "91.2"),
        ("2026-27-P05", "86.0"),
        ("2026-27-P04", "79.5"),
    ]:
        KpiReturnFactory(indicator=indicator, period=period, value=Decimal(value), state="locked")
    client.force_login(alice)

    response = client.get(_form_url(indicator))

    html = response.content.decode()
    text = _text(html)
    assert response.status_code == 200
    assert "<h1>LPI-HOU-03 Homelessness cases prevented</h1>" in html
    assert f"Definition {DEFINITION}" in text
    assert "Unit Percent, 1 decimal place" in text
    assert "Polarity Higher is better" in text
    assert "Target for Oct 2026 90.0 (annual 90.0, amber tolerance 5)" in text
    assert "Same period last year (Oct 2025) 88.4 Amber" in text
    assert "Sep 2026 91.2 Locked Green Aug 2026 86.0 Locked Amber Jul 2026 79.5 Locked Red" in text
    # Nothing saved yet: no version, no state, empty fields.
    assert '<input type="hidden" name="version" value="">' in html
    assert "State:" not in text
    assert 'name="value" type="text" inputmode="decimal" class="input-short" value=""' in html
    assert 'name="commentary"' in html and 'name="improvement_action"' in html
    assert KpiReturn.objects.filter(indicator=indicator, period=P07).count() == 0


def test_the_form_shows_definition_target_last_year_and_the_last_three_periods(
    client, alice, indicator
):
    for period, value in [
        ("2025-26-P07", "88.4"),
        ("2026-27-P06", "91.2"),
        ("2026-27-P05", "86.0"),
        ("2026-27-P04", "79.5"),
    ]:
        KpiReturnFactory(indicator=indicator, period=period, value=Decimal(value), state="locked")
    _draft(indicator, alice, value="90.5", commentary="Draft so far")
    client.force_login(alice)

    response = client.get(_form_url(indicator))

    html = response.content.decode()
    text = _text(html)
    assert response.status_code == 200
    assert "<h1>LPI-HOU-03 Homelessness cases prevented</h1>" in html
    assert f"Definition {DEFINITION}" in text
    assert "Unit Percent, 1 decimal place" in text
    assert "Polarity Higher is better" in text
    assert "Target for Oct 2026 90.0 (annual 90.0, amber tolerance 5)" in text
    assert "Same period last year (Oct 2025) 88.4 Amber" in text
    assert "Sep 2026 91.2 Locked Green Aug 2026 86.0 Locked Amber Jul 2026 79.5 Locked Red" in text
    assert "State: Draft (version 1)." in text
    assert '<input type="hidden" name="version" value="1">' in html
    assert 'class="input-short" value="90.5"' in html
    assert ">Draft so far</textarea>" in html
    assert 'name="improvement_action"' in html


def test_a_ratio_indicators_form_asks_for_numerator_and_denominator(client, alice, housing):
    ratio = IndicatorFactory(
        department=housing, code="LPI-HOU-09", unit="percent", year_to_date="ratio"
    )
    client.force_login(alice)

    html = client.get(_form_url(ratio)).content.decode()

    assert 'name="numerator"' in html and 'name="denominator"' in html
    assert 'name="value"' not in html
    assert "(value = 100 × numerator ÷ denominator)" in html

    # The first save creates the return (the form of a new return has no version yet).
    created = client.post(
        _form_url(ratio), {"numerator": "1", "denominator": "3", "version": "", "action": "save"}
    )
    assert created.status_code == 302
    assert KpiReturn.objects.get(indicator=ratio).value == Decimal("33.3")
    form = client.get(_form_url(ratio)).content.decode()
    assert '<input type="hidden" name="version" value="1">' in form
    assert 'name="numerator" type="text" inputmode="decimal" class="input-short" value="1"' in form

    response = client.post(
        _form_url(ratio),
        {"numerator": "5", "denominator": "16", "version": "1", "action": "save"},
    )
    assert response.status_code == 302
    assert KpiReturn.objects.get(indicator=ratio).value == Decimal("31.3")

    refused = client.post(
        _form_url(ratio),
        {"numerator": "17", "denominator": "16", "version": "2", "action": "save"},
    )
    assert refused.status_code == 400
    assert _error_summary(refused.content.decode()) == [
        ("id_numerator", "Numerator cannot be greater than the denominator for a percentage")
    ]
    assert KpiReturn.objects.get(indicator=ratio).version == 2


def test_errors_answer_400_with_a_summary_linking_the_fields_and_the_message_beside_them(
    client, alice, indicator
):
    kpi_return = _draft(indicator, alice, value="91.5")
    client.force_login(alice)

    response = client.post(
        _form_url(indicator),
        {"value": "80", "commentary": "", "version": "1", "action": "submit"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    commentary = "Explain why the result is red: a red return needs commentary"
    action = "Say what will be done about it: a red return needs an improvement action"
    assert _error_summary(html) == [
        ("id_commentary", commentary),
        ("id_improvement_action", action),
    ]
    assert "data-autofocus" in html
    # The summary comes first, before the fields.
    assert html.index('class="error-summary"') < html.index('id="id_value"')
    assert (
        '<p class="field-error" id="commentary-error"><span class="visually-hidden">Error:'
        f"</span> {commentary}</p>"
    ) in html
    assert (
        '<p class="field-error" id="improvement_action-error"><span class="visually-hidden">'
        f"Error:</span> {action}</p>"
    ) in html
    assert re.search(
        r'<textarea id="id_commentary"[^>]*aria-describedby="commentary-hint commentary-error"'
        r'[^>]*aria-invalid="true"',
        html,
    )
    # What the officer typed stays in the form.
    assert 'name="value" type="text" inputmode="decimal" class="input-short" value="80"' in html
    kpi_return.refresh_from_db()
    assert (kpi_return.value, kpi_return.version, kpi_return.state) == (
        Decimal("91.5"),
        1,
        ReturnState.DRAFT,
    )
    assert KpiReturn.history.count() == 1


def test_errors_on_a_new_return_answer_400_and_store_nothing(client, alice, indicator):
    client.force_login(alice)

    response = client.post(
        _form_url(indicator), {"value": "80", "commentary": "", "action": "submit"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    commentary = "Explain why the result is red: a red return needs commentary"
    action = "Say what will be done about it: a red return needs an improvement action"
    assert _error_summary(html) == [
        ("id_commentary", commentary),
        ("id_improvement_action", action),
    ]
    assert html.index('class="error-summary"') < html.index('id="id_value"')
    assert (
        '<p class="field-error" id="commentary-error"><span class="visually-hidden">Error:'
        f"</span> {commentary}</p>"
    ) in html
    assert (
        '<p class="field-error" id="improvement_action-error"><span class="visually-hidden">'
        f"Error:</span> {action}</p>"
    ) in html
    assert re.search(
        r'<textarea id="id_commentary"[^>]*aria-describedby="commentary-hint commentary-error"'
        r'[^>]*aria-invalid="true"',
        html,
    )
    # What the officer typed stays in the form, still with no version.
    assert 'name="value" type="text" inputmode="decimal" class="input-short" value="80"' in html
    assert '<input type="hidden" name="version" value="">' in html
    assert KpiReturn.objects.count() == 0
    assert KpiReturn.history.count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "Value must be a number, like 92.5"),
        ("100.5", "Value is a percentage and cannot be more than 100"),
        ("92.55", "Value can have at most 1 decimal place for LPI-HOU-03"),
        ("", "Enter the value"),
    ],
)
@pytest.mark.parametrize("started", [False, True], ids=["new", "draft"])
def test_a_bad_value_is_shown_in_the_summary_and_beside_the_field(
    client, alice, indicator, value, message, started
):
    if started:
        _draft(indicator, alice, value="91.5")
    client.force_login(alice)

    response = client.post(
        _form_url(indicator), {"value": value, "version": "1" if started else "", "action": "save"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert _error_summary(html) == [("id_value", message)]
    assert f'id="value-error"><span class="visually-hidden">Error:</span> {message}</p>' in html
    assert re.search(r'<input id="id_value"[^>]*aria-invalid="true"', html)
    if started:
        assert (KpiReturn.objects.get().value, KpiReturn.history.count()) == (Decimal("91.5"), 1)
    else:
        assert (KpiReturn.objects.count(), KpiReturn.history.count()) == (0, 0)


def test_a_future_period_is_refused_on_the_form(client, alice, indicator):
    client.force_login(alice)

    response = client.post(_form_url(indicator, "2026-27-P08"), {"value": "91", "action": "save"})

    html = response.content.decode()
    assert response.status_code == 400
    message = "November 2026 (P08 2026/27) has not ended yet: a return can be entered once it has"
    # The period is not a field of the form: the summary links to the message under the title.
    assert _error_summary(html) == [("period-error", message)]
    assert (
        '<p class="field-error" id="period-error"><span class="visually-hidden">Error:</span> '
        f"{message}</p>"
    ) in html
    assert KpiReturn.objects.count() == 0


def test_a_locked_return_is_refused_on_the_form(client, alice, indicator):
    locked = KpiReturnFactory(indicator=indicator, period=P07, state="locked")
    client.force_login(alice)

    page = client.get(_form_url(indicator)).content.decode()
    assert "This return is locked and cannot be changed here." in page
    assert 'name="value"' not in page

    response = client.post(_form_url(indicator), {"value": "91", "version": "1", "action": "save"})

    assert response.status_code == 400
    html = response.content.decode()
    [(anchor, message)] = _error_summary(html)
    assert message == "This return is locked because its period is signed off; ask SMT to reopen it"
    assert anchor == "period-error"
    assert f'<p class="field-error" id="{anchor}">' in html
    locked.refresh_from_db()
    assert (locked.value, locked.version, locked.state) == (Decimal("91.5"), 1, "locked")


def test_a_valid_submission_redirects_to_the_return_page(client, alice, indicator):
    client.force_login(alice)

    response = client.post(
        _form_url(indicator),
        {"value": "91.5", "commentary": "Steady month.", "action": "submit"},
        follow=True,
    )

    kpi_return = KpiReturn.objects.get()
    assert response.redirect_chain == [(f"/returns/{kpi_return.pk}/", 302)]
    html = response.content.decode()
    assert "LPI-HOU-03 Oct 2026 submitted for approval." in html
    assert (kpi_return.state, kpi_return.value, kpi_return.version) == (
        ReturnState.SUBMITTED,
        Decimal("91.5"),
        1,
    )
    assert "<strong>Submitted</strong> (version 1)" in html


def test_save_draft_keeps_the_return_in_draft(client, alice, indicator):
    client.force_login(alice)

    response = client.post(_form_url(indicator), {"value": "80", "action": "save"}, follow=True)

    assert "LPI-HOU-03 Oct 2026 saved as draft." in response.content.decode()
    assert KpiReturn.objects.get().state == ReturnState.DRAFT


def test_a_stale_save_shows_what_the_other_person_changed_and_keeps_the_input(
    client, alice, harriet, indicator
):
    kpi_return = _draft(indicator, alice, value="91.5")
    client.force_login(alice)
    form = client.get(_form_url(indicator)).content.decode()
    assert '<input type="hidden" name="version" value="1">' in form
    # Harriet corrects the figure while Alice has the form open.
    _draft(indicator, harriet, value="85", expected_version=1)

    response = client.post(
        _form_url(indicator),
        {"value": "93", "commentary": "My commentary", "version": "1", "action": "save"},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert '<h2 id="stale-heading">What the other person changed</h2>' in html
    row = re.search(r"<tbody><tr><td>Value</td>(.*?)</tr>", html, re.S)
    assert row, "no row for the value in the changes table"
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells[0].startswith("91.5") and cells[1].startswith("85")
    assert cells[2].startswith("Harriet Hughes, 28 Nov 2026")
    [(anchor, message)] = _error_summary(html)
    assert anchor == "stale-summary"
    assert message.startswith("Someone else saved this return while you were editing it")
    # Alice's input is still in the form.
    assert 'name="value" type="text" inputmode="decimal" class="input-short" value="93"' in html
    assert ">My commentary</textarea>" in html
    kpi_return.refresh_from_db()
    assert (kpi_return.value, kpi_return.version) == (Decimal("85"), 2)


def test_submitting_again_after_going_back_says_it_was_already_submitted(client, alice, indicator):
    """The back button shows the form of the version before the submission: submitting
    it again tells the officer what they did, and when, on the return's own page."""
    client.force_login(alice)
    client.post(_form_url(indicator), {"value": "91.5", "action": "submit"})
    kpi_return = KpiReturn.objects.get()

    again = client.post(
        _form_url(indicator), {"value": "92", "version": "", "action": "submit"}, follow=True
    )

    assert again.redirect_chain == [(f"/returns/{kpi_return.pk}/", 302)]
    html = " ".join(again.content.decode().split())
    assert (
        "You already submitted this return at 12:00 on 28 November 2026 (perhaps in another "
        "tab, or before going back): nothing more was changed."
    ) in html
    assert "Someone else" not in html
    kpi_return.refresh_from_db()
    assert (kpi_return.value, kpi_return.version) == (Decimal("91.5"), 1)


def test_a_stale_save_of_a_return_someone_has_since_approved_goes_to_the_return(
    client, alice, harriet, indicator
):
    """No form to "save again" when the return can no longer be edited."""
    kpi_return = _draft(indicator, alice, value="91.5")
    client.force_login(alice)
    submit_return(kpi_return=kpi_return, actor=alice)
    approve_return(kpi_return=kpi_return, actor=harriet)

    response = client.post(
        _form_url(indicator), {"value": "93", "version": "1", "action": "save"}, follow=True
    )

    assert response.redirect_chain == [(f"/returns/{kpi_return.pk}/", 302)]
    assert "Someone else saved this return while you were editing it" in (response.content.decode())
    kpi_return.refresh_from_db()
    assert (kpi_return.value, kpi_return.state) == (Decimal("91.5"), ReturnState.APPROVED)


def test_after_a_stale_save_saving_again_succeeds(client, alice, harriet, indicator):
    _draft(indicator, alice, value="91.5")
    client.force_login(alice)
    _draft(indicator, harriet, value="85", expected_version=1)
    data = {"value": "93", "commentary": "Mine", "version": "1", "action": "save"}

    conflict = client.post(_form_url(indicator), data).content.decode()

    # The form now carries the version that was saved meanwhile, with Alice's input.
    assert '<input type="hidden" name="version" value="2">' in conflict
    assert 'class="input-short" value="93"' in conflict
    assert ">Mine</textarea>" in conflict
    data["version"] = re.search(r'name="version" value="(\d*)"', conflict).group(1)
    response = client.post(_form_url(indicator), data)
    assert response.status_code == 302
    kpi_return = KpiReturn.objects.get()
    assert (kpi_return.value, kpi_return.commentary, kpi_return.version) == (
        Decimal("93"),
        "Mine",
        3,
    )


def test_the_stale_table_shows_figures_to_the_indicators_places(client, alice, harriet, indicator):
    _draft(indicator, alice, value="91.5")
    client.force_login(alice)
    _draft(indicator, harriet, value="85", expected_version=1)

    html = client.post(
        _form_url(indicator), {"value": "93", "version": "1", "action": "save"}
    ).content.decode()

    assert "<tr><td>Value</td><td>91.5</td><td>85.0</td>" in html


def test_the_form_prefills_figures_to_the_indicators_places(client, alice, indicator):
    _draft(indicator, alice, value="85")
    client.force_login(alice)

    html = client.get(_form_url(indicator)).content.decode()

    assert 'name="value" type="text" inputmode="decimal" class="input-short" value="85.0"' in html


def test_another_departments_return_and_form_are_not_found(client, alice, bob, finance_indicator):
    finance_return = _submitted(finance_indicator, bob)
    client.force_login(alice)

    assert client.get(f"/returns/{finance_return.pk}/").status_code == 404
    assert client.get(_form_url(finance_indicator)).status_code == 404
    assert client.post(_form_url(finance_indicator), {"value": "1"}).status_code == 404
    assert client.post(f"/returns/{finance_return.pk}/approve/").status_code == 404


def test_an_auditor_reads_a_return_but_posting_the_form_is_forbidden(
    client, alice, audrey, indicator
):
    kpi_return = _draft(indicator, alice, value="91.5")
    client.force_login(audrey)

    assert client.get(f"/returns/{kpi_return.pk}/").status_code == 200
    form = client.get(_form_url(indicator))
    assert form.status_code == 200
    assert '<form method="post" novalidate>' not in form.content.decode()

    response = client.post(
        _form_url(indicator), {"value": "50", "version": "1", "action": "submit"}
    )

    assert response.status_code == 403
    assert "You can read this return but not change it." in response.content.decode()
    kpi_return.refresh_from_db()
    assert (kpi_return.value, kpi_return.version, kpi_return.state) == (
        Decimal("91.5"),
        1,
        ReturnState.DRAFT,
    )
    assert KpiReturn.history.count() == 1


# --- the return page and its workflow buttons --------------------------------------------


def test_the_return_page_shows_the_full_history(client, alice, harriet, indicator):
    kpi_return = _draft(indicator, alice, value="91.5")
    kpi_return = save_return(
        indicator=indicator,
        period_key=P07,
        actor=alice,
        value="84",
        commentary="Caseworker vacancies.",
        improvement_action="Agency staff from December.",
        expected_version=1,
        submit=True,
    )
    client.force_login(harriet)
    client.post(
        f"/returns/{kpi_return.pk}/send-back/",
        {"reason": "Show the vacancy numbers.", "version": "2"},
    )

    html = client.get(f"/returns/{kpi_return.pk}/").content.decode()

    history = html[html.index('<h2 id="history">') :]
    rows = re.findall(
        r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>\s*<td>(.*?)</td></tr>", history, re.S
    )
    assert [(who, what) for _, who, what, _ in rows] == [
        ("Harriet Hughes", "Sent back: Show the vacancy numbers."),
        ("Alice Archer", "Edited and submitted"),
        ("Alice Archer", "Created"),
    ]
    assert all(when.startswith("28 Nov 2026 ") for when, _, _, _ in rows)
    sent_back, submitted, created = (_text(changes) for _, _, _, changes in rows)
    assert (
        sent_back
        == "State: Submitted → Sent back Reason for sending back: – → Show the vacancy numbers."
    )
    assert submitted == (
        "Value: 91.5 → 84.0 Commentary: – → Caseworker vacancies. "
        "Improvement action: – → Agency staff from December. State: Draft → Submitted "
        "Submitted by: – → Alice Archer Submitted at: – → 28 November 2026, 12:00"
    )
    # A created return lists its values, with no "before" (departments.history).
    assert created == (
        "Period: October 2026 (P07 2026/27) Indicator: LPI-HOU-03 Homelessness cases prevented "
        "Department: Housing Value: 91.5 State: Draft Created by: Alice Archer"
    )
    text = _text(html)
    assert "Reason sent back Show the vacancy numbers." in text
    # The officer sees the reason on the form too.
    client.force_login(alice)
    form = _text(client.get(_form_url(indicator)).content.decode())
    assert "Sent back Show the vacancy numbers." in form


def test_the_head_approves_through_the_button(client, alice, harriet, indicator):
    kpi_return = _submitted(indicator, alice)
    client.force_login(harriet)
    page = client.get(f"/returns/{kpi_return.pk}/").content.decode()
    assert f'action="/returns/{kpi_return.pk}/approve/"' in page

    response = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(f"/returns/{kpi_return.pk}/", 302)]
    assert '<p class="message message-success">Return approved.</p>' in html
    assert "<strong>Approved</strong> (version 2)" in html
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.approved_by) == (ReturnState.APPROVED, harriet)


def test_an_officer_has_no_approve_button_and_posting_approve_is_refused(client, alice, indicator):
    kpi_return = _submitted(indicator, alice)
    client.force_login(alice)
    page = client.get(f"/returns/{kpi_return.pk}/").content.decode()
    assert "/approve/" not in page
    assert "You submitted this return, so someone else must approve it." in page

    response = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"})

    assert response.status_code == 403
    assert "You cannot approve a return you submitted yourself." in response.content.decode()
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.version) == (ReturnState.SUBMITTED, 1)


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("bob", None),  # outside his department: not found
        ("audrey", "Only the department&#x27;s head of service or SMT can approve it."),
        ("pat", None),
    ],
)
def test_others_cannot_approve(request, client, harriet, indicator, persona, message):
    kpi_return = _submitted(indicator, harriet)
    client.force_login(request.getfixturevalue(persona))

    response = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"})

    if message is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert message in response.content.decode()
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.version) == (ReturnState.SUBMITTED, 1)


def test_an_auditor_with_a_stale_version_is_refused_by_role_not_version(
    client, alice, audrey, indicator
):
    _draft(indicator, alice, value="91.5")
    kpi_return = _submitted(indicator, alice, expected_version=1)
    assert kpi_return.version == 2
    client.force_login(audrey)

    approve = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"})
    send_back = client.post(
        f"/returns/{kpi_return.pk}/send-back/", {"reason": "No", "version": "1"}
    )

    assert approve.status_code == 403
    assert (
        "Only the department&#x27;s head of service or SMT can approve it."
        in approve.content.decode()
    )
    assert send_back.status_code == 403
    assert "Only the department&#x27;s head of service or SMT can send it back" in (
        send_back.content.decode()
    )
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.version) == (ReturnState.SUBMITTED, 2)


def test_a_head_cannot_approve_their_own_submission_through_the_button(client, harriet, indicator):
    kpi_return = _submitted(indicator, harriet)
    client.force_login(harriet)
    assert "/approve/" not in client.get(f"/returns/{kpi_return.pk}/").content.decode()

    response = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"})

    assert response.status_code == 403
    assert "You cannot approve a return you submitted yourself." in response.content.decode()
    assert KpiReturn.objects.get().state == ReturnState.SUBMITTED


def test_send_back_needs_a_reason(client, alice, harriet, indicator):
    kpi_return = _submitted(indicator, alice)
    client.force_login(harriet)

    response = client.post(
        f"/returns/{kpi_return.pk}/send-back/", {"reason": " ", "version": "1"}, follow=True
    )

    html = response.content.decode()
    assert (
        '<p class="message message-error">Give the reason, so the officer knows what to change</p>'
        in html
    )
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.version) == (ReturnState.SUBMITTED, 1)

    response = client.post(
        f"/returns/{kpi_return.pk}/send-back/",
        {"reason": "Add the October cases.", "version": "1"},
        follow=True,
    )
    assert "Return sent back to the department with your reason." in response.content.decode()
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.sent_back_reason) == (
        ReturnState.SENT_BACK,
        "Add the October cases.",
    )


def test_a_stale_approve_is_refused_with_a_message(client, alice, harriet, indicator):
    kpi_return = _submitted(indicator, alice)
    client.force_login(harriet)
    client.post(f"/returns/{kpi_return.pk}/send-back/", {"reason": "Check", "version": "1"})

    response = client.post(f"/returns/{kpi_return.pk}/approve/", {"version": "1"}, follow=True)

    assert "Someone else saved this return while you were editing it (now version 2)" in (
        response.content.decode()
    )
    assert KpiReturn.objects.get().state == ReturnState.SENT_BACK


def test_smt_reopens_a_locked_return_and_others_cannot(client, alice, harriet, sam, indicator):
    kpi_return = approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    sign_off_period(period_key=P07, actor=sam)
    client.force_login(harriet)
    assert "/reopen/" not in client.get(f"/returns/{kpi_return.pk}/").content.decode()
    refused = client.post(f"/returns/{kpi_return.pk}/reopen/", {"reason": "Typo"})
    assert refused.status_code == 403
    assert "Only SMT can reopen a locked return." in refused.content.decode()
    assert KpiReturn.objects.get().state == ReturnState.LOCKED

    client.force_login(sam)
    assert (
        f'action="/returns/{kpi_return.pk}/reopen/"'
        in client.get(f"/returns/{kpi_return.pk}/").content.decode()
    )
    response = client.post(
        f"/returns/{kpi_return.pk}/reopen/", {"reason": "The value was mistyped."}, follow=True
    )

    assert "Return reopened and sent back to the department." in response.content.decode()
    kpi_return.refresh_from_db()
    assert (kpi_return.state, kpi_return.sent_back_reason) == (
        ReturnState.SENT_BACK,
        "The value was mistyped.",
    )


def test_workflow_actions_answer_only_to_post(client, alice, harriet, indicator):
    kpi_return = _submitted(indicator, alice)
    client.force_login(harriet)
    assert client.get(f"/returns/{kpi_return.pk}/approve/").status_code == 405
    assert KpiReturn.objects.get().state == ReturnState.SUBMITTED


# --- sign-off page -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "bob", "harriet", "pat", "audrey"])
def test_the_sign_off_page_is_forbidden_to_all_but_smt_and_admin(request, client, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/periods/{P07}/sign-off/").status_code == 403
    response = client.post(f"/periods/{P07}/sign-off/", {"action": "sign_off"})
    assert response.status_code == 403
    assert "Only SMT can sign periods off." in response.content.decode()
    assert PeriodSignOff.objects.count() == 0


def test_smt_signs_a_period_off_and_reopens_it(
    client, alice, harriet, sam, ada, indicator, housing
):
    other = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    _submitted(other, alice)
    client.force_login(ada)
    assert client.get(f"/periods/{P07}/sign-off/").status_code == 200
    client.force_login(sam)

    asked = client.post(f"/periods/{P07}/sign-off/", {"action": "sign_off", "department": ""})
    assert asked.status_code == 400
    assert _error_summary(asked.content.decode()) == [
        ("id_department", "Choose the whole council or one department")
    ]
    confirm = client.post(
        f"/periods/{P07}/sign-off/", {"action": "sign_off", "department": "council"}
    )
    assert confirm.status_code == 200
    assert KpiReturn.objects.get(indicator=indicator).state == ReturnState.APPROVED  # not yet
    assert (
        "1 approved return will lock now and can then be changed only if SMT reopens "
        "October 2026. 1 return not yet approved will stay open"
    ) in " ".join(confirm.content.decode().split())
    response = client.post(
        f"/periods/{P07}/sign-off/",
        {"action": "sign_off", "department": "council", "confirmed": "1"},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain == [(f"/periods/{P07}/sign-off/", 302)]
    assert (
        f"{OCTOBER} signed off for the whole council: 1 return locked, 1 still open "
        "(they lock when approved)."
    ) in html
    assert KpiReturn.objects.get(indicator=indicator).state == ReturnState.LOCKED
    assert "Not signed off yet." not in html

    missing_reason = client.post(
        f"/periods/{P07}/sign-off/", {"action": "reopen", "department": "council", "reason": ""}
    )
    assert missing_reason.status_code == 400
    missing_html = missing_reason.content.decode()
    assert _error_summary(missing_html) == [
        ("id_reason", "Give the reason for reopening the period")
    ]
    # The message is beside the reason field too, which is marked invalid.
    assert (
        '<p class="field-error" id="reason-error"><span class="visually-hidden">Error:</span> '
        "Give the reason for reopening the period</p>"
    ) in missing_html
    assert re.search(
        r'<textarea id="id_reason"[^>]*aria-describedby="reason-hint reason-error"'
        r' aria-invalid="true"',
        missing_html,
    )
    assert KpiReturn.objects.get(indicator=indicator).state == ReturnState.LOCKED

    again = client.post(
        f"/periods/{P07}/sign-off/",
        {"action": "sign_off", "department": "council", "confirmed": "1"},
    )
    assert again.status_code == 400
    again_html = again.content.decode()
    assert _error_summary(again_html) == [("period-error", f"{OCTOBER} is already signed off.")]
    assert '<p class="field-error" id="period-error">' in again_html

    reopened = client.post(
        f"/periods/{P07}/sign-off/",
        {"action": "reopen", "department": "council", "reason": "Restated"},
        follow=True,
    )
    assert f"{OCTOBER} reopened: 1 return unlocked." in reopened.content.decode()
    assert KpiReturn.objects.get(indicator=indicator).state == ReturnState.APPROVED


def test_smt_signs_off_one_department(
    client, alice, bob, harriet, sam, housing, indicator, finance_indicator
):
    other = IndicatorFactory(department=housing, code="LPI-HOU-05", title="Repairs on time")
    approve_return(kpi_return=_submitted(indicator, alice), actor=harriet)
    approve_return(kpi_return=_submitted(other, alice), actor=harriet)
    finance_return = approve_return(kpi_return=_submitted(finance_indicator, bob), actor=sam)
    client.force_login(sam)

    response = client.post(
        f"/periods/{P07}/sign-off/",
        {"action": "sign_off", "department": str(housing.pk), "confirmed": "1"},
        follow=True,
    )

    assert (
        f"{OCTOBER} signed off for Housing: 2 returns locked, 0 still open"
        in response.content.decode()
    )
    assert PeriodSignOff.objects.get().department == housing
    assert set(KpiReturn.objects.filter(department=housing).values_list("state", flat=True)) == {
        ReturnState.LOCKED
    }
    finance_return.refresh_from_db()
    assert finance_return.state == ReturnState.APPROVED


def _sign_off_counts(html: str) -> dict[str, list[str]]:
    """Department name to its cells on the sign-off page: approved, locked, submitted,
    draft or sent back, signed off."""
    return {
        name: re.findall(r"<td[^>]*>(.*?)</td>", cells)
        for name, cells in re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td>(.*?)</tr>", html, re.S)
    }


def test_a_quarter_is_signed_off_under_its_own_key(client, alice, harriet, sam, housing, indicator):
    quarterly = IndicatorFactory(
        department=housing, code="LPI-HOU-20", title="Tenancy audits", frequency="quarterly"
    )
    q2 = approve_return(
        kpi_return=save_return(
            indicator=quarterly, period_key="2026-27-Q2", actor=alice, value="12", submit=True
        ),
        actor=harriet,
    )
    september = approve_return(
        kpi_return=save_return(
            indicator=indicator, period_key="2026-27-P06", actor=alice, value="91.5", submit=True
        ),
        actor=harriet,
    )
    client.force_login(sam)

    # September (inside Q2) counts its own monthly return, not the quarter's.
    p06_page = client.get("/periods/2026-27-P06/sign-off/").content.decode()
    assert _sign_off_counts(p06_page) == {"Housing": ["1", "0", "0", "0", "No"]}
    p06 = client.post(
        "/periods/2026-27-P06/sign-off/",
        {"action": "sign_off", "department": "council", "confirmed": "1"},
        follow=True,
    )
    assert (
        "September 2026 (P06 2026/27) signed off for the whole council: 1 return locked, "
        "0 still open"
    ) in p06.content.decode()
    q2.refresh_from_db()
    september.refresh_from_db()
    assert (september.state, q2.state) == (ReturnState.LOCKED, ReturnState.APPROVED)

    q2_page = client.get("/periods/2026-27-Q2/sign-off/").content.decode()
    assert _sign_off_counts(q2_page) == {"Housing": ["1", "0", "0", "0", "No"]}
    signed = client.post(
        "/periods/2026-27-Q2/sign-off/",
        {"action": "sign_off", "department": "council", "confirmed": "1"},
        follow=True,
    )

    html = signed.content.decode()
    assert (
        "Q2 2026/27 (July to September 2026) signed off for the whole council: 1 return locked, "
        "0 still open"
    ) in html
    assert _sign_off_counts(html) == {"Housing": ["0", "1", "0", "0", "Yes"]}
    q2.refresh_from_db()
    assert q2.state == ReturnState.LOCKED
    assert set(PeriodSignOff.objects.values_list("period", flat=True)) == {
        "2026-27-P06",
        "2026-27-Q2",
    }


# --- query counts ---------------------------------------------------------------------------


def _housing_returns(housing, alice, count: int, start: int = 0) -> list[KpiReturn]:
    made = []
    for n in range(start, start + count):
        indicator = IndicatorFactory(department=housing, code=f"LPI-HOU-{n:02d}", title=f"Ind {n}")
        TargetFactory(indicator=indicator, financial_year=2026)
        made.append(_submitted(indicator, alice, value=f"9{n % 10}.5"))
    return made


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["alice", "harriet", "sam"])
def test_my_returns_makes_a_fixed_number_of_queries(request, client, alice, housing, persona):
    _housing_returns(housing, alice, 3)
    client.force_login(request.getfixturevalue(persona))
    client.get("/returns/")  # warm caches (content types, sessions) once

    small = _queries(client, "/returns/")
    _housing_returns(housing, alice, 9, start=3)
    large = _queries(client, "/returns/")

    assert "12 returns shown." in client.get("/returns/").content.decode()
    assert small == large
    assert large <= 12
    print(f"/returns/ as {persona}: {small} queries with 3 indicators, {large} with 12")


def test_the_return_page_makes_a_fixed_number_of_queries(client, alice, harriet, housing):
    first = _housing_returns(housing, alice, 3)[0]
    client.force_login(harriet)
    url = f"/returns/{first.pk}/"
    client.get(url)

    small = _queries(client, url)
    _housing_returns(housing, alice, 9, start=3)
    # More history on the return too: send back, edit and resubmit.
    client.post(f"/returns/{first.pk}/send-back/", {"reason": "Check", "version": "1"})
    save_return(
        indicator=first.indicator,
        period_key=P07,
        actor=alice,
        value="90",
        expected_version=2,
        submit=True,
    )
    large = _queries(client, url)

    assert small == large
    assert large <= 12
    print(f"return page: {small} queries with 3 indicators, {large} with 12")


def test_a_councils_returns_are_shown_a_page_at_a_time_with_the_filters_kept(
    client, alice, sam, housing, monkeypatch
):
    """A council's thousand returns would be one page too long to read or to render:
    they come a page at a time, in the same order, the filters kept from page to page,
    at the same number of queries."""
    monkeypatch.setattr("departments.returns.views.RETURNS_PER_PAGE", 5)
    _housing_returns(housing, alice, 12)
    client.force_login(sam)
    first = client.get("/returns/", {"state": "submitted"}).content.decode()
    assert "Returns 1 to 5 of 12." in first
    assert "Page 1 of 3" in first
    assert 'href="?state=submitted&amp;page=2"' in first
    third = client.get("/returns/", {"state": "submitted", "page": "3"}).content.decode()
    assert "Returns 11 to 12 of 12." in third
    codes = [_codes(client.get("/returns/", {"page": str(n)}).content.decode()) for n in (1, 2, 3)]
    assert [len(page) for page in codes] == [5, 5, 2]
    assert sum(codes, []) == [f"LPI-HOU-{n:02d}" for n in range(12)]
    assert _queries(client, "/returns/?page=1") == _queries(client, "/returns/?page=3")


HUGE = "12345678901234567890123"  # case 11's kind: 23 digits, past any database integer


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("department", "Select a valid choice"),
        ("indicator", "Select a valid choice"),
        ("financial_year", "Ensure this value is less than or equal to"),
    ],
)
def test_a_23_digit_filter_is_refused_naming_its_field(client, alice, sam, housing, field, message):
    """A query string's id or year too large for the database is the filter's error,
    named, with the month's returns still listed: never a server error (it reached the
    database as an integer out of range on PostgreSQL before a field bounded it)."""
    _housing_returns(housing, alice, 3)
    client.force_login(sam)
    response = client.get("/returns/", {field: HUGE})
    assert response.status_code == 200
    html = response.content.decode()
    [(target, text)] = _error_summary(html)
    assert target == f"id_{field}" and text.startswith(message)
    assert _codes(html) == ["LPI-HOU-00", "LPI-HOU-01", "LPI-HOU-02"]


@pytest.mark.parametrize("page", [HUGE, "-1", "0", "1e3", "two"])
def test_a_page_number_out_of_range_or_not_one_shows_a_page_of_returns(
    client, alice, sam, housing, monkeypatch, page
):
    """Past the last page: the last page; not a whole number: the first, as Django's
    paginator's ``get_page`` answers, whatever the number of returns."""
    monkeypatch.setattr("departments.returns.views.RETURNS_PER_PAGE", 2)
    _housing_returns(housing, alice, 3)
    client.force_login(sam)
    html = client.get("/returns/", {"page": page}).content.decode()
    shown = "Returns 3 to 3 of 3." if page in (HUGE, "-1", "0") else "Returns 1 to 2 of 3."
    assert shown in html
    assert len(_codes(html)) == (1 if page in (HUGE, "-1", "0") else 2)


def test_the_home_opens_a_submitted_return_where_it_is_approved(client, alice, harriet, indicator):
    """The head's home lists the department's returns due: a submitted one opens on its
    own page, with the Approve button, not on a form that says it cannot be changed."""
    submitted = _submitted(indicator, alice)
    client.force_login(harriet)

    home = client.get("/").content.decode()

    assert f'<a href="/returns/{submitted.pk}/"><strong>{indicator.code}</strong>' in home
    detail = client.get(f"/returns/{submitted.pk}/").content.decode()
    assert f'action="/returns/{submitted.pk}/approve/"' in detail


def test_the_home_opens_a_draft_on_its_form(client, alice, indicator):
    _draft(indicator, alice)
    client.force_login(alice)

    home = client.get("/").content.decode()

    assert f'<a href="{_form_url(indicator)}"><strong>{indicator.code}</strong>' in home
