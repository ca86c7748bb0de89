"""Setting the contract's KPIs outside Django admin: the page and the API both go through
``services.save_contract_kpi`` (administrators only, audited, SLAs of the contract,
thresholds in order)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.html import escape

from partnerships.contracts import services
from partnerships.contracts.models import ContractKpi
from tests.factories import PartnershipFactory, ServiceFactory, SlaFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Availability of core systems",
    "description": "Core systems available in service hours.",
    "measure": "slas",
    "linked_to_payment": "on",
    "good_from": "95",
    "approaching_from": "85",
    "improvement_from": "70",
    "serious_share_inadequate": "25",
    "active": "on",
}


@pytest.fixture
def sla(partnership):
    return SlaFactory(service=ServiceFactory(partnership=partnership), code="AV-01")


def test_an_administrator_sets_and_changes_a_kpi_on_its_page(client, partnership, sla, ada):
    client.force_login(ada)
    url = f"/partnerships/{partnership.pk}/contract/kpis/new/"
    page = client.get(url)
    assert page.status_code == 200 and "AV-01" in page.content.decode()
    refused = client.post(url, FORM)
    assert refused.status_code == 400
    assert "Choose at least one SLA the KPI is built from." in refused.content.decode()
    out_of_order = client.post(url, {**FORM, "slas": [sla.pk], "approaching_from": "96"})
    assert out_of_order.status_code == 400
    assert (
        "The Approaching target threshold cannot be above the Good threshold."
        in out_of_order.content.decode()
    )
    assert not ContractKpi.objects.exists()
    done = client.post(url, {**FORM, "slas": [sla.pk]})
    assert done.url == f"/partnerships/{partnership.pk}/contract/"
    kpi = ContractKpi.objects.get()
    assert (kpi.title, kpi.linked_to_payment, list(kpi.slas.all())) == (
        "Availability of core systems",
        True,
        [sla],
    )
    contract = client.get(done.url).content.decode()
    assert f"/contract-kpis/{kpi.pk}/edit/" in contract
    changed = client.post(
        f"/contract-kpis/{kpi.pk}/edit/", {**FORM, "slas": [sla.pk], "good_from": "97.5"}
    )
    assert changed.status_code == 302
    kpi.refresh_from_db()
    assert kpi.good_from == Decimal("97.5")
    assert [h.history_change_reason for h in kpi.history.order_by("history_id")][-1] == ("Changed")
    assert kpi.history.order_by("history_id").first().history_user == ada


def test_only_an_administrator_sets_kpis(client, partnership, sla, sam, pat, alice):
    url = f"/partnerships/{partnership.pk}/contract/kpis/new/"
    for user, status in ((sam, 403), (pat, 403), (alice, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.post(url, {**FORM, "slas": [sla.pk]}).status_code == status, user
        assert "/contract/kpis/new/" not in (
            client.get(f"/partnerships/{partnership.pk}/contract/").content.decode()
        )
    assert not ContractKpi.objects.exists()


def test_the_api_sets_and_changes_a_kpi_through_the_same_service(client, partnership, sla, ada):
    client.force_login(ada)
    other = SlaFactory(service=ServiceFactory(partnership=PartnershipFactory()), code="WS-01")
    body = {
        "partnership": partnership.pk,
        "title": "Availability",
        "measure": "slas",
        "slas": [sla.pk, other.pk],
    }
    refused = client.post("/api/v1/contract-kpis/", body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["slas"] == ["These SLAs belong to another partnership: WS-01."]
    made = client.post(
        "/api/v1/contract-kpis/", {**body, "slas": [sla.pk]}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    kpi = made.json()
    assert (kpi["slas"], kpi["good_from"], kpi["thresholds"][0]["rating"]) == (
        [sla.pk],
        "95.00",
        "Good",
    )
    changed = client.patch(
        f"/api/v1/contract-kpis/{kpi['id']}/",
        {"improvement_from": "60"},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert (changed.json()["improvement_from"], changed.json()["slas"]) == ("60.00", [sla.pk])
    moved = client.patch(
        f"/api/v1/contract-kpis/{kpi['id']}/",
        {"partnership": PartnershipFactory().pk},
        content_type="application/json",
    )
    assert moved.status_code == 400
    assert ContractKpi.objects.get().partnership == partnership


REFUSED = "Only an administrator sets the contract's KPIs."
PERSONAS = ("alice", "harriet", "sam", "pat", "audrey", "mo", "ada")


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_the_api_and_the_service_refuse_and_allow_the_same_people(
    client, request, partnership, sla, persona
):
    """One check (``services.check_may_set_kpis``) for the KPI page, the API and the
    service: only the administrator sets a KPI, and the contract page offers the link to
    them alone."""
    user = request.getfixturevalue(persona)
    may = persona == "ada"
    if may:
        services.check_may_set_kpis(user)
    else:
        with pytest.raises(PermissionDenied, match=REFUSED):
            services.check_may_set_kpis(user)
    kpi = ContractKpi.objects.create(
        partnership=partnership, title="Milestones", measure="milestones"
    )
    client.force_login(user)
    body = {**FORM, "title": f"Availability ({persona})", "slas": [sla.pk]}
    page = client.post(f"/partnerships/{partnership.pk}/contract/kpis/new/", body)
    edit = client.post(f"/contract-kpis/{kpi.pk}/edit/", {**FORM, "measure": "milestones"})
    api = client.post(
        "/api/v1/contract-kpis/",
        {
            "partnership": partnership.pk,
            "title": f"Resolution ({persona})",
            "measure": "slas",
            "slas": [sla.pk],
        },
        content_type="application/json",
    )
    changed = client.patch(
        f"/api/v1/contract-kpis/{kpi.pk}/", {"active": False}, content_type="application/json"
    )
    if may:
        assert (page.status_code, edit.status_code) == (302, 302)
        assert (api.status_code, changed.status_code) == (201, 200)
        assert ContractKpi.objects.count() == 3
        return
    # Refused alike, the page with the check's words, the API with its 403. A reader who
    # does not see the contract (a department) is answered as if it did not exist; an
    # elected member opens neither these pages nor these endpoints at all.
    sees_contract = persona not in ("alice", "harriet")
    assert (page.status_code, edit.status_code) == ((403, 403) if sees_contract else (404, 404))
    assert api.status_code == changed.status_code == 403
    if persona != "mo":
        assert api.json()["detail"] == changed.json()["detail"] == REFUSED
    if sees_contract and persona != "mo":
        assert escape(REFUSED) in page.content.decode()
    assert list(ContractKpi.objects.values_list("title", "active")) == [("Milestones", True)]
    if sees_contract:
        contract = client.get(f"/partnerships/{partnership.pk}/contract/").content.decode()
        assert "/contract/kpis/new/" not in contract
        assert f"/contract-kpis/{kpi.pk}/edit/" not in contract


@pytest.mark.parametrize(
    ("field", "value"), [("good_from", "150"), ("serious_share_inadequate", "-1")]
)
def test_a_threshold_out_of_range_gets_one_message_on_the_page_and_the_api(
    client, partnership, sla, ada, field, value
):
    client.force_login(ada)
    message = "A threshold is a percentage between 0 and 100."
    page = client.post(
        f"/partnerships/{partnership.pk}/contract/kpis/new/",
        {**FORM, "slas": [sla.pk], field: value},
    )
    assert page.status_code == 400
    assert page.context["form"].errors[field] == [message]
    body = {"partnership": partnership.pk, "title": "Availability", "measure": "slas"}
    api = client.post(
        "/api/v1/contract-kpis/",
        {**body, "slas": [sla.pk], field: value},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()[field] == [message]
    assert not ContractKpi.objects.exists()


def test_a_threshold_of_1000_is_refused_with_its_range_on_the_page_the_admin_and_the_api(
    client, partnership, sla, ada
):
    """A threshold of 1000 has too many digits for its field: each entry point used to
    answer with the digits ("Ensure that there are no more than 3 digits before the
    decimal point"), where 101 was told the range. Now all three say the range, and
    nothing is stored."""
    client.force_login(ada)
    page = client.post(
        f"/partnerships/{partnership.pk}/contract/kpis/new/",
        {**FORM, "slas": [sla.pk], "good_from": "1000"},
    )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    admin = client.post(
        "/admin/partnerships/contractkpi/add/",
        {**FORM, "partnership": partnership.pk, "slas": [sla.pk], "good_from": "1000"},
    )
    client.force_login(ada)
    api = client.post(
        "/api/v1/contract-kpis/",
        {
            **FORM,
            "partnership": partnership.pk,
            "slas": [sla.pk],
            "linked_to_payment": True,
            "active": True,
            "good_from": "1000",
        },
        content_type="application/json",
    )

    range_only = ["A threshold is a percentage between 0 and 100."]
    assert page.status_code == 400
    assert page.context["form"].errors["good_from"] == range_only
    assert admin.status_code == 200  # the admin shows its form again
    assert admin.context["adminform"].form.errors["good_from"] == range_only
    assert (api.status_code, api.json()) == (400, {"good_from": range_only})
    assert not ContractKpi.objects.exists()
