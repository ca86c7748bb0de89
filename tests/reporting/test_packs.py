"""The monthly pack and the Best Value annual report, read back with pdftotext and
openpyxl: their figures are the metric functions', cut to the reader's scope."""

import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from departments.models import KpiReturn, PerformanceIndicator
from departments.periods import Period
from reporting.metrics.coordination import council_coordination
from reporting.metrics.health import contract_health, trailing_months
from reporting.metrics.partner_health import council_partner_health
from reporting.metrics.relation import relation
from reporting.metrics.returns import indicator_rows
from reporting.metrics.status import FigureState, FigureStatus, mean_status
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.packs.annual import BestValueAnnualReport
from reporting.reports.packs.chart_images import DRAWING_FAILED, NO_RENDERER
from reporting.reports.packs.monthly_files import MonthlyPackReport
from tests.pdf_text import pdf_pages
from tests.reporting.report_data import MONTH, NOW, build_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


@pytest.fixture
def no_chart_images(settings):
    settings.REPORT_CHART_IMAGES = False


def monthly(user, **narrowing) -> MonthlyPackReport:
    return MonthlyPackReport(user=user, parameters=ReportParameters(month=MONTH, **narrowing))


def test_the_monthly_pack_pdf_has_every_section_and_the_dashboard_figures(
    evidence, audrey, partnership, no_chart_images
):
    filename, content_type, content = monthly(audrey).build("pdf")
    pages = pdf_pages(content)
    text = " ".join(pages)
    assert (filename, content_type) == ("monthly_pack-2025-26-P06.pdf", "application/pdf")
    # The period, the generation time and the page number on every page.
    for number, page in enumerate(pages, start=1):
        assert "September 2025 (P06 2025/26)" in page
        assert "Generated 28 November 2025 12:00" in page
        assert f"Page {number} of {len(pages)}" in page
    for heading in (
        "Contents",
        "Council overview",
        "Departments' indicators",
        "Contract health and service credits",
        "Coordination",
        "The combined view",
        "Early warnings",
        "Appendix: data quality",
    ):
        assert heading in text
    # Commentary on red, and the figures of the metric functions.
    assert "Improvement action: Recruit two caseworkers" in text
    health = contract_health(partnership=partnership, period=MONTH)
    assert f"Contract health in Sep 2025: {health.score}" in text
    months = trailing_months(MONTH)
    finding = relation(
        [(h.period, h.score) for h in council_partner_health(months=months)],
        [(c.period, c.index) for c in council_coordination(periods=months)],
    ).finding()
    assert finding in text
    assert NO_RENDERER.split(" (")[0] in text  # the charts say they were left out
    assert "FIN-02" in text.split("Appendix: data quality")[-1]  # missing return


@pytest.mark.slow
def test_the_monthly_pack_draws_the_pages_charts_with_kaleido(evidence, audrey):
    _, _, content = monthly(audrey).build("pdf")
    text = " ".join(pdf_pages(content))
    assert NO_RENDERER.split(" (")[0] not in text
    assert "Contract health over the last 24 months" in text


def test_the_monthly_pack_workbook_holds_each_section(evidence, audrey, no_chart_images):
    _, _, content = monthly(audrey).build("xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [
        "About",
        "Overview",
        "Indicators",
        "Contract health",
        "Service credits",
        "Coordination",
        "Combined view",
        "Early warnings",
        "Data quality",
    ]
    rows = list(workbook["Indicators"].iter_rows(values_only=True))
    header = rows[0]
    values = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    expected = {
        r.indicator.code: r
        for r in indicator_rows(indicators=PerformanceIndicator.objects.all(), month=MONTH)
    }
    assert values["HOU-01"]["Value"] == float(expected["HOU-01"].value) == 95
    overview = {r[0]: r for r in workbook["Overview"].iter_rows(values_only=True)}
    assert overview["Housing"][1:4] == (1, 0, 1)  # green, amber, red
    quality = list(workbook["Data quality"].iter_rows(values_only=True))
    assert [(r[1], r[4]) for r in quality[1:]] == [("FIN-02", "Missing")]


def test_the_monthly_pack_puts_the_forecast_beside_the_status_and_flags_it(
    evidence, audrey, no_chart_images
):
    # HOU-02 is red (70 against 90 − 5) and its officer forecast the year on track; set
    # on the locked return directly, as the services keep a locked return as it is.
    KpiReturn.objects.filter(indicator=evidence.housing_red, period=MONTH.key).update(
        forecast_value=Decimal("90.5"),
        forecast_confidence="on_track",
        forecast_note="Caseworkers start in October.",
    )
    text = " ".join(pdf_pages(monthly(audrey).build("pdf")[2]))
    # pdftotext reads a wrapped cell's words out of order, so the PDF is checked for the
    # forecast and its flag, and the workbook below for each column's value.
    assert "90.5" in text.split("Departments' indicators")[-1].split("Commentary:")[0]
    assert (
        "Forecast to check: Red now but forecast on track: check the recovery is real. "
        "Caseworkers start in October."
    ) in text
    workbook = load_workbook(io.BytesIO(monthly(audrey).build("xlsx")[2]))
    rows = list(workbook["Indicators"].iter_rows(values_only=True))
    values = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert (
        values["HOU-02"]["Year-end forecast"],
        values["HOU-02"]["Annual target"],
        values["HOU-02"]["Forecast RAG"],
        values["HOU-02"]["Forecast to check"],
    ) == (90.5, 90, "Green", "Red now but forecast on track: check the recovery is real")
    assert values["HOU-01"]["Year-end forecast"] is None


