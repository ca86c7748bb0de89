"""Year-end forecasts on KPI returns (issue 20, item 1): the rules of a forecast, the
same for the form, the API and imports; its rating against the annual target; the flag
for the head of service; the audit trail; and where heads and SMT read it.

Time is frozen on Saturday 28 November 2026 (Europe/London): October 2026
(2026-27-P07) is the latest closed month. Housing's percentage indicator LPI-HOU-03
(one decimal place, higher is better, year to date the mean) has a 2026-27 target of 90
with an amber tolerance of 5: a forecast of 90.0 and above is green, 85.0 to 89.9
amber, below 85.0 red. LPI-HOU-07 (households in temporary accommodation, a count, lower
is better, year to date the sum) has an annual target of 1,200 with a tolerance of 60:
its month's target is 100, but its year-end forecast is rated against the 1,200.
alice is an officer of Housing, harriet its head, sam of the SMT.
"""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from departments.forecasts import forecast_flag, forecast_of
from departments.imports.services import start_import
from departments.models import (
    ForecastConfidence,
    ImportStatus,
    KpiReturn,
    PerformanceIndicator,
    Target,
)
from departments.periods import Period
from departments.rating import Rag, forecast_target, rate_forecast
from departments.returns.selectors import return_history
from departments.returns.services import approve_return, save_return, submit_return
from reporting.metrics.returns import indicator_rows
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.renderers import render_csv, render_xlsx
from reporting.todo import home_lists
from tests.factories import IndicatorFactory, TargetFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 28, 12, tzinfo=LONDON)
P07 = "2026-27-P07"
NO_TARGET = (
    "Year-end forecast: LPI-HOU-03 has no annual target for 2026/27, so no year-end "
    "forecast can be given: leave the forecast empty"
)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def indicator(housing):
    return IndicatorFactory(
        department=housing,
        code="LPI-HOU-03",
        title="Homelessness cases prevented",
        unit="percent",
        decimal_places=1,
    )


@pytest.fixture
def target(indicator):
    return TargetFactory(
        indicator=indicator,
        financial_year=2026,
        annual_value=Decimal("90"),
        tolerance=Decimal("5"),
    )


@pytest.fixture
def households(housing):
    made = IndicatorFactory(
        department=housing,
        code="LPI-HOU-07",
        title="Households in temporary accommodation",
        unit="count",
        polarity="lower",
        year_to_date="sum",
        decimal_places=0,
    )
    TargetFactory(
        indicator=made, financial_year=2026, annual_value=Decimal(1200), tolerance=Decimal(60)
    )
    return made


def _save(indicator, actor, **fields):
    defaults = {"value": "91.5", "commentary": "", "improvement_action": ""}
    return save_return(indicator=indicator, period_key=P07, actor=actor, **(defaults | fields))


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- the rules of a forecast -----------------------------------------------------------


def test_a_forecast_is_stored_with_its_confidence_and_sentence(alice, target, indicator):
    saved = _save(
        indicator,
        alice,
        forecast_value="92.4",
        forecast_confidence="On track",  # the words are taken as well as the key
        forecast_note="  The new rota holds through the winter.  ",
    )
    saved.refresh_from_db()
    assert saved.forecast_value == Decimal("92.4")
    assert saved.forecast_confidence == ForecastConfidence.ON_TRACK
    assert saved.forecast_note == "The new rota holds through the winter."


def test_a_forecast_of_nought_is_a_forecast(alice, households):
    saved = _save(
        households,
        alice,
        value="0",
        forecast_value="0",
        forecast_confidence="on_track",
        forecast_note="No household placed all year.",
    )
    saved.refresh_from_db()
    assert saved.forecast_value == 0
    # Kept as stored by a save that does not name it.
    kept = _save(households, alice, value="1", expected_version=saved.version)
    kept.refresh_from_db()
    assert (kept.forecast_value, kept.forecast_confidence) == (0, "on_track")


