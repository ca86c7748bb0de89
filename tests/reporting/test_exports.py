"""Exporters read back from their files: the figures equal the metric functions'."""

import csv
import io
import zipfile
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from departments.models import PerformanceIndicator
from reporting.metrics.coordination import council_coordination
from reporting.metrics.health import contract_health, service_months, trailing_months
from reporting.metrics.returns import indicator_rows
from reporting.reports.exports.audit import AuditTrailExporter
from reporting.reports.exports.coordination import CoordinationExporter, ReferralsExporter
from reporting.reports.exports.parameters import ReportParameters, read_parameters
from reporting.reports.exports.partnership import (
    ContractHealthExporter,
    ServiceCreditsExporter,
    SlaResultsExporter,
)
from reporting.reports.exports.records import EscalationsExporter, MilestonesExporter
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.renderers import render_csv, render_pdf, render_xlsx
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory
from tests.pdf_text import pdf_words
from tests.reporting.report_data import INJECTION, MONTH, NOW, SIGNED_OFF_AT, build_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


def month_parameters(**narrowing) -> ReportParameters:
    return ReportParameters(month=MONTH, **narrowing)


def csv_rows(content: bytes) -> list[dict]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def sheet_rows(content: bytes, title: str | None = None) -> tuple[list[str], list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[title] if title else workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    return list(values[0]), values[1:]


def test_returns_csv_gives_the_dashboard_figures(evidence, audrey):
    exporter = ReturnsExporter(user=audrey, parameters=month_parameters())
    _, content_type, content = render_csv(exporter)
    rows = {row["Indicator"]: row for row in csv_rows(content)}
    expected = {
        r.indicator.code: r
        for r in indicator_rows(indicators=PerformanceIndicator.objects.all(), month=MONTH)
    }
    assert content_type.startswith("text/csv")
    assert set(rows) == set(expected) == {"HOU-01", "HOU-02", "FIN-01", "FIN-02"}
    for code, row in rows.items():
        figures = expected[code]
        assert row["Value"] == ("" if figures.value is None else str(figures.value))
        assert row["RAG"] == ("Missing" if figures.missing else figures.rag.label)
        assert row["Direction of travel"] == figures.direction.label
    assert (rows["HOU-01"]["Value"], rows["HOU-01"]["RAG"]) == ("95.0", "Green")
    assert rows["HOU-02"]["RAG"] == "Red"
    assert rows["HOU-02"]["Improvement action"] == "Recruit two caseworkers"
    assert rows["FIN-02"]["RAG"] == "Missing"
    assert rows["HOU-01"]["Direction of travel"] == "Improved"
    # The sign-off time, never the time the file was built.
    assert {row["Period signed off"] for row in rows.values()} == {"2025-10-25 10:00:00"}
    assert rows["HOU-01"]["Source"].endswith(
        f"/indicators/{evidence.housing_green.pk}/?period=2025-26-P06"
    )


def test_returns_workbook_has_typed_cells_a_frozen_header_and_widths(evidence, audrey):
    _, _, content = render_xlsx(ReturnsExporter(user=audrey, parameters=month_parameters()))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "HOU-01")
    by_heading = dict(zip(header, row, strict=True))
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 40
    assert by_heading["Value"].data_type == "n" and by_heading["Value"].value == 95
    assert by_heading["Period target"].value == 90
    assert isinstance(by_heading["Submitted at"].value, datetime)
    assert by_heading["Period signed off"].value == "2025-10-25 10:00:00"
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Period signed off"] == datetime(2025, 10, 25, 10, 0)
    assert workbook.properties.created == workbook.properties.modified
    assert workbook.properties.modified == datetime(2025, 10, 25, 9, 0)  # UTC in the file


def test_formula_injection_comes_out_inert_in_csv_and_xlsx(evidence, audrey):
    exporter = ReturnsExporter(user=audrey, parameters=month_parameters())
    csv_row = next(r for r in csv_rows(render_csv(exporter)[2]) if r["Indicator"] == "HOU-02")
    assert csv_row["Commentary"] == "'" + INJECTION
    workbook = load_workbook(io.BytesIO(render_xlsx(exporter)[2]))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "HOU-02")
    cell = row[header.index("Commentary")]
    assert cell.value == "'" + INJECTION
    assert cell.data_type == "s"  # text, not a formula ("f")