def test_the_monthly_pack_workbook_is_the_same_when_built_again(evidence, audrey, no_chart_images):
    first = monthly(audrey).build("xlsx")[2]
    with time_machine.travel("2026-02-01 09:00", tick=True):
        second = monthly(audrey).build("xlsx")[2]
    assert first == second


def test_a_head_of_services_pack_covers_their_department(evidence, harriet, no_chart_images):
    _, _, content = monthly(harriet).build("pdf")
    text = " ".join(pdf_pages(content))
    assert "HOU-01" in text and "FIN-01" not in text and "FIN-02" not in text
    assert "Council overview" not in text
    assert "Contract health and service credits" not in text  # the contract is not theirs
    assert "Housing: dependency health and coordination index" in text  # their combined view
    workbook = load_workbook(io.BytesIO(monthly(harriet).build("xlsx")[2]))
    departments = {r[0] for r in list(workbook["Indicators"].iter_rows(values_only=True))[1:]}
    assert departments == {"Housing"}


def test_the_partners_pack_has_their_contract_and_no_returns(evidence, pat, no_chart_images):
    _, _, content = monthly(pat).build("pdf")
    text = " ".join(pdf_pages(content))
    assert "Contract health and service credits" in text
    assert "HOU-01" not in text and "Departments' indicators" not in text
    assert "Coordination" not in text.split("Contents")[1].split("Early warnings")[0]
    workbook = load_workbook(io.BytesIO(monthly(pat).build("xlsx")[2]))
    assert "Indicators" not in workbook.sheetnames


def test_the_annual_report_groups_statutory_indicators_by_dimension(evidence, audrey, housing):
    from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

    annual = IndicatorFactory(
        department=housing, code="BV-66", statutory=True, frequency="annual", dimension="economy"
    )
    TargetFactory(indicator=annual, financial_year=2024, annual_value=80, tolerance=5)
    KpiReturnFactory(indicator=annual, period="2024-25", value=78, state="locked")
    KpiReturnFactory(indicator=annual, period="2023-24", value=72, state="locked")
    report = BestValueAnnualReport(user=audrey, parameters=ReportParameters(year=2024))
    with time_machine.travel("2025-11-28 12:00", tick=False):
        _, _, content = report.build("pdf")
        workbook_bytes = report.build("xlsx")[2]
    text = " ".join(pdf_pages(content))
    assert "Best Value annual report" in text and "Financial year 2024/25" in text
    economy = text.split("Economy")[1].split("Efficiency")[0]
    assert "BV-66" in economy and "78.0" in economy and "Improved" in economy
    rows = list(
        load_workbook(io.BytesIO(workbook_bytes))["Statutory indicators"].iter_rows(
            values_only=True
        )
    )
    march = indicator_rows(
        indicators=PerformanceIndicator.objects.filter(pk=annual.pk), month=Period.month(2024, 12)
    )[0]
    row = next(r for r in rows if r[2] == "BV-66")
    assert (row[0], row[4], row[5], row[6], row[9]) == (
        "Economy",
        float(march.year_to_date.value),
        float(march.year_to_date.target),
        march.year_to_date.rag.label,
        march.year_to_date_direction.label,
    )


@pytest.mark.parametrize(
    ("when", "year", "shown"),
    [
        # October's SLA results are still due (14 November): its 40.0 counts, provisional.
        ("2025-11-05 12:00", 2025, "56.3 (Provisional: 1 of the 7 months counted is provisional)"),
        # Past that deadline October is rated, at 30.0 with its results overdue.
        ("2025-11-28 12:00", 2025, "54.9 (Rated: From 7 rated months)"),
        # The contract began in April 2020: no month of 2019/20 has a figure.
        ("2025-11-28 12:00", 2019, "not rated (Not rated: No month has a figure to count)"),
    ],
)
def test_the_annual_reports_mean_contract_health_says_its_status(
    evidence, audrey, no_chart_images, when, year, shown
):
    report = BestValueAnnualReport(user=audrey, parameters=ReportParameters(year=year))
    with time_machine.travel(when, tick=False):
        _, _, content = report.build("pdf")
    text = " ".join(pdf_pages(content))
    assert f"Mean contract health over the year: {shown}." in text


def test_a_mean_over_months_is_provisional_if_any_month_counted_is():
    rated = FigureStatus(FigureState.RATED, "All in")
    provisional = FigureStatus(FigureState.PROVISIONAL, "Due")
    assert mean_status([]) == FigureStatus(FigureState.NOT_RATED, "No month has a figure to count")
    assert mean_status([rated, provisional, provisional]).state is FigureState.PROVISIONAL
    assert str(mean_status([rated, provisional, provisional])) == (
        "Provisional: 2 of the 3 months counted are provisional"
    )
    assert mean_status([rated]) == FigureStatus(FigureState.RATED, "From 1 rated month")


