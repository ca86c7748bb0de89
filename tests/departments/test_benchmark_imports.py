"""Benchmarking imports through the shared importer: comparator groups, metrics and
values, from the real files in the shapes they are published in."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.imports.services import start_import
from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ImportJob,
    ImportStatus,
)
from tests.benchmark_files import BENCHMARK_FILES, TRAFFORD, rows
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("media_in_tmp")

RECYCLING = "Household waste sent for reuse, recycling or composting"


def csv_bytes(header: list[str], body: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue().encode()


def run(kind: str, actor, content: bytes, capture, name: str = "file.csv") -> ImportJob:
    with capture(execute=True):
        job = start_import(kind=kind, actor=actor, uploaded_file=SimpleUploadedFile(name, content))
    job.refresh_from_db()
    return job


def neighbours_file(*models: int) -> bytes:
    """Trafford's neighbour files with the group's name, kind and model year added."""
    body = [
        ["CIPFA nearest neighbours", "CIPFA nearest neighbours", str(year), r["area_code"], name]
        for year in models
        for r in rows(f"trafford_cipfa_nn_{year}.csv")
        for name in [r["area_name"]]
    ]
    return csv_bytes(["group", "kind", "model_year", "area_code", "area_name"], body)


@pytest.fixture
def trafford(council):
    council.name, council.area_code = "Trafford", TRAFFORD
    council.save()
    return council


def test_neighbours_of_two_models_become_two_groups_of_one_series(
    trafford, ada, django_capture_on_commit_callbacks
):
    job = run(
        "comparator_groups", ada, neighbours_file(2019, 2021), django_capture_on_commit_callbacks
    )
    assert (job.status, job.created_count) == (ImportStatus.SUCCEEDED, 30), job.errors
    old, new = ComparatorGroup.objects.order_by("model_year")
    assert (old.model_year, new.model_year, old.kind) == (2019, 2021, "nearest_neighbours")
    assert list(new.series()) == list(old.series())
    old_codes = set(old.members.values_list("area_code", flat=True))
    new_codes = set(new.members.values_list("area_code", flat=True))
    assert old_codes - new_codes == {"E06000005", "E06000020"}  # Darlington, Telford and Wrekin
    assert new_codes - old_codes == {"E06000035", "E06000038"}  # Medway, Reading
    assert new.history.first().history_user == ada

    again = run("comparator_groups", ada, neighbours_file(2021), django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 15)
    # A group in the file becomes exactly the councils listed for it.
    shorter = neighbours_file(2021).decode().splitlines()[:-1]
    run("comparator_groups", ada, "\n".join(shorter).encode(), django_capture_on_commit_callbacks)
    assert new.members.count() == 14
    assert old.members.count() == 15


def test_metrics_read_the_scottish_indicator_information_as_it_is(
    council, ada, django_capture_on_commit_callbacks
):
    content = (BENCHMARK_FILES / "lgbf_indicator_polarity.csv").read_bytes()
    job = run("benchmark_metrics", ada, content, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == (ImportStatus.SUCCEEDED, 108), job.errors
    corp11 = BenchmarkMetric.objects.get(code="CORP11")
    assert (corp11.polarity, corp11.midpoint) == ("midpoint", Decimal("1.0"))
    assert BenchmarkMetric.objects.get(code="CORP09").polarity == "higher"
    assert BenchmarkMetric.objects.get(code="ENV01a").polarity == "lower"
    # The file gives a midpoint on two rows ranked by direction: it is not used there.
    finsus02 = BenchmarkMetric.objects.get(code="FINSUS02")
    assert (finsus02.polarity, finsus02.midpoint) == ("higher", None)


def test_trafford_recycling_values_as_published(trafford, ada, django_capture_on_commit_callbacks):
    BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    content = (BENCHMARK_FILES / "trafford_cipfa_household_recycling_pct.csv").read_bytes()
    job = run("benchmark_values", ada, content, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == (ImportStatus.SUCCEEDED, 204), job.errors
    mine = BenchmarkValue.objects.get(area_code=TRAFFORD, period="2021-22")
    assert (mine.value, mine.area_name) == (Decimal("58.8"), "Trafford")
    assert BenchmarkValue.objects.filter(period="2010-11").count() == 17
    again = run("benchmark_values", ada, content, django_capture_on_commit_callbacks)
    assert again.unchanged_count == 204


def test_scottish_quarterly_rows_are_matched_to_codes_by_name(
    council, ada, django_capture_on_commit_callbacks
):
    """The Scottish files name councils without codes: an all-councils group with
    codes, imported first, lets their names be matched."""
    scotland = [
        ["Scotland", "all_councils", "2022", r["area_code"], r["area_name"]]
        for r in rows("scottish_council_area_codes.csv")
    ]
    header = ["group", "kind", "model_year", "area_code", "area_name"]
    run("comparator_groups", ada, csv_bytes(header, scotland), django_capture_on_commit_callbacks)
    for code in ("CORP09", "CORP10"):
        BenchmarkMetric.objects.create(council=council, code=code, title=code, polarity="higher")
    content = (BENCHMARK_FILES / "lgbf_corp09_corp10_quarterly_2022-23.csv").read_bytes()
    job = run("benchmark_values", ada, content, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == (ImportStatus.SUCCEEDED, 251), job.errors
    stirling = BenchmarkValue.objects.get(
        metric__code="CORP09", area_name="Stirling", period="2022-23-Q1"
    )
    assert stirling.area_code == "S12000030"
    assert BenchmarkValue.objects.filter(period="2022-23-Q2", metric__code="CORP09").count() == 31


def test_metrics_take_their_places_from_their_values(
    council, ada, django_capture_on_commit_callbacks
):
    """The indicator information file gives no places; CORP 09's quarterly figures have
    two (0.54, 0.99), so its figures are shown to two, not rounded to one. Places an
    administrator chose are kept when the values have fewer, and raised when more."""
    scotland = [
        ["Scotland", "all_councils", "2022", r["area_code"], r["area_name"]]
        for r in rows("scottish_council_area_codes.csv")
    ]
    header = ["group", "kind", "model_year", "area_code", "area_name"]
    run("comparator_groups", ada, csv_bytes(header, scotland), django_capture_on_commit_callbacks)
    information = (BENCHMARK_FILES / "lgbf_indicator_polarity.csv").read_bytes()
    run("benchmark_metrics", ada, information, django_capture_on_commit_callbacks)
    BenchmarkMetric.objects.filter(code="CORP10").update(decimal_places=3)
    content = (BENCHMARK_FILES / "lgbf_corp09_corp10_quarterly_2022-23.csv").read_bytes()
    job = run("benchmark_values", ada, content, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    corp09 = BenchmarkMetric.objects.get(code="CORP09")
    assert corp09.decimal_places == 2
    assert corp09.history.first().history_user == ada
    assert BenchmarkMetric.objects.get(code="CORP10").decimal_places == 3
    # Importing the information again keeps the places the values gave.
    run("benchmark_metrics", ada, information, django_capture_on_commit_callbacks)
    assert BenchmarkMetric.objects.get(code="CORP09").decimal_places == 2


def test_family_groups_file_with_its_model_year_and_kind_added(
    council, ada, django_capture_on_commit_callbacks
):
    codes = {r["area_name"]: r["area_code"] for r in rows("scottish_council_area_codes.csv")}
    body = [
        [
            f"{r['Family_Group']} ({r['Type'].split(',')[0]})",
            "family_group",
            "2022",
            codes[r["Local_Authority"]],
            r["Local_Authority"],
        ]
        for r in rows("lgbf_family_groups.csv")
    ]
    header = ["family_group", "kind", "model_year", "area_code", "local_authority"]
    job = run("comparator_groups", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == (ImportStatus.SUCCEEDED, 64), job.errors
    assert ComparatorGroup.objects.count() == 8
    assert {g.members.count() for g in ComparatorGroup.objects.all()} == {8}


def test_blank_and_suppressed_values_are_missing_never_zero(
    trafford, ada, django_capture_on_commit_callbacks
):
    BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    body = [
        ["NI192", "E08000009", "Trafford", "2021/22", ""],
        ["NI192", "E08000002", "Bury", "2021/22", "suppressed"],
        ["NI192", "E08000007", "Stockport", "2021/22", "[c]"],
        ["NI192", "E06000014", "York", "2021/22", "0"],
    ]
    header = ["metric", "area_code", "area_name", "period", "value"]
    job = run("benchmark_values", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    stored = {v.area_name: (v.value, v.note) for v in BenchmarkValue.objects.all()}
    assert stored == {
        "Trafford": (None, ""),
        "Bury": (None, "suppressed"),
        "Stockport": (None, "[c]"),
        "York": (Decimal(0), ""),
    }


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_stored(
    trafford, ada, django_capture_on_commit_callbacks
):
    BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    body = [
        ["NI192", "E08000009", "Trafford", "2021/22", "58.8"],
        ["NI193", "E08000002", "Bury", "2021/22", "40"],
        ["NI192", "E08000007", "Stockport", "2021/23", "40"],
        ["NI192", "E06000014", "York", "2021/22", "4,5"],
        ["NI192", "", "Nowhere", "2021/22", "4"],
        ["NI192", "E08000009", "Trafford", "2021-22", "58.8"],
        ["NI192", "E08000001", "Bolton", "1000/01", "40"],
    ]
    header = ["metric", "area_code", "area_name", "period", "value"]
    job = run("benchmark_values", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert BenchmarkValue.objects.count() == 0
    found = {(error["row"], error["column"]) for error in job.errors}
    assert found == {
        (3, "metric"),
        (4, "period"),
        (5, "value"),
        (6, "area_code"),
        (7, "period"),
        (8, "period"),
    }
    messages = {error["row"]: error["message"] for error in job.errors}
    assert "NI193" in messages[3]
    assert "Nowhere" in messages[6]
    assert "also on row 2" in messages[7]
    assert messages[8] == "'1000/01' is outside the years taken: from 1990-91 to 2100-01"


def test_a_value_beyond_the_limits_is_named_once(trafford, ada, django_capture_on_commit_callbacks):
    BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    body = [
        ["NI192", "E08000009", "Trafford", "2021/22", "58.1234567"],
        ["NI192", "E08000002", "Bury", "2021/22", "1e20"],
        ["NI192", "E08000007", "Stockport", "2021/22", "many"],
    ]
    header = ["metric", "area_code", "area_name", "period", "value"]
    job = run("benchmark_values", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    assert [error["message"] for error in job.errors] == [
        "The value can have at most 6 decimal places",
        "The value is too large: it has 21 digits before the decimal point and the most is 14",
        "The value must be a number, like 42.7 (or blank when missing)",
    ]


def test_only_an_administrator_imports_benchmarking_data(sam, django_capture_on_commit_callbacks):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run("comparator_groups", sam, neighbours_file(2021), django_capture_on_commit_callbacks)


@pytest.mark.parametrize(
    ("published", "key"),
    [
        ("2010/11", "2010-11"),
        ("2022-23;Q1", "2022-23-Q1"),
        ("2022/23 Q4", "2022-23-Q4"),
        ("2025-26-P06", "2025-26-P06"),
        ("2021-22", "2021-22"),
    ],
)
def test_published_periods_become_the_products_keys(published, key):
    from departments.periods import key_from_published

    assert key_from_published(published) == key


@pytest.mark.parametrize("published", ["2021/23", "2022-23;Q5", "2021", "Q1 2022", ""])
def test_other_period_spellings_are_refused_saying_what_is_expected(published):
    from departments.periods import key_from_published

    with pytest.raises(ValueError, match="is not a period"):
        key_from_published(published)


def test_the_import_page_offers_and_runs_the_benchmarking_kinds_for_an_administrator(
    client, ada, alice, trafford, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    client.force_login(ada)
    page = client.get(reverse("departments:import-start") + "?kind=benchmark_values")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Benchmark values" in text and "Comparator groups" in text
    assert "kept as missing, never as zero" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("departments:import-start"),
            {
                "kind": "comparator_groups",
                "file": SimpleUploadedFile("groups.csv", neighbours_file(2021)),
            },
        )
    assert response.status_code == 302
    status = client.get(response["Location"]).content.decode()
    assert "15 rows read: 15 created, 0 updated." in status
    # An officer is not offered them.
    client.force_login(alice)
    assert (
        "Comparator groups" not in client.get(reverse("departments:import-start")).content.decode()
    )


def test_imported_benchmarking_data_is_in_the_audit_trail(
    client, trafford, ada, audrey, django_capture_on_commit_callbacks
):
    BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    run("comparator_groups", ada, neighbours_file(2021), django_capture_on_commit_callbacks)
    body = [["NI192", "E08000002", "Bury", "2021/22", "suppressed"]]
    header = ["metric", "area_code", "area_name", "period", "value"]
    run("benchmark_values", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    client.force_login(audrey)
    groups = client.get("/audit-trail/?object_type=comparator_group").content.decode()
    assert "CIPFA nearest neighbours (2021 model)" in groups
    assert ada.get_full_name() in groups  # who imported it
    members = client.get("/audit-trail/?object_type=comparator_member").content.decode()
    assert "Swindon (E06000030) in CIPFA nearest neighbours (2021 model)" in members
    values = client.get("/audit-trail/?object_type=benchmark_value").content.decode()
    assert "NI192, Bury, 2021/22" in values
    group = ComparatorGroup.objects.get()
    history = client.get(f"/audit-trail/comparator_group/{group.pk}/")
    assert history.status_code == 200
    assert "Model year" in history.content.decode()


def test_a_model_year_or_places_in_other_digits_is_that_rows_error(
    council, ada, django_capture_on_commit_callbacks
):
    # "²" passes str.isdigit but not int(): it was a server error, now a row's error.
    groups = csv_bytes(
        ["group", "kind", "model_year", "area_code", "area_name"],
        [["Neighbours", "CIPFA nearest neighbours", "202¹", "E08000009", "Trafford"]],
    )
    metrics = csv_bytes(
        ["code", "title", "polarity", "decimal_places"],
        [["REC", "Household waste recycled", "higher", "²"]],
    )

    refused = [
        run(kind, ada, content, django_capture_on_commit_callbacks)
        for kind, content in (("comparator_groups", groups), ("benchmark_metrics", metrics))
    ]

    assert [job.status for job in refused] == [ImportStatus.FAILED, ImportStatus.FAILED]
    assert [{e["column"] for e in job.errors} for job in refused] == [
        {"model_year"},
        {"decimal_places"},
    ]
    assert [job.errors[0]["message"] for job in refused] == [
        "The model year must be a year such as 2021, not '202\u00b9'",
        "Decimal places must be a whole number from 0 to 4",
    ]


def percent_workbook(rows_: list[list], formats: dict[str, str]) -> bytes:
    """A Benchmark values sheet with number formats on the cells named."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Benchmark values"
    sheet.append(["metric", "area_code", "area_name", "period", "value"])
    for row in rows_:
        sheet.append(row)
    for coordinate, number_format in formats.items():
        sheet[coordinate].number_format = number_format
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