def test_the_same_locked_month_gives_the_same_bytes(evidence, audrey):
    exporter = ReturnsExporter(user=audrey, parameters=month_parameters())
    first = (render_csv(exporter)[2], render_xlsx(exporter)[2])
    with time_machine.travel(datetime(2026, 1, 5, 16, 30, 7), tick=True):
        second = (render_csv(exporter)[2], render_xlsx(exporter)[2])
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first[1])) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 10, 25, 10, 0, 0)}


def test_sla_results_and_service_credits_equal_the_partnership_figures(
    evidence, audrey, partnership
):
    _, _, content = render_csv(SlaResultsExporter(user=audrey, parameters=month_parameters()))
    results = {row["SLA"]: row for row in csv_rows(content)}
    assert results["SLA-01"]["Outcome"] == "Met"
    assert results["SLA-02"]["Outcome"] == "Serious failure"
    # 4% of the £100,000 monthly charge, before the 10% cap.
    assert Decimal(results["SLA-02"]["Credit earned before the cap"]) == Decimal("4000")
    _, _, content = render_xlsx(ServiceCreditsExporter(user=audrey, parameters=month_parameters()))
    header, rows = sheet_rows(content)
    service_row = dict(zip(header, rows[0], strict=True))
    figures = service_months(partnership_ids=[partnership.pk], months=[MONTH])[
        (evidence.service.pk, MONTH.key)
    ]
    assert service_row["Credits"] == figures.credits == Decimal("4000.00")
    assert service_row["Service health"] == float(figures.health) == 50.0
    assert service_row["RAG"] == "Red"


def test_contract_health_export_gives_the_score_and_components(evidence, audrey, partnership):
    _, _, content = render_csv(ContractHealthExporter(user=audrey, parameters=month_parameters()))
    rows = csv_rows(content)
    assert [row["Month"] for row in rows] == [m.key for m in trailing_months(MONTH)]
    health = contract_health(partnership=partnership, period=MONTH)
    assert rows[-1]["Contract health"] == str(health.score)
    by_key = {c.key: c for c in health.components}
    assert rows[-1]["SLA performance"] == str(by_key["sla"].score)
    assert rows[-1]["Escalations and risks"] == str(by_key["escalations"].score) == "80.0"


def test_milestones_and_escalations(evidence, audrey):
    milestones = csv_rows(
        render_csv(MilestonesExporter(user=audrey, parameters=month_parameters()))[2]
    )
    assert [(m["Due"], m["Delivered"], m["Delivered by its due date"]) for m in milestones] == [
        ("2025-09-30", "2025-10-05", "No")
    ]
    escalations = csv_rows(
        render_csv(EscalationsExporter(user=audrey, parameters=month_parameters()))[2]
    )
    assert [(e["Record"], e["Severity"]) for e in escalations] == [("Escalation", "High")]


def test_referrals_and_coordination(evidence, audrey, housing):
    referrals = csv_rows(
        render_csv(ReferralsExporter(user=audrey, parameters=month_parameters()))[2]
    )
    assert len(referrals) == 2
    rows = csv_rows(render_csv(CoordinationExporter(user=audrey, parameters=month_parameters()))[2])
    council = council_coordination(periods=[MONTH])[0]
    assert rows[0]["Department"] == "Council"
    assert rows[0]["Coordination index"] == str(council.index)
    assert [row["Department"] for row in rows[1:]] == ["Finance", "Housing"]


def test_scope_an_officer_exports_only_their_department(evidence, alice):
    rows = csv_rows(render_csv(ReturnsExporter(user=alice, parameters=month_parameters()))[2])
    assert {row["Department"] for row in rows} == {"Housing"}
    coordination = csv_rows(
        render_csv(CoordinationExporter(user=alice, parameters=month_parameters()))[2]
    )
    assert [row["Department"] for row in coordination] == ["Housing"]


def test_scope_the_partner_sees_no_returns_or_referrals(evidence, pat):
    assert not ReturnsExporter.may_run(pat)
    assert not ReferralsExporter.may_run(pat)
    assert SlaResultsExporter.may_run(pat)
    assert list(ReturnsExporter(user=pat, parameters=month_parameters()).rows()) == []
    assert list(ReferralsExporter(user=pat, parameters=month_parameters()).rows()) == []


def test_a_department_outside_scope_reads_as_unknown(evidence, alice, finance):
    with pytest.raises(Exception) as refused:
        read_parameters({"period": MONTH.key, "department": finance.pk}, user=alice, needs="month")
    assert "department" in refused.value.message_dict


