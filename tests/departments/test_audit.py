"""The audit trail (django-simple-history): who changed what, when, before and after.

Changes made in code carry their author as ``instance._history_user``; changes made over
HTTP get it from the request (``HistoryRequestMiddleware``), shown here through the
Django admin.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import Membership
from tests.factories import (
    IndicatorFactory,
    KpiReturnFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2025, 10, 6, 9, 15, tzinfo=LONDON)
CHANGED = datetime(2025, 10, 14, 16, 40, tzinfo=LONDON)


def _changes(instance) -> dict[str, tuple]:
    """The fields the latest change touched, as ``{field: (before, after)}``."""
    latest = instance.history.first()
    delta = latest.diff_against(latest.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


@pytest.fixture
def indicator(housing):
    return IndicatorFactory(
        department=housing, code="LPI-HOU-03", title="Homelessness cases prevented"
    )


@pytest.fixture
def target(indicator):
    with time_machine.travel(CREATED, tick=False):
        return TargetFactory(
            indicator=indicator,
            financial_year=2025,
            annual_value=Decimal("90"),
            tolerance=Decimal("5"),
        )


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


# --- changes made in code ------------------------------------------------------------------------


def test_target_annual_value_change_keeps_who_when_before_and_after(target, ada):
    with time_machine.travel(CHANGED, tick=False):
        target.annual_value = Decimal("92.5")
        target._history_user = ada
        target.save()

    assert target.history.count() == 2
    latest = target.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == ada
    assert latest.history_date == CHANGED
    assert latest.prev_record.history_date == CREATED
    assert _changes(target) == {"annual_value": (Decimal("90"), Decimal("92.5"))}


def test_return_value_and_state_changes_keep_each_step(indicator, alice, harriet):
    kpi_return = KpiReturnFactory(indicator=indicator, value=Decimal("91.5"))

    kpi_return.value = Decimal("88.2")
    kpi_return.state = "submitted"
    kpi_return.submitted_by = alice
    kpi_return.version = 2
    kpi_return._history_user = alice
    kpi_return.save()
    submitted = _changes(kpi_return)

    kpi_return.state = "approved"
    kpi_return.approved_by = harriet
    kpi_return.version = 3
    kpi_return._history_user = harriet
    kpi_return.save()
    approved = _changes(kpi_return)

    assert submitted["value"] == (Decimal("91.5"), Decimal("88.2"))
    assert submitted["state"] == ("draft", "submitted")
    assert submitted["version"] == (1, 2)
    assert approved["state"] == ("submitted", "approved")
    assert "value" not in approved
    trail = [
        (row.history_user, row.state, row.value, row.version)
        for row in kpi_return.history.order_by("history_id")
    ]
    assert trail == [
        (None, "draft", Decimal("91.5"), 1),
        (alice, "submitted", Decimal("88.2"), 2),
        (harriet, "approved", Decimal("88.2"), 3),
    ]


def test_partnership_weight_change_is_recorded(partnership, ada):
    partnership.weight_sla = 50
    partnership.weight_credits = 10
    partnership._history_user = ada
    partnership.save()

    assert partnership.history.first().history_user == ada
    assert _changes(partnership) == {"weight_sla": (40, 50), "weight_credits": (20, 10)}


def test_service_departments_change_is_recorded_as_m2m_history(partnership, housing, finance, ada):
    service = ServiceFactory(
        partnership=partnership, code="case-management", name="Case management system"
    )
    service._history_user = ada
    service.departments.add(housing)
    service.departments.add(finance)
    service.departments.remove(housing)

    def served(record) -> set[int]:
        return {row.department_id for row in record.departments.all()}

    trail = list(service.history.order_by("history_id"))
    assert [served(record) for record in trail] == [
        set(),
        {housing.pk},
        {housing.pk, finance.pk},
        {finance.pk},
    ]
    assert [record.history_user for record in trail[1:]] == [ada, ada, ada]

    latest = trail[-1]
    delta = latest.diff_against(latest.prev_record)
    assert delta.changed_fields == ["departments"]
    (change,) = delta.changes
    assert {row["department"] for row in change.old} == {housing.pk, finance.pk}
    assert {row["department"] for row in change.new} == {finance.pk}


def test_sla_result_reported_value_change_is_recorded(partnership, pat):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership), code="AV-01")
    result = SlaResultFactory(sla=sla, reported_value=Decimal("99.7"), entered_by=pat)

    result.reported_value = Decimal("98.4")
    result.commentary = "Corrected after the 14 September outage was added to the log."
    result.version = 2
    result._history_user = pat
    result.save()

    changes = _changes(result)
    assert changes["reported_value"] == (Decimal("99.7"), Decimal("98.4"))
    assert changes["version"] == (1, 2)
    assert result.history.first().history_user == pat


def test_membership_role_change_is_recorded(alice, ada):
    membership = Membership.objects.get(user=alice)
    membership.role = "head"
    membership._history_user = ada
    membership.save()

    assert _changes(membership) == {"role": ("officer", "head")}
    assert membership.history.first().history_user == ada


def test_change_without_a_named_user_records_none(target):
    target.tolerance = Decimal("2.5")
    target.save()

    assert target.history.first().history_user is None
    assert _changes(target) == {"tolerance": (Decimal("5"), Decimal("2.5"))}


# --- changes made over HTTP ----------------------------------------------------------------------


def test_admin_change_of_a_target_records_the_user(client, root, target, indicator):
    client.force_login(root)
    with time_machine.travel(CHANGED, tick=False):
        response = client.post(
            f"/admin/departments/target/{target.pk}/change/",
            {
                "indicator": indicator.pk,
                "financial_year": 2025,
                "annual_value": "92.5",
                "tolerance": "2.5",
                "_save": "Save",
            },
        )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert response["Location"] == "/admin/departments/target/"
    latest = target.history.first()
    assert latest.history_user == root
    assert latest.history_date == CHANGED
    assert _changes(target) == {
        "annual_value": (Decimal("90"), Decimal("92.5")),
        "tolerance": (Decimal("5"), Decimal("2.5")),
    }


def test_admin_change_of_partnership_weights_records_the_user(client, root, partnership):
    client.force_login(root)
    response = client.post(
        f"/admin/partnerships/partnership/{partnership.pk}/change/",
        {
            "council": partnership.council_id,
            "partner": partnership.partner_id,
            "name": partnership.name,
            "start_date": "2020-04-01",
            "end_date": "2030-03-31",
            "annual_value": "12000000.00",
            "weight_sla": 35,
            "weight_credits": 25,
            "weight_milestones": 15,
            "weight_escalations": 15,
            "weight_timely": 10,
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert response["Location"] == "/admin/partnerships/partnership/"
    assert partnership.history.first().history_user == root
    assert _changes(partnership) == {"weight_sla": (40, 35), "weight_credits": (20, 25)}


def test_admin_change_of_service_departments_records_the_user(
    client, root, partnership, housing, finance
):
    service = ServiceFactory(
        partnership=partnership,
        code="case-management",
        name="Case management system",
        monthly_charge=Decimal("125000.00"),
        credit_cap_percent=Decimal("12.5"),
    )
    service.departments.add(housing)
    client.force_login(root)
    response = client.post(
        f"/admin/partnerships/service/{service.pk}/change/",
        {
            "partnership": partnership.pk,
            "code": "case-management",
            "name": "Case management system",
            "monthly_charge": "125000.00",
            "credit_cap_percent": "12.50",
            "departments": [housing.pk, finance.pk],
            "slas-TOTAL_FORMS": "0",
            "slas-INITIAL_FORMS": "0",
            "slas-MIN_NUM_FORMS": "0",
            "slas-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert response["Location"] == "/admin/partnerships/service/"
    latest = service.history.first()
    assert latest.history_user == root
    assert {row.department_id for row in latest.departments.all()} == {housing.pk, finance.pk}
    assert {row.department_id for row in latest.prev_record.departments.all()} == {housing.pk}


def test_admin_history_page_names_who_changed_a_target(client, root, target, indicator):
    client.force_login(root)
    client.post(
        f"/admin/departments/target/{target.pk}/change/",
        {
            "indicator": indicator.pk,
            "financial_year": 2025,
            "annual_value": "92.5",
            "tolerance": "5",
            "_save": "Save",
        },
    )

    response = client.get(f"/admin/departments/target/{target.pk}/history/")
    assert response.status_code == 200
    assert [row.history_user for row in response.context["page_obj"].object_list] == [root, None]