METRIC_HEADER = ["code", "title", "polarity", "midpoint", "indicator_code", "unit"]


def test_a_percentage_metrics_values_lie_from_0_to_100_and_nothing_is_stored_otherwise(
    trafford, ada, django_capture_on_commit_callbacks
):
    """Case 09's kind (a percentage of 995 taken and rated) in the benchmarking import:
    a metric whose unit is percent refuses a value over 100 or under 0, naming the row."""
    metrics = csv_bytes(METRIC_HEADER, [["NI192", RECYCLING, "higher", "", "", "%"]])
    job = run("benchmark_metrics", ada, metrics, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert BenchmarkMetric.objects.get(code="NI192").unit == "percent"
    body = [
        ["NI192", "E08000009", "Trafford", "2021/22", "58.8"],
        ["NI192", "E08000002", "Bury", "2021/22", "995"],
        ["NI192", "E08000007", "Stockport", "2021/22", "-0.5"],
        ["NI192", "E06000014", "York", "2021/22", "100"],
    ]
    header = ["metric", "area_code", "area_name", "period", "value"]
    job = run("benchmark_values", ada, csv_bytes(header, body), django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert BenchmarkValue.objects.count() == 0
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "value", "The value is a percentage and cannot be more than 100"),
        (4, "value", "The value is a percentage and cannot be negative"),
    ]


