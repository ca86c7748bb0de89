"""Limits of every figure, checked before storing, at every entry point (issue 14).

A figure is refused with a message giving the limit when it has more digits before the
decimal point than its column holds, more decimal places than allowed, or more than 15
significant digits (SQLite reads decimals back through a 15-digit context); a
percentage lies between 0 and 100. Nothing is stored half-way, and what is stored reads
back exactly on SQLite and PostgreSQL.

Time is frozen on 28 November 2026: October 2026 (2026-27-P07) has ended.
"""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from departments.models import KpiReturn, ReturnState, Target
from departments.numbers import decimal_problem
from partnerships.models import Sla, SlaResult
from tests.factories import IndicatorFactory, ServiceFactory, SlaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_in_tmp")]

NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/London"))
P07 = "2026-27-P07"
HUGE = "12345678901234567890123"  # case 11: 23 digits
TOO_LARGE = "Value is too large: it has 23 digits before the decimal point and the most is 14"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def count_indicator(housing):
    return IndicatorFactory(department=housing, code="LPI-HOU-01", unit="count", decimal_places=1)


@pytest.fixture
def ratio_indicator(housing):
    return IndicatorFactory(
        department=housing, code="LPI-HOU-RATIO", unit="percent", year_to_date="ratio"
    )


def _form(client, indicator, **data):
    url = reverse("departments:return-edit", args=[indicator.pk, P07])
    return client.post(url, {"action": "save", "version": "", **data})


def _api(client, indicator, **data):
    return client.post(
        "/api/v1/returns/",
        {"indicator": indicator.pk, "period": P07, **data},
        content_type="application/json",
    )


def _import(client, capture, rows):
    with capture(execute=True):
        response = client.post(
            "/api/v1/returns/import/", {"rows": rows}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    return client.get(response.json()["url"]).json()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (HUGE, TOO_LARGE),
        (
            "1e30",
            "Value is too large: it has 31 digits before the decimal point and the most is 14",
        ),
        ("1e999999999", None),  # an exponent no context can normalise: still a clear refusal
        ("1234567890123.45", "Value can have at most 1 decimal place for LPI-HOU-01"),
        ("9999999999999.9", "Value has 14 digits; the most is 15 digits in all"),
    ],
)
def test_a_figure_beyond_its_limits_is_refused_on_the_form_and_nothing_is_stored(
    client, alice, count_indicator, value, message
):
    client.force_login(alice)

    response = _form(client, count_indicator, value=value)

    if message == "Value has 14 digits; the most is 15 digits in all":
        # 14 digits fit: the example is the largest figure this indicator takes.
        assert response.status_code == 302
        assert KpiReturn.objects.get().value == Decimal("9999999999999.9")
        return
    assert response.status_code == 400
    html = response.content.decode()
    assert (message or "Value is too large: it has 1000000000 digits") in html, re.findall(
        r"field-error.{0,200}", html
    )
    assert KpiReturn.objects.count() == 0


def test_case_11_a_23_digit_count_is_refused_by_the_api_and_the_import_naming_the_limit(
    client, alice, count_indicator, django_capture_on_commit_callbacks
):
    client.force_login(alice)

    api = _api(client, count_indicator, value=HUGE)
    job = _import(
        client,
        django_capture_on_commit_callbacks,
        [{"indicator_code": "LPI-HOU-01", "period": P07, "value": HUGE}],
    )

    assert api.status_code == 400
    assert api.json() == {"value": [TOO_LARGE]}
    assert job["status"] == "failed"
    assert job["errors"] == [{"row": 1, "column": "value", "message": TOO_LARGE}]
    assert KpiReturn.objects.count() == 0
    # Every page and API answer that lists returns still answers.
    assert client.get("/api/v1/returns/").status_code == 200
    assert client.get(reverse("departments:my-returns")).status_code == 200


def test_a_ratio_whose_worked_out_value_would_be_too_large_is_refused_on_the_denominator(
    client, alice, ratio_indicator
):
    client.force_login(alice)

    tiny = _api(client, ratio_indicator, numerator="99999999999999", denominator="0.000001")
    fine = _api(client, ratio_indicator, numerator="7", denominator="8")

    assert tiny.status_code == 400
    assert list(tiny.json()) == ["numerator"]  # a percentage's numerator > denominator
    assert fine.status_code == 201
    assert Decimal(fine.json()["value"]) == Decimal("87.5")