def test_a_return_without_a_forecast_needs_no_annual_target(alice, indicator):
    saved = _save(indicator, alice, forecast_value="", forecast_confidence="", forecast_note="")
    assert saved.forecast_value is None and saved.forecast_confidence == ""


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"forecast_value": "92"}, "forecast_value"),
        ({"forecast_confidence": "at_risk"}, "forecast_confidence"),
        ({"forecast_note": "Winter will be hard."}, "forecast_note"),
    ],
)
def test_a_forecast_for_an_indicator_without_an_annual_target_is_refused_naming_the_field(
    alice, indicator, given, field
):
    with pytest.raises(ValidationError) as refused:
        _save(indicator, alice, **given)
    message = NO_TARGET.replace(
        "Year-end forecast",
        {
            "forecast_value": "Year-end forecast",
            "forecast_confidence": "Forecast confidence",
            "forecast_note": "Forecast explanation",
        }[field],
    )
    assert _messages(refused.value) == {field: [message]}
    assert not KpiReturn.objects.exists()  # nothing stored half-way


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            {"forecast_value": "92"},
            {
                "forecast_confidence": [
                    "Choose the forecast confidence: on track, at risk, off track"
                ],
                "forecast_note": [
                    "Explain the forecast in a sentence: what it rests on and what could change it"
                ],
            },
        ),
        (
            {"forecast_confidence": "off_track", "forecast_note": "Demand is rising."},
            {
                "forecast_value": [
                    "Enter the year-end forecast, or leave the confidence and explanation empty"
                ]
            },
        ),
        (
            {"forecast_value": "92", "forecast_confidence": "likely", "forecast_note": "x"},
            {
                "forecast_confidence": [
                    "Forecast confidence must be one of on track, at risk, off track"
                ]
            },
        ),
        (
            {"forecast_value": "about 90", "forecast_confidence": "on_track", "forecast_note": "x"},
            {"forecast_value": ["Year-end forecast must be a number, like 92.5"]},
        ),
        (
            {"forecast_value": "100.1", "forecast_confidence": "on_track", "forecast_note": "x"},
            {"forecast_value": ["Year-end forecast is a percentage and cannot be more than 100"]},
        ),
        (
            {"forecast_value": "-1", "forecast_confidence": "on_track", "forecast_note": "x"},
            {
                "forecast_value": [
                    "Year-end forecast cannot be negative: LPI-HOU-03 is a percentage"
                ]
            },
        ),
        (
            {"forecast_value": "91.25", "forecast_confidence": "on_track", "forecast_note": "x"},
            {
                "forecast_value": [
                    "Year-end forecast can have at most 1 decimal place for LPI-HOU-03"
                ]
            },
        ),
        (
            {
                "forecast_value": "91",
                "forecast_confidence": "on_track",
                "forecast_note": "x" * 10_001,
            },
            {
                "forecast_note": [
                    "Forecast explanation can be at most 10,000 characters (it has 10,001)"
                ]
            },
        ),
    ],
)
def test_a_forecast_is_all_three_or_nothing_and_obeys_the_value_rules(
    alice, target, indicator, given, expected
):
    with pytest.raises(ValidationError) as refused:
        _save(indicator, alice, **given)
    assert _messages(refused.value) == expected
    assert not KpiReturn.objects.exists()


def test_a_forecast_is_audited_with_its_values_before_and_after(alice, target, indicator):
    first = _save(
        indicator,
        alice,
        forecast_value="92.0",
        forecast_confidence="on_track",
        forecast_note="The rota holds.",
    )
    _save(
        indicator,
        alice,
        forecast_value="88.5",
        forecast_confidence="at_risk",
        forecast_note="Two caseworkers leave in January.",
        expected_version=first.version,
    )
    latest = return_history(KpiReturn.objects.get())[0]
    changes = {c.label: (c.before, c.after) for c in latest.changes}
    assert changes == {
        "Year-end forecast": ("92.0", "88.5"),
        "Forecast confidence": ("On track", "At risk"),
        "Forecast explanation": ("The rota holds.", "Two caseworkers leave in January."),
    }


def test_a_submitted_returns_forecast_cannot_be_changed(alice, target, indicator):
    submitted = _save(indicator, alice, submit=True)
    with pytest.raises(ValidationError) as refused:
        _save(
            indicator,
            alice,
            forecast_value="91",
            forecast_confidence="on_track",
            forecast_note="x",
            expected_version=submitted.version,
        )
    assert list(_messages(refused.value)) == ["period"]


# --- the rating against the annual target, at the boundaries --------------------------


@pytest.mark.parametrize(
    ("forecast", "rag"),
    [
        ("90", Rag.GREEN),  # the target itself
        ("89.95", Rag.GREEN),  # rounds half-up to 90.0
        ("89.94", Rag.AMBER),  # rounds to 89.9: below the target
        ("85", Rag.AMBER),  # target − tolerance
        ("84.95", Rag.AMBER),  # rounds to 85.0
        ("84.94", Rag.RED),  # rounds to 84.9
    ],
)
def test_a_percentage_forecast_is_rated_against_the_annual_target(indicator, target, forecast, rag):
    assert forecast_target(indicator, target) == Decimal("90.0")
    assert rate_forecast(indicator, target, Decimal(forecast)) is rag


@pytest.mark.parametrize(
    ("forecast", "rag"),
    [
        ("1200", Rag.GREEN),  # the whole year's target, not the month's 100
        ("1200.4", Rag.GREEN),  # rounds half-up to 1,200 (no decimal places)
        ("1200.5", Rag.AMBER),  # rounds to 1,201: above the target, lower is better
        ("1260", Rag.AMBER),  # target + tolerance
        ("1260.4", Rag.AMBER),  # rounds to 1,260
        ("1260.5", Rag.RED),  # rounds to 1,261
        ("100", Rag.GREEN),  # the month's target is far inside the year's
    ],
)
def test_a_sum_indicators_forecast_is_rated_against_the_whole_years_target(
    households, forecast, rag
):
    target = Target.objects.get(indicator=households)
    assert forecast_target(households, target) == Decimal(1200)
    assert rate_forecast(households, target, Decimal(forecast)) is rag