@pytest.mark.slow
def test_a_chart_is_drawn_again_once_and_one_that_still_fails_says_so(
    evidence, audrey, monkeypatch
):
    """The charts are drawn one after another on their own thread while the PDF is laid
    out: the RAG chart fails once (as kaleido's first figure now and then does) and is
    drawn again; the contract health chart fails twice and the PDF says so in its place,
    keeping its caption and data table, while the charts after it are drawn."""
    import kaleido

    draw = kaleido.calc_fig_sync
    calls = []

    def flaky(figure, **kwargs):
        calls.append(len(calls) + 1)
        if len(calls) in (1, 3, 4):
            raise RuntimeError("kaleido_scopes is not defined")
        try:
            return draw(figure, **kwargs)
        except Exception:
            # The real renderer's own first-figure failure, now and then on a loaded
            # machine: this test decides which calls fail, so a real one is drawn again
            # here, outside the calls it counts.
            return draw(figure, **kwargs)

    monkeypatch.setattr(kaleido, "calc_fig_sync", flaky)
    _, _, content = monthly(audrey).build("pdf")
    text = " ".join(pdf_pages(content))
    assert calls == [1, 2, 3, 4, 5, 6]  # RAG twice, contract twice, combined ×2
    assert text.count(DRAWING_FAILED[0]) == 1
    assert "no Chromium browser" not in text  # the renderer was there
    assert "Data behind “Contract health over the last 24 months”" in text


def test_without_a_chart_renderer_the_pack_says_so_instead_of_failing(
    evidence, audrey, monkeypatch
):
    import kaleido

    def no_browser(*args, **kwargs):
        raise RuntimeError("Chromium not found")

    monkeypatch.setattr(kaleido, "start_sync_server", no_browser)
    _, _, content = monthly(audrey).build("pdf")
    text = " ".join(pdf_pages(content))
    assert text.count("could not be drawn on this server") == 4  # RAG, contract, combined ×2
    assert "Data behind “Contract health over the last 24 months”" in text


def test_the_chart_renderer_starts_before_the_packs_figures_are_gathered(
    evidence, audrey, monkeypatch
):
    """Its browser starts in the background (about two seconds), meanwhile the figures
    are read from the database, rather than one after the other."""
    import kaleido

    from reporting.reports.packs import monthly_files

    order = []

    def no_browser(*args, **kwargs):
        order.append("chart renderer")
        raise RuntimeError("Chromium not found")

    gather = monthly_files.monthly_pack
    monkeypatch.setattr(kaleido, "start_sync_server", no_browser)
    monkeypatch.setattr(
        monthly_files,
        "monthly_pack",
        lambda **kwargs: order.append("figures") or gather(**kwargs),
    )
    _, _, content = monthly(audrey).build("pdf")
    assert order == ["chart renderer", "figures"]
    assert "Monthly performance pack" in " ".join(pdf_pages(content))


def test_a_commentary_row_stays_on_the_page_of_its_indicator():
    """The print sheet keeps a row marked ``follows`` (the pack's commentary and forecast
    rows) with the row before it: no page of a long table starts with a commentary."""
    from django.template import engines

    from core.pdf import pdf_from_html

    rows = "".join(
        f"<tr><td>IND-{n:02d}</td><td>{n}.5</td></tr>"
        + (
            f'<tr class="follows"><td colspan="2">Commentary on IND-{n:02d}: {"words " * 40}'
            "</td></tr>"
            if n % 3 == 2
            else ""
        )
        for n in range(60)
    )
    template = engines["django"].from_string(
        '{% extends "reporting/reports/print_base.html" %}'
        "{% block body %}<table><tbody>" + rows + "</tbody></table>{% endblock %}"
    )
    html = template.render({"title": "Pack", "described": "October 2025"})
    pages = pdf_pages(pdf_from_html(html))
    assert len(pages) >= 3
    starts = [page.split("October 2025", 1)[-1].split()[0] for page in pages]
    assert not [start for start in starts if start == "Commentary"], starts


def test_the_packs_commentary_rows_follow_their_indicator(
    evidence, audrey, no_chart_images, monkeypatch
):
    from reporting.reports.packs import base

    written = []
    monkeypatch.setattr(base, "pdf_from_html", lambda html, *args: written.append(html) or b"")
    monthly(audrey).build("pdf")
    (html,) = written
    assert '<tr class="follows"><td colspan="8"><strong>Commentary:</strong>' in html
    assert '<tr><td colspan="8"><strong>Commentary:' not in html


def test_the_annual_reports_improvement_actions_give_their_month_in_words(
    evidence, audrey, no_chart_images
):
    report = BestValueAnnualReport(user=audrey, parameters=ReportParameters(year=2025))
    with time_machine.travel("2025-11-28 12:00", tick=False):
        _, _, content = report.build("pdf")
    actions = " ".join(pdf_pages(content)).split("Improvement actions")[-1]
    assert "HOU-02 Sep 2025" in actions
    assert "2025-26-P06" not in actions