def test_the_largest_figures_read_back_exactly_on_both_databases(alice, housing):
    from departments.returns.services import save_return

    big = IndicatorFactory(department=housing, code="GBP-1", unit="gbp", decimal_places=2)
    ratio = IndicatorFactory(department=housing, code="R-1", unit="rate", year_to_date="ratio")

    save_return(indicator=big, period_key=P07, actor=alice, value="9999999999999.99")
    save_return(
        indicator=ratio,
        period_key=P07,
        actor=alice,
        numerator="123456789.123456",
        denominator="987654321.987654",
    )

    assert KpiReturn.objects.get(indicator=big).value == Decimal("9999999999999.99")
    stored = KpiReturn.objects.get(indicator=ratio)
    assert (stored.numerator, stored.denominator, stored.value) == (
        Decimal("123456789.123456"),
        Decimal("987654321.987654"),
        Decimal("0.1"),
    )


def test_a_target_is_checked_against_its_limits_and_a_percentage_target_against_100(
    client, ada, count_indicator, housing
):
    percent = IndicatorFactory(department=housing, code="PCT-1", unit="percent")
    client.force_login(ada)

    huge = client.post(
        "/api/v1/targets/",
        {
            "indicator": count_indicator.pk,
            "financial_year": 2026,
            "annual_value": "123456789012.3456",
        },
        content_type="application/json",
    )
    over = client.post(
        "/api/v1/targets/",
        {"indicator": percent.pk, "financial_year": 2026, "annual_value": "120"},
        content_type="application/json",
    )
    fine = client.post(
        "/api/v1/targets/",
        {"indicator": percent.pk, "financial_year": 2026, "annual_value": "95.5"},
        content_type="application/json",
    )

    assert huge.status_code == 400
    assert huge.json() == {
        "annual_value": ["This figure has 16 digits; the most is 15 digits in all"]
    }
    assert over.status_code == 400
    assert over.json() == {
        "annual_value": ["The annual target is a percentage and cannot be more than 100"]
    }
    assert fine.status_code == 201
    assert Target.objects.get().annual_value == Decimal("95.5")


@pytest.fixture
def availability(partnership):
    service = ServiceFactory(partnership=partnership, code="hosting", name="Hosting")
    return SlaFactory(
        service=service,
        code="SERVICE-AVL-01",
        unit="percent",
        polarity="higher",
        expected_level=Decimal("99.5"),
        minimum_level=Decimal("98"),
        credit_percent=Decimal("4"),
    )


def test_case_09_a_percentage_over_100_is_refused_by_the_api_the_import_and_the_grid(
    client, pat, availability, django_capture_on_commit_callbacks
):
    client.force_login(pat)
    message = "The result is a percentage and cannot be more than 100"

    api = client.post(
        "/api/v1/sla-results/",
        {"sla": availability.pk, "period": P07, "value": "995"},
        content_type="application/json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/sla-results/import/",
            {"rows": [{"sla_code": "SERVICE-AVL-01", "period": P07, "value": "995"}]},
            content_type="application/json",
        )
    job = client.get(started.json()["url"]).json()
    grid = client.post(
        reverse("partnerships:sla-results", args=[availability.service.partnership_id, P07]),
        {f"value-{availability.pk}": "995", f"commentary-{availability.pk}": ""},
    )

    assert api.status_code == 400
    assert api.json() == {"value": [message]}
    assert job["errors"] == [{"row": 1, "column": "value", "message": message}]
    assert grid.status_code == 400
    assert message in grid.content.decode()
    assert SlaResult.objects.count() == 0


def test_a_huge_sla_result_is_refused_with_the_limit(pat, availability):
    from django.core.exceptions import ValidationError

    from partnerships.sla_results.services import enter_sla_result

    with pytest.raises(ValidationError) as refused:
        enter_sla_result(sla=availability, period_key=P07, actor=pat, value=HUGE)

    assert refused.value.message_dict == {
        "value": [
            "The result is too large: it has 23 digits before the decimal point and the most is 10"
        ]
    }


def test_percent_sla_levels_lie_between_0_and_100_in_the_api(client, ada, availability):
    client.force_login(ada)
    body = {
        "service": availability.service_id,
        "code": "AV-02",
        "title": "Availability",
        "unit": "percent",
        "polarity": "higher",
        "expected_level": "101",
        "minimum_level": "98",
        "credit_percent": "4",
    }

    over = client.post("/api/v1/slas/", body, content_type="application/json")
    seconds = client.post(
        "/api/v1/slas/",
        {
            **body,
            "unit": "seconds",
            "polarity": "lower",
            "expected_level": "2",
            "minimum_level": "250",
        },
        content_type="application/json",
    )

    assert over.status_code == 400
    assert over.json() == {
        "expected_level": ["The expected level is a percentage and cannot be more than 100"]
    }
    assert seconds.status_code == 201, seconds.content
    assert Sla.objects.filter(code="AV-02").count() == 1