def test_without_a_target_a_forecast_is_not_rated(indicator):
    assert rate_forecast(indicator, None, Decimal("95")) is Rag.NOT_RATED


# --- the flag for the head of service ------------------------------------------------------


RECOVERY = "Red now but forecast on track: check the recovery is real"
SLIDE = "Green now but forecast off track: check what is expected to go wrong"
CALLED_OFF = "Forecast meets the annual target but is called off track: check the confidence"
CALLED_ON = "Forecast misses the annual target but is called on track: check the confidence"


@pytest.mark.parametrize(
    ("current", "confidence", "forecast", "flag"),
    [
        # Against the current status (the forecast's own rating amber: no contradiction).
        (Rag.RED, "on_track", Rag.AMBER, RECOVERY),
        (Rag.GREEN, "off_track", Rag.AMBER, SLIDE),
        (Rag.RED, "off_track", Rag.AMBER, ""),
        (Rag.RED, "at_risk", Rag.AMBER, ""),
        (Rag.GREEN, "on_track", Rag.AMBER, ""),
        (Rag.GREEN, "at_risk", Rag.AMBER, ""),
        (Rag.AMBER, "on_track", Rag.AMBER, ""),
        (Rag.AMBER, "off_track", Rag.AMBER, ""),
        (Rag.NOT_RATED, "on_track", Rag.NOT_RATED, ""),
        # Against the forecast's own rating (the current status amber).
        (Rag.AMBER, "off_track", Rag.GREEN, CALLED_OFF),
        (Rag.AMBER, "on_track", Rag.RED, CALLED_ON),
        (Rag.AMBER, "on_track", Rag.GREEN, ""),
        (Rag.AMBER, "off_track", Rag.RED, ""),
        (Rag.AMBER, "at_risk", Rag.GREEN, ""),
        (Rag.AMBER, "at_risk", Rag.RED, ""),
        # Both at once: both reasons.
        (Rag.RED, "on_track", Rag.RED, f"{RECOVERY}; {CALLED_ON}"),
        (Rag.GREEN, "off_track", Rag.GREEN, f"{SLIDE}; {CALLED_OFF}"),
    ],
)
def test_the_flag_is_raised_when_the_confidence_contradicts_the_status_or_the_forecast(
    current, confidence, forecast, flag
):
    assert forecast_flag(current, confidence, forecast=forecast) == flag


def test_a_forecast_meeting_the_target_but_called_off_track_is_flagged_through_the_api(
    client, alice, target, indicator
):
    """Amber now (86 against 90 − 5), forecast 91.0 (green) but called off track."""
    saved = _save(
        indicator,
        alice,
        value="86",
        commentary="Slower autumn.",
        improvement_action="Extra triage.",
        forecast_value="91",
        forecast_confidence="off_track",
        forecast_note="Unsure.",
        submit=True,  # a draft is never flagged (forecasts.may_be_flagged)
    )
    client.force_login(alice)
    body = client.get(f"/api/v1/returns/{saved.pk}/").json()
    assert (body["forecast_rag"], body["forecast_flag"]) == ("green", CALLED_OFF)


def test_the_api_rates_each_forecast_once(client, alice, households, monkeypatch):
    """The forecast's RAG and its flag come from one rating of it, in a list as for one
    return."""
    import departments.forecasts

    saved = _save(
        households,
        alice,
        value="95",
        forecast_value="1230",
        forecast_confidence="at_risk",
        forecast_note="Winter demand.",
    )
    rated = []

    def counted(indicator, target, forecast_value):
        rated.append(forecast_value)
        return rate_forecast(indicator, target, forecast_value)

    monkeypatch.setattr(departments.forecasts, "rate_forecast", counted)
    client.force_login(alice)
    body = client.get(f"/api/v1/returns/{saved.pk}/").json()
    assert (body["forecast_rag"], body["forecast_flag"]) == ("amber", "")
    assert rated == [Decimal("1230")]
    listed = client.get("/api/v1/returns/").json()["results"]
    assert [row["forecast_rag"] for row in listed] == ["amber"]
    assert len(rated) == 2


def test_the_forecast_is_rated_and_flagged_against_the_returns_current_status(
    alice, target, indicator
):
    saved = _save(
        indicator,
        alice,
        value="80",  # red against 90 − 5
        commentary="Staff absence.",
        improvement_action="Agency cover.",
        forecast_value="90.5",
        forecast_confidence="on_track",
        forecast_note="Agency cover from December.",
        submit=True,  # a draft is never flagged (forecasts.may_be_flagged)
    )
    forecast = forecast_of(indicator, saved, target, Rag.RED)
    assert (forecast.rag, forecast.current, forecast.target) == (
        Rag.GREEN,
        Rag.RED,
        Decimal("90.0"),
    )
    assert forecast.flagged