@pytest.mark.parametrize(
    ("year", "refused"),
    [
        ("2026-27", "The financial year 2026/27 has not begun yet."),
        ("2030-31", "The financial year 2030/31 has not begun yet."),
        ("2025-26", None),  # the year running: reported so far, provisional where it is
        ("2024-25", None),
    ],
)
def test_a_years_report_is_for_a_year_that_has_begun(audrey, year, refused):
    """A year not begun has nothing to report (NOW is in 2025/26)."""
    if refused is None:
        asked = read_parameters({"year": year}, user=audrey, needs="year")
        assert asked.year == int(year[:4])
        return
    with pytest.raises(ValidationError) as raised:
        read_parameters({"year": year}, user=audrey, needs="year")
    assert raised.value.message_dict == {"year": [refused]}


@pytest.mark.parametrize(
    ("field", "data", "needs"),
    [
        ("department", {"period": MONTH.key}, "month"),
        ("partnership", {"period": MONTH.key}, "month"),
        ("person", {}, "date_range"),
    ],
)
def test_a_23_digit_id_is_refused_naming_its_field(evidence, audrey, field, data, needs):
    """Case 11's kind (a number past the database's whole numbers) on both databases:
    a clear refusal naming the field, never a server error."""
    with pytest.raises(ValidationError) as refused:
        read_parameters({**data, field: "9" * 23}, user=audrey, needs=needs)
    assert refused.value.message_dict == {field: [f"Choose a {field} from the list"]}


@pytest.mark.parametrize(
    ("instant", "begun"),
    [
        # Case 07's kind: 23:30 UTC on 31 March 2026 is 00:30 on 1 April in London.
        (datetime(2026, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC")), True),
        (datetime(2026, 3, 31, 22, 30, tzinfo=ZoneInfo("UTC")), False),
    ],
)
def test_a_year_begins_on_1_april_in_london(audrey, instant, begun):
    with time_machine.travel(instant, tick=False):
        if begun:
            assert read_parameters({"year": "2026-27"}, user=audrey, needs="year").year == 2026
        else:
            with pytest.raises(ValidationError):
                read_parameters({"year": "2026-27"}, user=audrey, needs="year")


def test_a_partner_cannot_narrow_a_report_to_a_department_their_services_serve(
    evidence, pat, housing, finance
):
    """The partner's scope names the departments their services serve, but their figures
    stay with the council: the form offers none of them and the service refuses each."""
    from departments.models import Department

    served = set(Department.objects.visible_to(pat))
    assert served  # so the refusal below is of a department in the partner's scope
    for department in served:
        with pytest.raises(ValidationError) as refused:
            read_parameters(
                {"period": MONTH.key, "department": department.pk}, user=pat, needs="month"
            )
        assert refused.value.message_dict == {"department": ["Choose a department from the list"]}


def test_the_audit_trail_export_lists_changes_with_their_filters(evidence, audrey, alice):
    kpi_return = evidence.housing_red.returns.get(period=MONTH.key)
    kpi_return.commentary = "Checked again"
    kpi_return._history_user = alice
    kpi_return.save()
    parameters = ReportParameters(person_id=alice.pk, object_type="return")
    rows = csv_rows(render_csv(AuditTrailExporter(user=audrey, parameters=parameters))[2])
    assert [(r["Record"], r["Change"], r["Kind of record"]) for r in rows] == [
        ("HOU-02, September 2025", "Changed", "KPI return")
    ]
    assert rows[0]["Source"].endswith(f"/returns/{kpi_return.pk}/")


def test_a_pdf_table_has_real_text(evidence, audrey):

    _, content_type, content = render_pdf(
        ReturnsExporter(user=audrey, parameters=month_parameters())
    )
    text = pdf_words(content)  # table cells wrap their words
    assert content_type == "application/pdf"
    assert "HOU-01" in text.replace(" ", "")
    # The improvement action's cell wraps (27 columns across A4), so its words are read
    # between the other cells' lines.
    assert "Recruit two" in text and "caseworkers" in text
    assert "Page 1 of" in text


def test_the_returns_export_makes_the_same_number_of_queries_at_two_sizes(
    evidence, audrey, housing
):
    counts = []
    for start, end in ((0, 2), (2, 12)):
        for n in range(start, end):
            made = IndicatorFactory(department=housing, code=f"EXTRA-{n:02d}")
            TargetFactory(indicator=made, financial_year=2025)
            KpiReturnFactory(indicator=made, period=MONTH.key, state="locked")
        exporter = ReturnsExporter(user=audrey, parameters=month_parameters())
        render_csv(exporter)  # the user's scope is read once, then kept on the user
        with CaptureQueriesContext(connection) as captured:
            render_csv(exporter)
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert SIGNED_OFF_AT.year == 2025
