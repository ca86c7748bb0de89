"""No export cuts a text silently (issue 14, point 8). A spreadsheet cell holds at most
32,767 characters (UTF-16 code units, as Excel counts): a longer text is cut with a mark
saying so and pointing to the CSV, which holds it whole; formula injection stays
neutralised in the cut text. Texts longer than the entry limit reach the exports from the
audit trail (a reason with its prefix) or from data stored before the limit, so the tests
store them directly with the ORM. The early-warning acknowledgement note has the entry
limit of every other note.
"""

import csv
import io
import re

import pytest
import time_machine
from openpyxl import load_workbook

from core.tabular import XLSX_CELL_LIMIT, fit_cell
from departments.models import KpiReturn
from departments.numbers import TEXT_LIMIT
from reporting.models import EarlyWarning, WarningRule
from reporting.reports.exports.audit import AuditTrailExporter
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.returns import ReturnsExporter
from reporting.reports.renderers import render_csv, render_pdf, render_xlsx
from tests.pdf_text import pdf_text
from tests.reporting.report_data import INJECTION, MONTH, NOW, build_evidence

pytestmark = pytest.mark.django_db

# 40,000 characters whose position can be read back: "00000 00006 00012 ..."
HUGE = "".join(f"{n:05d} " for n in range(0, 48_000, 6))[:40_000]
MARK = (
    " … [cut to fit a spreadsheet cell (32,767 characters): the full text of 40,000 "
    "characters is in the CSV download]"
)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# --- the one function every workbook writer uses ----------------------------------------------


def test_a_text_that_fits_passes_as_safe_cell_gives_it():
    assert fit_cell("Rent arrears fell") == "Rent arrears fell"
    assert fit_cell(INJECTION) == "'" + INJECTION
    assert fit_cell(12) == 12
    assert fit_cell(None) is None
    exactly = "x" * XLSX_CELL_LIMIT
    assert fit_cell(exactly) == exactly


def test_a_text_too_long_for_a_cell_is_cut_to_the_limit_with_a_mark():
    cell = fit_cell(HUGE)

    assert len(HUGE) == 40_000
    assert len(cell) == utf16_length(cell) == 32_767
    assert cell.endswith(MARK)
    assert HUGE.startswith(cell[: -len(MARK)])


def test_a_cut_formula_stays_inert():
    cell = fit_cell("=" + HUGE[1:])

    assert cell.startswith("'=")
    assert len(cell) == 32_767
    assert cell.endswith(MARK)


def test_characters_outside_the_basic_plane_count_twice_as_excel_counts_them():
    # 20,000 emoji are 40,000 UTF-16 code units: over the limit though 20,000 characters.
    cell = fit_cell("\N{BAR CHART}" * 20_000)

    assert utf16_length(cell) <= 32_767
    assert cell.endswith(
        " … [cut to fit a spreadsheet cell (32,767 characters): the full text of 20,000 "
        "characters is in the CSV download]"
    )
    assert set(cell[: cell.index(" … [")]) == {"\N{BAR CHART}"}


def test_control_characters_a_workbook_cannot_hold_are_shown_replaced():
    assert fit_cell("Bell\x07 and null\x00 here\ttab\nline") == (
        "Bell\ufffd and null\ufffd here\ttab\nline"
    )


# --- the exports ---------------------------------------------------------------------------------


@pytest.fixture
def evidence(housing, finance, partnership, sam):
    with time_machine.travel(NOW, tick=False):
        return build_evidence(housing=housing, finance=finance, partnership=partnership, signer=sam)


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8").removeprefix("\ufeff"))))


def sheet_rows(content: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_audit_trail_cuts_a_40000_character_reason_in_xlsx_and_keeps_it_whole_in_csv(
    evidence, audrey, alice
):
    # An audit entry holding a 40,000-character reason, stored past the entry limits.
    kpi_return = KpiReturn.objects.get(indicator__code="HOU-02", period=MONTH.key)
    kpi_return._history_user, kpi_return._change_reason = alice, HUGE
    kpi_return.save()
    exporter = AuditTrailExporter(
        user=audrey, parameters=ReportParameters(person_id=alice.pk, object_type="return")
    )

    [from_csv] = csv_rows(render_csv(exporter)[2])
    [from_xlsx] = sheet_rows(render_xlsx(exporter)[2])

    assert from_csv["Reason"] == HUGE
    reason = from_xlsx["Reason"]
    assert len(reason) == 32_767
    assert reason == HUGE[: 32_767 - len(MARK)] + MARK
    assert from_xlsx["Record"] == from_csv["Record"] == "HOU-02, September 2025"


def test_the_returns_export_cuts_a_huge_formula_commentary_inert_and_marked(evidence, audrey):
    commentary = "=" + HUGE[1:]
    KpiReturn.objects.filter(indicator__code="HOU-02", period=MONTH.key).update(
        commentary=commentary, improvement_action="Bell\x07 rung"
    )
    exporter = ReturnsExporter(user=audrey, parameters=ReportParameters(month=MONTH))

    with time_machine.travel(NOW, tick=False):
        from_csv = {r["Indicator"]: r for r in csv_rows(render_csv(exporter)[2])}["HOU-02"]
        from_xlsx = {r["Indicator"]: r for r in sheet_rows(render_xlsx(exporter)[2])}["HOU-02"]

    assert from_csv["Commentary"] == "'" + commentary
    assert from_csv["Improvement action"] == "Bell\x07 rung"
    assert from_xlsx["Commentary"].startswith("'=0000 00006 00012")
    assert from_xlsx["Commentary"].endswith(MARK)
    assert len(from_xlsx["Commentary"]) == 32_767
    # The workbook is written, with the character it cannot hold shown replaced.
    assert from_xlsx["Improvement action"] == "Bell\ufffd rung"


def test_a_pdf_table_holds_the_longest_commentary_whole(evidence, audrey):
    words = [f"zq{n:04d}" for n in range(1_428)]
    commentary = " ".join(words) + " QQQQ"
    KpiReturn.objects.filter(indicator__code="HOU-02", period=MONTH.key).update(
        commentary=commentary
    )

    with time_machine.travel(NOW, tick=False):
        content = render_pdf(
            ReturnsExporter(user=audrey, parameters=ReportParameters(month=MONTH))
        )[2]

    text = pdf_text(content)
    assert len(commentary) == TEXT_LIMIT
    assert re.findall(r"zq\d{4}", text) == words
    assert text.count("QQQQ") == 1


# --- the acknowledgement note ------------------------------------------------------------------


def test_an_acknowledgement_note_over_the_limit_is_refused_naming_the_note(client, sam, housing):
    warning = EarlyWarning.objects.create(
        rule=WarningRule.MISSING_RETURNS,
        subject_key=f"department:{housing.pk}",
        subject_label="Housing",
        starting_period="2025-26-P06",
        latest_period="2025-26-P06",
        department=housing,
    )
    client.force_login(sam)
    url = f"/api/v1/early-warnings/{warning.pk}/acknowledge/"
    longest = ("On the board agenda. " * 500)[: TEXT_LIMIT - 1] + "."

    refused = client.post(url, {"note": longest + "."}, content_type="application/json")

    assert refused.status_code == 400
    assert refused.json() == {"note": ["Note can be at most 10,000 characters (it has 10,001)"]}
    warning.refresh_from_db()
    assert warning.acknowledged_at is None

    taken = client.post(url, {"note": longest}, content_type="application/json")

    assert taken.status_code == 200
    warning.refresh_from_db()
    assert warning.acknowledgement_note == longest