# --- where heads and SMT read it -----------------------------------------------------------


@pytest.fixture
def flagged_and_plain(alice, harriet, target, indicator, households):
    """LPI-HOU-03: red (80) and forecast on track, submitted: flagged. LPI-HOU-07: 95
    households (green against the month's 100) forecast at risk at 1,230 (amber against
    the year's 1,200 + 60): not flagged."""
    red = _save(
        indicator,
        alice,
        value="80",
        commentary="Staff absence.",
        improvement_action="Agency cover.",
        forecast_value="90.5",
        forecast_confidence="on_track",
        forecast_note="Agency cover from December.",
        submit=True,
    )
    plain = _save(
        households,
        alice,
        value="95",
        forecast_value="1230",
        forecast_confidence="at_risk",
        forecast_note="Winter demand.",
        submit=True,
    )
    return red, plain


def test_the_heads_home_lists_the_forecasts_to_check(harriet, flagged_and_plain):
    red, _ = flagged_and_plain
    home = home_lists(harriet)
    to_check = home.list("forecasts_to_check")
    assert to_check.count == 1
    (item,) = to_check.items
    assert item.text == "LPI-HOU-03 Homelessness cases prevented, October 2026"
    assert item.url == f"/returns/{red.pk}/"
    assert item.detail == (
        "Red now, forecast on track: Red now but forecast on track: check the recovery is real"
    )
    approvals = home.list("returns_awaiting_approval")
    details = {i.text.split(",")[0]: i.detail for i in approvals.items}
    assert details["Approve LPI-HOU-03 Homelessness cases prevented"].endswith(
        "Forecast to check: Red now but forecast on track: check the recovery is real"
    )
    assert "Forecast" not in details["Approve LPI-HOU-07 Households in temporary accommodation"]


def test_a_flagged_forecast_leaves_the_list_once_it_no_longer_contradicts(
    alice, harriet, target, indicator
):
    _save(
        indicator,
        alice,
        value="92",
        forecast_value="91",
        forecast_confidence="on_track",
        forecast_note="Steady.",
        submit=True,
    )
    assert home_lists(harriet).list("forecasts_to_check").count == 0


def test_a_drafts_forecast_is_flagged_nowhere_until_it_is_submitted(
    client, alice, harriet, target, indicator
):
    """Red now (80) and forecast on track: the return page, the API and the head's list
    agree, by one rule: not flagged while a draft, flagged once submitted."""
    draft = _save(
        indicator,
        alice,
        value="80",
        commentary="Staff absence.",
        improvement_action="Agency cover.",
        forecast_value="90.5",
        forecast_confidence="on_track",
        forecast_note="Agency cover from December.",
    )

    def flags() -> tuple[bool, str, int]:
        client.force_login(harriet)
        page = client.get(f"/returns/{draft.pk}/").content.decode()
        forecast = page[page.index('data-testid="forecast"') :].split("</dd>")[0]
        assert "90.5" in forecast  # shown, rated, either way
        api = client.get(f"/api/v1/returns/{draft.pk}/").json()
        assert api["forecast_rag"] == "green"
        listed = home_lists(harriet).list("forecasts_to_check").count
        return "Check:" in forecast, api["forecast_flag"], listed

    assert flags() == (False, "", 0)
    submit_return(kpi_return=draft, actor=alice)
    assert flags() == (True, RECOVERY, 1)


def test_the_return_page_shows_the_forecast_beside_the_status(client, harriet, flagged_and_plain):
    red, _ = flagged_and_plain
    client.force_login(harriet)
    html = client.get(f"/returns/{red.pk}/").content.decode()
    assert 'data-testid="forecast"' in html
    assert "90.5" in html and "On track" in html
    assert "Check: Red now but forecast on track: check the recovery is real" in html
    assert "Against the annual target of 90.0" in html


def test_the_dashboard_shows_current_status_and_forecast_side_by_side(
    client, sam, housing, flagged_and_plain
):
    client.force_login(sam)
    html = client.get(f"/departments/{housing.pk}/?period={P07}").content.decode()
    html = html.replace("\n", "")  # the RAG's template ends its line
    assert '<th scope="col">Year-end forecast</th>' in html
    row_03 = html[html.index("LPI-HOU-03</strong>") :].split("</tr>")[0]
    assert '<span class="rag rag-red">Red</span>' in row_03
    assert '90.5 <span class="rag rag-green">Green</span><br>On track' in row_03
    assert "Check: Red now but forecast on track" in row_03
    row_07 = html[html.index("LPI-HOU-07</strong>") :].split("</tr>")[0]
    assert '1,230 <span class="rag rag-amber">Amber</span><br>At risk' in row_07
    assert "Check:" not in row_07