def test_the_limit_check_names_each_limit():
    assert (
        decimal_problem(Decimal("0.0000001"), label="Numerator", max_digits=20, decimal_places=6)
        == "Numerator can have at most 6 decimal places"
    )
    assert decimal_problem(Decimal("-12.5"), label="Value", max_digits=5, decimal_places=2) is None
    assert decimal_problem(Decimal("1000"), label="Charge", max_digits=5, decimal_places=2) == (
        "Charge is too large: it has 4 digits before the decimal point and the most is 3"
    )


def test_an_identical_reimport_of_an_approved_return_is_unchanged_and_a_change_is_refused(
    client, alice, count_indicator, django_capture_on_commit_callbacks
):
    approved = KpiReturn.objects.create(
        indicator=count_indicator,
        department=count_indicator.department,
        period=P07,
        value=Decimal("1250"),
        commentary="On target after the winter push",
        state=ReturnState.APPROVED,
        version=3,
    )
    client.force_login(alice)
    row = {"indicator_code": "LPI-HOU-01", "period": P07, "value": "1250.0"}

    same = _import(client, django_capture_on_commit_callbacks, [row])
    changed = _import(client, django_capture_on_commit_callbacks, [{**row, "value": "1251"}])

    assert (same["status"], same["created_count"], same["updated_count"]) == ("succeeded", 0, 0)
    assert same["unchanged_count"] == 1
    assert "1 unchanged" in same["message"]
    assert changed["status"] == "failed"
    assert changed["errors"][0]["column"] == "period"
    approved.refresh_from_db()
    assert (approved.value, approved.version, approved.state) == (
        Decimal("1250"),
        3,
        ReturnState.APPROVED,
    )


@pytest.mark.parametrize("zero", ["0E-20000", "0E-999999999", "-0", "0.000"])
def test_a_zero_written_with_any_exponent_is_stored_as_zero_on_both_databases(
    client, alice, pat, count_indicator, availability, zero
):
    client.force_login(alice)
    kpi = client.post(
        "/api/v1/returns/",
        {"indicator": count_indicator.pk, "period": P07, "value": zero},
        content_type="application/json",
    )
    client.force_login(pat)
    result = client.post(
        "/api/v1/sla-results/",
        {"sla": availability.pk, "period": P07, "value": zero, "commentary": "Outage"},
        content_type="application/json",
    )

    assert (kpi.status_code, result.status_code) == (201, 201)
    assert KpiReturn.objects.get().value == 0
    assert SlaResult.objects.get().reported_value == 0


def test_issue_22_figures_beyond_their_columns_are_refused_at_every_entry_point(
    client, alice, pat, count_indicator, availability
):
    """The probe's inputs: 100000000000000 for a return (API POST and PATCH, the form) and
    1e400 for an SLA result (the API, as a JSON number and as text, and the grid)."""
    from departments.returns.services import save_return

    stored = save_return(
        indicator=count_indicator, period_key="2026-27-P06", actor=alice, value="5"
    )
    client.force_login(alice)
    too_large = "Value is too large: it has 15 digits before the decimal point and the most is 14"

    posted = client.post(
        "/api/v1/returns/",
        f'{{"indicator": {count_indicator.pk}, "period": "{P07}", "value": 100000000000000}}',
        content_type="application/json",
    )
    patched = client.patch(
        f"/api/v1/returns/{stored.pk}/",
        {"value": "100000000000000"},
        content_type="application/json",
    )
    form = _form(client, count_indicator, value="100000000000000")
    client.force_login(pat)
    results = [
        client.post(
            "/api/v1/sla-results/",
            f'{{"sla": {availability.pk}, "period": "{P07}", "value": {value}}}',
            content_type="application/json",
        )
        for value in ("1e400", '"1e400"')
    ]
    grid = client.post(
        reverse("partnerships:sla-results", args=[availability.service.partnership_id, P07]),
        {f"value-{availability.pk}": "1e400", f"commentary-{availability.pk}": ""},
    )

    assert (posted.status_code, patched.status_code, form.status_code) == (400, 400, 400)
    assert posted.json() == patched.json() == {"value": [too_large]}
    assert too_large in form.content.decode()
    result_too_large = (
        "The result is too large: it has 401 digits before the decimal point and the most is 10"
    )
    assert [r.json() for r in results] == [{"value": [result_too_large]}] * 2
    assert grid.status_code == 400 and result_too_large in grid.content.decode()
    assert KpiReturn.objects.get().value == 5
    assert SlaResult.objects.count() == 0
