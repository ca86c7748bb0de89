"""Setting the contract's KPIs outside Django admin: the page and the API both go through
``services.save_contract_kpi`` (administrators only, audited, SLAs of the contract,
thresholds in order)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partnerships.contracts.models import ContractKpi
from tests.factories import PartnershipFactory, ServiceFactory, SlaFactory

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