def test_the_indicator_page_shows_the_forecast_beside_the_status(
    client, sam, indicator, flagged_and_plain
):
    client.force_login(sam)
    html = client.get(f"/indicators/{indicator.pk}/?period={P07}").content.decode()
    forecast = html[html.index('data-testid="forecast"') :].split("</dd>")[0]
    assert "90.5" in forecast and "On track" in forecast
    assert "Check: Red now but forecast on track" in forecast
    assert "Agency cover from December." in forecast
    assert "Against the annual target of 90.0" in forecast


def test_the_dashboard_api_gives_the_forecast_beside_the_status(
    client, sam, housing, flagged_and_plain
):
    client.force_login(sam)
    body = client.get(f"/api/v1/metrics/departments/{housing.pk}/?period={P07}").json()
    rows = {row["code"]: row for row in body["indicators"]}
    assert rows["LPI-HOU-03"]["rag"] == "red"
    assert rows["LPI-HOU-03"]["forecast"] == {
        "value": "90.5",
        "target": "90.0",
        "rag": "green",
        "confidence": "on_track",
        "note": "Agency cover from December.",
        "flag": "Red now but forecast on track: check the recovery is real",
    }
    assert (rows["LPI-HOU-07"]["forecast"]["value"], rows["LPI-HOU-07"]["forecast"]["flag"]) == (
        "1230",
        "",
    )


def test_a_draft_forecast_is_not_shown_on_the_dashboard(alice, target, indicator, housing):
    _save(
        indicator,
        alice,
        value="80",
        forecast_value="91",
        forecast_confidence="on_track",
        forecast_note="Recovery.",
    )
    (row,) = indicator_rows(
        indicators=PerformanceIndicator.objects.filter(pk=indicator.pk), month=Period.parse(P07)
    )
    assert row.forecast is None  # a draft is still with the department


def test_the_dashboard_reads_targets_only_for_the_forecasts_it_shows(
    alice, target, indicator, django_assert_num_queries
):
    """Indicators, ratings and returns: a draft's forecast, not shown, reads no target;
    a submitted one is rated against its year's (targets_of, as the returns pages)."""
    month = Period.parse(P07)
    draft = _save(
        indicator,
        alice,
        forecast_value="91",
        forecast_confidence="on_track",
        **{"forecast_note": "Recovery."},
    )
    chosen = PerformanceIndicator.objects.filter(pk=indicator.pk)
    with django_assert_num_queries(3):
        indicator_rows(indicators=chosen, month=month)
    submit_return(kpi_return=draft, actor=alice)
    with django_assert_num_queries(4):
        (row,) = indicator_rows(indicators=chosen, month=month)
    assert (row.forecast.rag, row.forecast.target) == (Rag.GREEN, Decimal("90.0"))


def test_the_returns_export_carries_the_forecast_columns(audrey, flagged_and_plain):
    exporter = ReturnsExporter(user=audrey, parameters=ReportParameters(month=Period.parse(P07)))
    text = render_csv(exporter)[2].decode("utf-8")[1:]
    rows = {row["Indicator"]: row for row in csv.DictReader(io.StringIO(text))}
    assert {
        name: rows["LPI-HOU-03"][name]
        for name in (
            "RAG",
            "Year-end forecast",
            "Annual target",
            "Forecast RAG",
            "Forecast confidence",
            "Forecast explanation",
            "Forecast to check",
        )
    } == {
        "RAG": "Red",
        "Year-end forecast": "90.5",
        "Annual target": "90.0",
        "Forecast RAG": "Green",
        "Forecast confidence": "On track",
        "Forecast explanation": "Agency cover from December.",
        "Forecast to check": "Red now but forecast on track: check the recovery is real",
    }
    assert (rows["LPI-HOU-07"]["Year-end forecast"], rows["LPI-HOU-07"]["Annual target"]) == (
        "1230",
        "1200",
    )
    assert rows["LPI-HOU-07"]["Forecast to check"] == ""
    sheet = load_workbook(io.BytesIO(render_xlsx(exporter)[2])).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "LPI-HOU-03")
    cell = row[header.index("Year-end forecast")]
    assert cell.data_type == "n" and cell.value == 90.5


def test_approving_keeps_the_forecast(harriet, flagged_and_plain):
    red, _ = flagged_and_plain
    approved = approve_return(kpi_return=red, actor=harriet)
    approved.refresh_from_db()
    assert approved.forecast_value == Decimal("90.5")


def test_submitting_a_draft_with_a_forecast_keeps_it(alice, target, indicator):
    draft = _save(
        indicator,
        alice,
        forecast_value="91",
        forecast_confidence="on_track",
        forecast_note="Steady.",
    )
    submitted = submit_return(kpi_return=draft, actor=alice)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.forecast_value) == ("submitted", Decimal("91"))


# --- the same rules from the form, the API and an import ---------------------------------