def test_percentage_formatted_cells_give_the_figure_shown_or_are_refused_for_other_units(
    trafford, ada, django_capture_on_commit_callbacks
):
    """Case 04's kind in the benchmarking import: a cell formatted as a percentage holds
    0.588 and shows 58.8%; a percentage metric (or one whose unit is not stated) takes
    58.8, never 0.588, and a count refuses the cell, naming the format."""
    metrics = csv_bytes(
        METRIC_HEADER,
        [
            ["PCT", "Recycled", "higher", "", "", "percent"],
            ["ANY", "Unstated", "higher", "", "", ""],
            ["CNT", "Households", "higher", "", "", "count"],
        ],
    )
    run("benchmark_metrics", ada, metrics, django_capture_on_commit_callbacks)
    shown = [
        ["PCT", "E08000009", "Trafford", "2021/22", 0.588],
        ["ANY", "E08000009", "Trafford", "2021/22", 1],
    ]
    content = percent_workbook(shown, {"E2": "0.0%", "E3": "0%"})
    job = run("benchmark_values", ada, content, django_capture_on_commit_callbacks, "v.xlsx")
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    stored = {v.metric.code: v.value for v in BenchmarkValue.objects.select_related("metric")}
    assert stored == {"PCT": Decimal("58.8"), "ANY": Decimal("100")}

    counted = percent_workbook([["CNT", "E08000009", "Trafford", "2021/22", 0.5]], {"E2": "0%"})
    job = run("benchmark_values", ada, counted, django_capture_on_commit_callbacks, "c.xlsx")
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (
            2,
            "value",
            "The value is formatted as a percentage (50%) in the spreadsheet, but this "
            "figure is not a percentage: format the cell as a number",
        )
    ]
    assert not BenchmarkValue.objects.filter(metric__code="CNT").exists()


