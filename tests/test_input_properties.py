"""Property-based tests of every importer and every API write (issue 14).

Hypothesis feeds the returns, referrals and SLA results importers (as JSON rows and as
CSV files) and the API writes of returns, SLA results and referrals with random rows and
cells: wrong types, huge and tiny numbers, odd Unicode, extra and missing cells, date-times
with offsets. Whatever comes in: no server error (no exception but a refusal), no partial
write (a refused file or request leaves every table as it was), and every problem names
its row and a column the file has or should have (the API: a field).

Time is frozen on 28 November 2026: October 2026 (2026-27-P07) has ended.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.cells import ImportRejected
from core.importer import iter_json_rows, iter_rows, run_import
from departments.models import KpiReturn, Referral
from departments.referrals.imports import ReferralRowHandler
from departments.returns.imports import ReturnRowHandler
from partnerships.models import SlaResult
from partnerships.sla_results.imports import SlaResultRowHandler
from tests.factories import DepartmentFactory, IndicatorFactory, ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cells as files and people really send them, and as fuzzers would.
numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(
        [
            "96",
            "0.96",
            "1,250",
            "12345678901234567890123",
            "1e400",
            "1e-400",
            "-0",
            "NaN",
            "Infinity",
            "100.0000001",
            "99.999",
            "£1,000.30",
            "7",
            " 42 ",
        ]
    ),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(['=HYPERLINK("x")', "\u202egnp.exe", "Ré\u0301sumé", "👍🏽", "\x00", "a" * 300])
dates = st.sampled_from(
    [
        "2026-10-05",
        "2026-03-31T23:30:00Z",
        "2026-04-01T00:30:00+01:00",
        "2026-10-25T01:30:00Z",
        "2026-10-05T10:00:00",
        "05/10/2026",
        "46300",
        "2026-13-40",
        "yesterday",
        "2030-01-01",
        "",
    ]
)
periods = st.sampled_from(["2026-27-P07", "2026-27-P06", "2026-27-P09", "2026-27", "P07", ""])
cells = st.one_of(numbers, odd_text, dates, periods)

COLUMNS = {
    "returns": ReturnRowHandler.columns,
    "referrals": ReferralRowHandler.columns,
    "sla_results": SlaResultRowHandler.columns,
}
REQUIRED = {
    "returns": ReturnRowHandler.required_columns,
    "referrals": ReferralRowHandler.required_columns,
    "sla_results": SlaResultRowHandler.required_columns,
}
GOOD_VALUES = {
    "indicator_code": st.sampled_from(["LPI-HOU-01", "PCT-1", "RAT-1", "FIN-9", ""]),
    "sla_code": st.sampled_from(["AV-01", "RT-01", "NOPE", ""]),
    "from_department": st.sampled_from(["housing", "finance", "nowhere", ""]),
    "to_department": st.sampled_from(["housing", "finance", "adults", ""]),
    "channel": st.sampled_from(["email", "phone", "hosting", "fax", ""]),
    "agreed_days": st.sampled_from(["7", "0", "366", "7.5", "-1", ""]),
    "period": st.sampled_from(["2026-27-P07", "2026-27-P06"]) | periods,
    "value": st.sampled_from(["96", "99.7", "1.5", "0"]) | numbers,
    "numerator": st.sampled_from(["7", "8", "0"]) | numbers,
    "denominator": st.sampled_from(["8", "10"]) | numbers,
    "category": st.sampled_from(["Housing needs assessment"]) | odd_text,
    "raised_on": dates,
    "acknowledged_on": dates,
    "resolved_on": dates,
    "reference": st.sampled_from(["CMS-1", "CMS-2", "", "x" * 70]),
}


def row_strategy(kind: str):
    """A row of plausible and implausible cells, some columns missing, some extra."""
    columns = COLUMNS[kind]
    required = list(REQUIRED[kind])
    optional = [c for c in columns if c not in required]
    # Mostly every required column with some optional ones; now and then one missing.
    present = st.tuples(
        st.lists(st.sampled_from(optional), unique=True),
        st.lists(st.sampled_from(required), unique=True, min_size=len(required) - 1),
        st.integers(0, 9),
    ).map(lambda t: t[0] + (t[1] if t[2] == 0 else required))

    def build(names):
        return st.fixed_dictionaries(
            {name: st.one_of(GOOD_VALUES.get(name, cells), cells) for name in names},
            optional={"extra_column": cells},
        )

    return present.flatmap(build)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def council_data(housing, finance, partnership):
    DepartmentFactory(council=housing.council, code="adults", name="Adult Social Care")
    IndicatorFactory(department=housing, code="LPI-HOU-01", unit="count", decimal_places=0)
    IndicatorFactory(department=housing, code="PCT-1", unit="percent")
    IndicatorFactory(department=housing, code="RAT-1", unit="percent", year_to_date="ratio")
    IndicatorFactory(department=finance, code="FIN-9", unit="count")
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    SlaFactory(
        service=service,
        code="AV-01",
        unit="percent",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
    )
    SlaFactory(
        service=service,
        code="RT-01",
        unit="seconds",
        polarity="lower",
        expected_level=Decimal("2"),
        minimum_level=Decimal("3.5"),
    )
    service.departments.add(housing)


def _counts() -> tuple[int, ...]:
    return (
        KpiReturn.objects.count(),
        KpiReturn.history.count(),
        SlaResult.objects.count(),
        SlaResult.history.count(),
        Referral.objects.count(),
        Referral.history.count(),
    )


def _check_import(handler, rows_iter, row_count: int) -> None:
    before = _counts()
    try:
        with transaction.atomic():
            summary = run_import(rows_iter, handler, max_rows=1000)
    except ImportRejected as rejected:
        assert _counts() == before, "a refused file left something behind"
        for error in rejected.errors:
            assert 1 <= error.row <= row_count + 1, error
            assert error.column, f"row {error.row}: no column named: {error.message}"
            assert error.message
        return
    assert summary.rows >= 1
    after = _counts()
    assert sum(after) >= sum(before)
    if summary.created == summary.updated == 0:
        assert after == before, "an import that changed nothing wrote something"


def _handler(kind: str, user):
    return {
        "returns": ReturnRowHandler,
        "referrals": ReferralRowHandler,
        "sla_results": SlaResultRowHandler,
    }[kind](user)


@pytest.mark.parametrize("kind", ["returns", "referrals", "sla_results"])
def test_json_rows_never_break_an_importer(kind, council_data, alice, pat):
    user = pat if kind == "sla_results" else alice

    @EXAMPLES
    @given(rows=st.lists(row_strategy(kind), min_size=1, max_size=4))
    def check(rows):
        # JSON as the API receives it: through json, with numbers kept exact.
        decoded = json.loads(json.dumps(rows), parse_float=Decimal)
        _check_import(_handler(kind, user), iter_json_rows(decoded), len(rows))

    check()


@pytest.mark.parametrize("kind", ["returns", "referrals", "sla_results"])
def test_csv_files_with_ragged_rows_never_break_an_importer(kind, council_data, alice, pat):
    user = pat if kind == "sla_results" else alice
    columns = list(COLUMNS[kind])

    @EXAMPLES
    @given(
        rows=st.lists(
            st.lists(st.one_of(cells, *(GOOD_VALUES.values())), min_size=0, max_size=12),
            min_size=1,
            max_size=4,
        )
    )
    def check(rows):
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows(rows)
        data = io.BytesIO(text.getvalue().encode("utf-8"))
        try:
            _check_import(_handler(kind, user), iter_rows(data, "csv"), len(rows))
        except ImportRejected as rejected:  # raised while reading, before any row
            assert "CSV" in rejected.message or rejected.errors

    check()


API_WRITES = {
    "returns": (
        "/api/v1/returns/",
        [
            "indicator",
            "period",
            "value",
            "numerator",
            "denominator",
            "commentary",
            "improvement_action",
            "version",
            "submit",
        ],
    ),  # fmt: skip
    "sla-results": ("/api/v1/sla-results/", ["sla", "period", "value", "commentary", "version"]),
    "referrals": (
        "/api/v1/referrals/",
        ["from_department", "to_department", "category", "raised_on", "agreed_days", "channel"],
    ),
}
json_values = st.one_of(
    cells,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.mark.parametrize("endpoint", list(API_WRITES))
def test_api_writes_answer_4xx_naming_fields_and_store_nothing_when_refused(
    endpoint, council_data, client, alice, pat
):
    url, fields = API_WRITES[endpoint]
    client.force_login(pat if endpoint == "sla-results" else alice)

    @EXAMPLES
    @given(
        body=st.dictionaries(
            st.sampled_from([*fields, "unexpected"]),
            json_values,
            max_size=len(fields) + 1,
        )
    )
    def check(body):
        before = _counts()
        response = client.post(url, body, content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert _counts() == before
        if response.status_code == 400:
            errors = response.json()
            assert isinstance(errors, dict) and errors
            assert set(errors) <= {*fields, "non_field_errors"}, errors

    check()


# --- files as bytes: malformed CSV, workbooks with cells no spreadsheet writes (issue 22) ---

RAW_CSV_PIECES = st.sampled_from(
    ['"', '""', ",", "\n", "\r\n", "\r", "\x00", "LPI-HOU-01", "2026-27-P07", "96", "1e309", " "]
) | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.lists(RAW_CSV_PIECES, max_size=30).map("".join))
def test_any_csv_bytes_are_imported_or_refused_naming_the_row(council_data, alice, body):
    """Unclosed quotes, text after a closing quote, bare carriage returns, NULs: the file
    is refused with an error naming its row, or its rows are checked; never an exception
    of the reader, never a partial write."""
    data = ("indicator_code,period,value,commentary\n" + body).encode()
    before = _counts()
    try:
        with transaction.atomic():
            run_import(iter_rows(io.BytesIO(data), "csv"), _handler("returns", alice), max_rows=100)
    except ImportRejected as rejected:
        assert _counts() == before
        for error in rejected.errors:
            assert 1 <= error.row <= data.count(b"\n") + data.count(b"\r") + 1, error
            assert error.message


def _workbook_with(values: list[str]) -> bytes:
    """A returns workbook whose value cells (C2, C3, ...) hold ``values`` as written in the
    sheet's XML: what a program other than Excel may save."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["indicator_code", "period", "value"])
    for month in range(len(values)):
        book.active.append(["LPI-HOU-01", f"2026-27-P0{month + 1}", 424242 + month])
    saved, output = io.BytesIO(), io.BytesIO()
    book.save(saved)
    source = zipfile.ZipFile(saved)
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                for month, value in enumerate(values):
                    data = data.replace(f"<v>{424242 + month}</v>".encode(), value.encode())
            target.writestr(info, data)
    return output.getvalue()


NUMBER_XML = st.sampled_from(
    ["NaN", "inf", "-inf", "1e309", "1e-400", "9" * 400, "1.5", "96", "-0", "", "1e", "0x10"]
) | st.from_regex(r"-?[0-9]{0,5}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(NUMBER_XML.map(lambda text: f"<v>{text}</v>"), min_size=1, max_size=3))
def test_workbook_number_cells_no_spreadsheet_writes_are_row_errors(council_data, alice, values):
    """Whatever a number cell's XML holds, the import stores it, or refuses the file with
    every error on a row of the sheet and, for a cell, the column named."""
    before = _counts()
    try:
        with transaction.atomic():
            run_import(
                iter_rows(io.BytesIO(_workbook_with(values)), "xlsx"),
                _handler("returns", alice),
                max_rows=100,
            )
    except ImportRejected as rejected:
        assert _counts() == before
        assert rejected.errors
        for error in rejected.errors:
            assert 2 <= error.row <= len(values) + 1, error
            assert error.column == "value" or error.message.startswith("The sheet cannot"), error