BAD = {"forecast_value": "92", "forecast_confidence": "", "forecast_note": "Steady."}
BAD_MESSAGE = "Choose the forecast confidence: on track, at risk, off track"
GOOD = {"forecast_value": "88.5", "forecast_confidence": "at_risk", "forecast_note": "Tight."}


def _by_form(client, indicator, fields) -> tuple[int, str]:
    response = client.post(
        f"/returns/enter/{indicator.pk}/{P07}/",
        {"value": "91.5", "commentary": "", "improvement_action": "", "action": "save", **fields},
    )
    return response.status_code, response.content.decode()


def _by_api(client, indicator, fields):
    return client.post(
        "/api/v1/returns/",
        {"indicator": indicator.pk, "period": P07, "value": "91.5", **fields},
        content_type="application/json",
    )


def _by_import(alice, indicator, fields, django_capture_on_commit_callbacks, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    header = "indicator_code,period,value,forecast_value,forecast_confidence,forecast_note\n"
    line = ",".join(
        [indicator.code, P07, "91.5"]
        + [fields[n] for n in ("forecast_value", "forecast_confidence", "forecast_note")]
    )
    uploaded = SimpleUploadedFile("returns.csv", (header + line + "\n").encode())
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(kind="returns", actor=alice, uploaded_file=uploaded)
    job.refresh_from_db()
    return job


def test_the_form_offers_a_forecast_only_against_an_annual_target(
    client, alice, indicator, households
):
    client.force_login(alice)
    with_target = client.get(f"/returns/enter/{households.pk}/{P07}/").content.decode()
    assert 'id="id_forecast_value"' in with_target
    assert "against its annual target of 1,200" in with_target
    without = client.get(f"/returns/enter/{indicator.pk}/{P07}/").content.decode()
    assert 'id="id_forecast_value"' not in without
    assert "LPI-HOU-03 has no annual target for 2026/27, so no year-end forecast" in without


def test_the_form_the_api_and_an_import_refuse_a_bad_forecast_alike(
    client, alice, target, indicator, django_capture_on_commit_callbacks, tmp_path, settings
):
    client.force_login(alice)
    status, html = _by_form(client, indicator, BAD)
    assert status == 400 and BAD_MESSAGE in html
    assert 'href="#id_forecast_confidence"' in html  # the error summary leads to the field
    response = _by_api(client, indicator, BAD)
    assert response.status_code == 400
    assert response.json() == {"forecast_confidence": [BAD_MESSAGE]}
    job = _by_import(alice, indicator, BAD, django_capture_on_commit_callbacks, tmp_path, settings)
    assert job.status == ImportStatus.FAILED
    assert [(e["column"], e["message"]) for e in job.errors] == [
        ("forecast_confidence", BAD_MESSAGE)
    ]
    assert not KpiReturn.objects.exists()


@pytest.mark.parametrize("way", ["form", "api", "import"])
def test_the_form_the_api_and_an_import_store_a_forecast_alike(
    client,
    alice,
    target,
    indicator,
    django_capture_on_commit_callbacks,
    tmp_path,
    settings,
    way,
):
    client.force_login(alice)
    if way == "form":
        assert _by_form(client, indicator, GOOD)[0] == 302
    elif way == "api":
        body = _by_api(client, indicator, GOOD).json()
        assert (body["forecast_value"], body["forecast_rag"], body["forecast_flag"]) == (
            "88.500000",
            "amber",
            "",
        )
    else:
        job = _by_import(
            alice, indicator, GOOD, django_capture_on_commit_callbacks, tmp_path, settings
        )
        assert job.status == ImportStatus.SUCCEEDED, job.errors
    stored = KpiReturn.objects.get()
    assert (stored.forecast_value, stored.forecast_confidence, stored.forecast_note) == (
        Decimal("88.5"),
        "at_risk",
        "Tight.",
    )
    assert stored.history.get().history_change_reason == "Created"


def test_a_patch_without_the_forecast_keeps_it_and_null_clears_it(client, alice, target, indicator):
    client.force_login(alice)
    created = _by_api(client, indicator, GOOD).json()
    url = f"/api/v1/returns/{created['id']}/"
    kept = client.patch(
        url, {"value": "92", "version": created["version"]}, content_type="application/json"
    ).json()
    assert (kept["forecast_value"], kept["forecast_confidence"]) == ("88.500000", "at_risk")
    cleared = client.patch(
        url,
        {
            "forecast_value": None,
            "forecast_confidence": None,
            "forecast_note": None,
            "version": kept["version"],
        },
        content_type="application/json",
    ).json()
    assert (cleared["forecast_value"], cleared["forecast_confidence"], cleared["forecast_rag"]) == (
        None,
        "",
        None,
    )


def test_an_import_without_the_forecast_columns_keeps_a_stored_forecast(
    alice, target, indicator, django_capture_on_commit_callbacks, tmp_path, settings
):
    _save(indicator, alice, **GOOD)
    settings.MEDIA_ROOT = tmp_path / "media"
    uploaded = SimpleUploadedFile(
        "returns.csv", f"indicator_code,period,value\n{indicator.code},{P07},93\n".encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(kind="returns", actor=alice, uploaded_file=uploaded)
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.forecast_value) == (Decimal("93"), Decimal("88.5"))


def test_a_patch_of_the_value_keeps_a_forecast_whose_target_was_removed(
    client, alice, target, indicator
):
    """A forecast stored against a target since removed is left as it is by a save that
    does not touch it: only a forecast given or changed is checked (for its target)."""
    client.force_login(alice)
    created = _by_api(client, indicator, GOOD).json()
    target.delete()
    response = client.patch(
        f"/api/v1/returns/{created['id']}/",
        {"value": "92", "version": created["version"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["value"], body["forecast_value"], body["forecast_rag"]) == (
        "92.000000",
        "88.500000",
        "not_rated",  # kept, but nothing to rate it against now
    )
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.forecast_value, stored.forecast_confidence) == (
        Decimal("92"),
        Decimal("88.5"),
        "at_risk",
    )


def test_the_form_keeps_a_forecast_whose_target_was_removed_as_the_api_does(
    client, alice, ada, target, indicator
):
    """The return form shows no forecast fields once the year's target is gone, so a save
    of the form must keep the stored forecast (KEEP), not erase it as if the officer had
    emptied it (before: history "Year-end forecast: 88.5 → –" as the officer's own edit)."""
    client.force_login(alice)
    created = _by_api(client, indicator, GOOD).json()
    client.force_login(ada)
    assert client.delete(f"/api/v1/targets/{target.pk}/").status_code == 204
    client.force_login(alice)
    url = f"/returns/enter/{indicator.pk}/{P07}/"
    page = client.get(url).content.decode()
    assert 'name="forecast_value"' not in page and 'name="forecast_note"' not in page

    saved = client.post(
        url,
        {
            "value": "93",
            "commentary": "Steady.",
            "improvement_action": "",
            "version": created["version"],
            "action": "save",
        },
    )

    assert saved.status_code == 302, saved.content.decode()[:2000]
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.commentary) == (Decimal("93"), "Steady.")
    assert (stored.forecast_value, stored.forecast_confidence, stored.forecast_note) == (
        Decimal("88.5"),
        "at_risk",
        "Tight.",
    )
    latest = return_history(stored)[0]
    assert {c.label for c in latest.changes} == {"Value", "Commentary"}


def test_a_patch_of_the_note_alone_without_a_target_is_refused_under_the_note(
    client, alice, ada, target, indicator
):
    """Only the note is sent: the refusal is under forecast_note and names it, not under
    the stored forecast value the request never mentioned."""
    client.force_login(alice)
    created = _by_api(client, indicator, GOOD).json()
    client.force_login(ada)
    assert client.delete(f"/api/v1/targets/{target.pk}/").status_code == 204
    client.force_login(alice)

    response = client.patch(
        f"/api/v1/returns/{created['id']}/",
        {"forecast_note": "New reason", "version": created["version"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "forecast_note": [NO_TARGET.replace("Year-end forecast", "Forecast explanation")]
    }
    assert KpiReturn.objects.get().forecast_note == "Tight."


def test_a_forecast_sent_again_unchanged_is_not_checked_again(alice, target, indicator):
    saved = _save(indicator, alice, **GOOD)
    target.delete()
    kept = _save(indicator, alice, value="93", expected_version=saved.version, **GOOD)
    kept.refresh_from_db()
    assert (kept.value, kept.forecast_value) == (Decimal("93"), Decimal("88.5"))
    # A changed forecast is checked: without the target it is refused, under the field
    # that changed (the value and confidence were sent as stored).
    with pytest.raises(ValidationError) as refused:
        _save(indicator, alice, expected_version=kept.version, **{**GOOD, "forecast_note": "x"})
    assert _messages(refused.value) == {
        "forecast_note": [NO_TARGET.replace("Year-end forecast", "Forecast explanation")]
    }


def _import_values(alice, indicators, value: str):
    """An import of ``value`` for each indicator in October, without forecast columns."""
    lines = "".join(f"{i.code},{P07},{value}\n" for i in indicators)
    uploaded = SimpleUploadedFile("returns.csv", f"indicator_code,period,value\n{lines}".encode())
    return start_import(kind="returns", actor=alice, uploaded_file=uploaded)


def test_an_import_without_the_forecast_columns_keeps_forecasts_whose_target_was_removed(
    alice, target, indicator, django_capture_on_commit_callbacks, tmp_path, settings
):
    _save(indicator, alice, **GOOD)
    target.delete()
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        job = _import_values(alice, [indicator], "93")
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    stored = KpiReturn.objects.get()
    assert (stored.value, stored.forecast_value, stored.forecast_note) == (
        Decimal("93"),
        Decimal("88.5"),
        "Tight.",
    )


def test_an_imports_queries_do_not_grow_with_the_stored_forecasts_it_keeps(
    alice, housing, django_capture_on_commit_callbacks, tmp_path, settings
):
    """Rows without forecast columns over returns holding forecasts: no target is read
    for them, so the queries are the same for 2 rows as for 9."""
    settings.MEDIA_ROOT = tmp_path / "media"
    made = []
    for n in range(12):
        indicator = IndicatorFactory(department=housing, code=f"FK-{n:02d}")
        TargetFactory(indicator=indicator, financial_year=2026)
        _save(indicator, alice, value="91", **GOOD)
        made.append(indicator)

    def queries(indicators) -> int:
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            job = _import_values(alice, indicators, "93")
        job.refresh_from_db()
        assert job.status == ImportStatus.SUCCEEDED, job.errors
        return len(captured)

    queries(made[:1])  # the first import reads what is then kept (the user's scope)
    assert queries(made[1:3]) == queries(made[3:])
    assert KpiReturn.objects.filter(value=93, forecast_confidence="at_risk").count() == 12


def test_an_imports_queries_do_not_grow_with_its_forecasts(
    alice, housing, django_capture_on_commit_callbacks, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    made = []
    for n in range(12):
        indicator = IndicatorFactory(department=housing, code=f"FC-{n:02d}")
        TargetFactory(indicator=indicator, financial_year=2026)
        made.append(indicator)

    def queries(indicators) -> int:
        lines = "".join(f"{i.code},{P07},91,92,on_track,Steady.\n" for i in indicators)
        header = "indicator_code,period,value,forecast_value,forecast_confidence,forecast_note\n"
        uploaded = SimpleUploadedFile("returns.csv", (header + lines).encode())
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            job = start_import(kind="returns", actor=alice, uploaded_file=uploaded)
        job.refresh_from_db()
        assert job.status == ImportStatus.SUCCEEDED, job.errors
        return len(captured)

    queries(made[:1])  # the first import reads what is then kept (the user's scope)
    assert queries(made[1:3]) == queries(made[3:])
    assert KpiReturn.objects.filter(forecast_confidence="on_track").count() == 12


def test_the_api_schema_shows_the_forecast_fields(client, alice):
    client.force_login(alice)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    read = components["KpiReturn"]["properties"]
    assert {"forecast_value", "forecast_confidence", "forecast_note", "forecast_rag"} <= set(
        read
    ) and "forecast_flag" in read
    written = components["ReturnWriteRequest"]["properties"]
    assert {"forecast_value", "forecast_confidence", "forecast_note"} <= set(written)


# --- the shared cases' kinds, for the forecast (cases 11 and 04) -------------------------


def test_a_huge_forecast_is_refused_giving_the_limit_and_nothing_is_stored(alice, households):
    """Case 11's kind: a 23-digit figure is refused with the digits allowed, as a
    return's value is, never stored to fail every page that reads it."""
    with pytest.raises(ValidationError) as refused:
        _save(
            households,
            alice,
            value="1100",
            forecast_value="1" * 23,
            forecast_confidence="on_track",
            forecast_note="Steady.",
        )
    [message] = _messages(refused.value)["forecast_value"]
    assert message.startswith("Year-end forecast is too large")
    assert "digits before the decimal point" in message
    assert not KpiReturn.objects.exists()


def test_a_percentage_formatted_forecast_cell_is_the_figure_shown_or_refused(
    alice, target, indicator, households, django_capture_on_commit_callbacks, tmp_path, settings
):
    """Case 04's kind: a forecast cell formatted as a percentage shows 95% and holds
    0.95; a percentage indicator takes 95, a count refuses the cell naming the format."""
    from openpyxl import Workbook

    settings.MEDIA_ROOT = tmp_path / "media"

    def workbook(code: str, value: str) -> SimpleUploadedFile:
        book = Workbook()
        sheet = book.active
        sheet.append(["indicator_code", "period", "value", *FORECAST_COLUMNS])
        sheet.append([code, P07, value, 0.95, "on_track", "Steady."])
        sheet["D2"].number_format = "0%"
        out = io.BytesIO()
        book.save(out)
        return SimpleUploadedFile("returns.xlsx", out.getvalue())

    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            kind="returns", actor=alice, uploaded_file=workbook(indicator.code, "91.5")
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert KpiReturn.objects.get(indicator=indicator).forecast_value == Decimal("95")
    with django_capture_on_commit_callbacks(execute=True):
        job = start_import(
            kind="returns", actor=alice, uploaded_file=workbook(households.code, "1100")
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    [error] = job.errors
    assert error["column"] == "forecast_value"
    assert "formatted as a percentage" in error["message"]
    assert not KpiReturn.objects.filter(indicator=households).exists()


FORECAST_COLUMNS = ["forecast_value", "forecast_confidence", "forecast_note"]