def test_a_metric_takes_its_indicators_unit_and_refuses_another_or_an_unknown_one(
    trafford, ada, django_capture_on_commit_callbacks
):
    from tests.factories import IndicatorFactory

    IndicatorFactory(code="BV82", department__council=trafford, unit="percent")
    metrics = csv_bytes(
        METRIC_HEADER,
        [
            ["NI192", RECYCLING, "higher", "", "BV82", ""],
            ["NI191", "Residual waste", "lower", "", "BV82", "kg"],
            ["NI193", "Landfilled", "lower", "", "", "tonnes"],
            ["GOLD", "Balanced", "midpoint", "101", "", "percent"],
        ],
    )
    job = run("benchmark_metrics", ada, metrics, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "unit", "The unit must be percent, as indicator BV82's, or left blank"),
        (
            4,
            "unit",
            "'tonnes' is not a unit: expected one of percent, days, count, gbp, kg, rate, score",
        ),
        (5, "midpoint", "The midpoint is a percentage and cannot be more than 100"),
    ]
    assert not BenchmarkMetric.objects.exists()
    job = run(
        "benchmark_metrics",
        ada,
        metrics.splitlines()[0] + b"\n" + metrics.splitlines()[1],
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert BenchmarkMetric.objects.get(code="NI192").unit == "percent"


def test_a_metric_whose_stored_values_are_beyond_100_cannot_become_a_percentage(
    trafford, ada, django_capture_on_commit_callbacks
):
    """Values stored while the unit was not stated were not checked as percentages: the
    unit is refused, naming a value outside 0 to 100, rather than leaving them behind."""
    metric = BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    BenchmarkValue.objects.create(
        metric=metric, area_code="E08000002", area_name="Bury", period="2021-22", value=995
    )
    metrics = csv_bytes(METRIC_HEADER, [["NI192", RECYCLING, "higher", "", "", "percent"]])
    job = run("benchmark_metrics", ada, metrics, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "unit", "NI192 cannot be a percentage: Bury's 2021-22 value 995 is outside 0 to 100")
    ]
    metric.refresh_from_db()
    assert metric.unit == ""


def test_the_admin_refuses_to_make_a_metric_with_values_beyond_100_a_percentage(client, trafford):
    metric = BenchmarkMetric.objects.create(
        council=trafford, code="NI192", title=RECYCLING, polarity="higher"
    )
    BenchmarkValue.objects.create(
        metric=metric, area_code="E08000002", area_name="Bury", period="2021-22", value=995
    )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/departments/benchmarkmetric/{metric.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(url, {**data, "unit": "percent"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"] == [
        "NI192 cannot be a percentage: Bury's 2021-22 value 995 is outside 0 to 100"
    ]
    metric.refresh_from_db()
    assert metric.unit == ""
