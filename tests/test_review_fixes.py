"""Regression tests for what the test reviews found: each failed before its fix."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from departments.models import Referral
from departments.referrals.imports import ReferralRowHandler
from departments.referrals.services import build_referral, channel_choices
from partnerships.sla_results.imports import SlaResultRowHandler
from partnerships.sla_results.services import enter_sla_result
from reporting.metrics.coordination import coordination_by_department
from reporting.metrics.scores import Component, weighted_score
from tests.factories import DepartmentFactory, ReferralFactory, ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 15, 12, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW):
        yield


def test_a_stale_sla_result_write_answers_409(client, pat, sam, partnership):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    result = enter_sla_result(sla=sla, period_key="2025-26-P06", actor=pat, value="99.7")
    client.force_login(sam)
    response = client.post(
        f"/api/v1/sla-results/{result.pk}/verify/", {"version": 7}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 1


def test_an_sla_code_two_services_share_is_refused_not_guessed(pat, partnership):
    for name in ("Network", "Hosting"):
        SlaFactory(service=ServiceFactory(partnership=partnership, name=name), code="AV-01")
    handler = SlaResultRowHandler(pat)
    with pytest.raises(ValidationError) as error:
        handler.write_row(2, {"sla_code": "AV-01", "period": "2025-26-P06", "value": "99.9"})
    assert error.value.message_dict["sla_code"] == [
        "SLA code 'AV-01' is used by more than one service (Hosting, Network): ask an "
        "administrator to make the codes distinct"
    ]


def test_reach_counts_only_active_departments(council, housing, finance):
    asc = DepartmentFactory(council=council, name="Adult Social Care", code="asc")
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    for other in (finance, asc, planning):
        ReferralFactory(
            from_department=housing,
            to_department=other,
            raised_on=date(2025, 9, 3),
            resolved_on=date(2025, 9, 4),
        )
    planning.is_active = False
    planning.save()
    from departments.periods import Period

    figures = coordination_by_department(
        periods=[Period.parse("2025-26-P06")], today=date(2025, 11, 15)
    )
    housing_figures = figures[(housing.pk, "2025-26-P06")]
    # Active departments: Housing, Finance, ASC → reach = 2 of the 2 others = 100.0.
    assert housing_figures.counterparts == 2
    assert housing_figures.components[2].score == Decimal("100.0")


def test_the_index_is_rounded_once_from_exact_shares():
    # 0.5 × 0 + 0.25 × 66.67 + 0.25 × 66.67 = 33.33 → 33.3 (not 33.4 from 66.7 and 66.7)
    two_thirds = Decimal(200) / Decimal(3)
    value, _ = weighted_score(
        [
            Component("on_time", "On time", Decimal(0), 50, ""),
            Component("digital", "Digital share", two_thirds, 25, ""),
            Component("reach", "Reach", two_thirds, 25, ""),
        ]
    )
    assert value == Decimal("33.3")


def test_imported_dates_must_be_whole_dates(alice, housing, finance):
    handler = ReferralRowHandler(alice, today=date(2025, 11, 15))
    row = {
        "from_department": "housing",
        "to_department": "finance",
        "category": "Invoice",
        "raised_on": "2025-09-1234",
        "agreed_days": "5",
        "channel": "email",
    }
    with pytest.raises(ValidationError) as error:
        handler.write_row(2, row)
    assert error.value.message_dict["raised_on"] == [
        "'2025-09-1234' is not a date: write it as 2026-04-01 or 01/04/2026, or as a date "
        "and time such as 2026-04-01T09:30:00+01:00"
    ]


def test_imported_referrals_name_who_imported_them(alice, housing, finance):
    handler = ReferralRowHandler(alice, today=date(2025, 11, 15))
    handler.write_row(
        2,
        {
            "from_department": "housing",
            "to_department": "finance",
            "category": "Invoice query",
            "raised_on": "2025-09-30T09:15:00",
            "agreed_days": "5",
            "channel": "email",
        },
    )
    handler.finish()
    referral = Referral.objects.get()
    assert referral.raised_on == date(2025, 9, 30)
    record = referral.history.get()
    assert (record.history_user, record.history_change_reason) == (alice, "Imported")


def test_acknowledged_after_resolved_is_refused(housing, finance):
    with pytest.raises(ValidationError) as error:
        build_referral(
            from_department=housing,
            to_department=finance,
            category="Invoice",
            raised_on=date(2025, 9, 1),
            agreed_days=5,
            channel="email",
            channels=channel_choices(),
            acknowledged_on=date(2025, 9, 5),
            resolved_on=date(2025, 9, 3),
            today=date(2025, 11, 15),
        )
    assert error.value.message_dict["acknowledged_on"] == [
        "The acknowledged date cannot be after the resolved date"
    ]


def test_the_raise_form_shows_today_in_the_date_field(client, alice):
    client.force_login(alice)
    html = client.get("/referrals/new/").content.decode()
    assert 'value="2025-11-15"' in html


def test_the_partner_is_refused_the_referral_lists(client, pat):
    client.force_login(pat)
    assert client.get("/referrals/").status_code == 403
