"""Verifying a month's SLA results in bulk (issue 16, item 3): SMT ticks the results, the
page confirms how many and which, and verifies them all or none, keeping the user's place;
the API does the same in one call; the entry grid marks each error on its own row.

Time is frozen on Saturday 15 November 2025, noon in London: September 2025 (2025-26-P06)
has ended.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from partnerships.models import SlaResult, Verification
from partnerships.sla_results.services import enter_sla_result
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 11, 15, 12, tzinfo=ZoneInfo("Europe/London"))
SEPTEMBER = "2025-26-P06"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def results(partnership, pat):
    """Three September results entered by the partner: AV-01, AV-02, AV-03."""
    service = ServiceFactory(partnership=partnership, name="Desktop")
    return [
        enter_sla_result(
            sla=SlaFactory(service=service, code=f"AV-0{n}"),
            period_key=SEPTEMBER,
            actor=pat,
            value="99.7",
        )
        for n in (1, 2, 3)
    ]


def _page(partnership) -> str:
    return f"/partnerships/{partnership.pk}/sla-results/{SEPTEMBER}/"


def _verifying(results, **extra) -> dict:
    body: dict = {"result": [str(r.pk) for r in results], **extra}
    for result in results:
        body[f"version-{result.pk}"] = str(result.version)
    return body


def _states() -> list[str]:
    return list(SlaResult.objects.order_by("sla__code").values_list("verification", flat=True))


def test_smt_ticks_two_results_confirms_and_both_are_verified(client, sam, partnership, results):
    client.force_login(sam)
    page = client.get(_page(partnership)).content.decode()
    assert page.count('name="result"') == 3  # every result awaiting verification, ticked
    verify_url = f"{_page(partnership)}verify/"

    asked = client.post(verify_url, _verifying(results[:2]))

    assert asked.status_code == 200
    text = " ".join(asked.content.decode().split())
    assert "Verify 2 results for September 2025?" in text
    assert "AV-01, AV-02. A verified result can still be disputed." in text
    assert _states() == [Verification.UNVERIFIED] * 3  # nothing yet

    done = client.post(verify_url, _verifying(results[:2], confirmed="1"))

    assert done.status_code == 302
    assert done["Location"] == f"{_page(partnership)}#verify"
    assert _states() == [Verification.VERIFIED, Verification.VERIFIED, Verification.UNVERIFIED]
    after = client.get(done["Location"]).content.decode()
    assert "2 results verified." in after
    for result in results[:2]:
        last = result.history.latest()
        assert (last.history_user, last.history_change_reason) == (sam, "Verified")


def test_one_stale_result_verifies_none_and_says_which(client, sam, pat, partnership, results):
    client.force_login(sam)
    body = _verifying(results, confirmed="1")
    enter_sla_result(sla=results[1].sla, period_key=SEPTEMBER, actor=pat, value="99.9")

    response = client.post(f"{_page(partnership)}verify/", body, follow=True)

    assert _states() == [Verification.UNVERIFIED] * 3
    assert "Someone else changed this result while you were working on it" in (
        response.content.decode()
    )


def test_the_partner_may_not_verify_in_bulk(client, pat, partnership, results):
    client.force_login(pat)

    response = client.post(f"{_page(partnership)}verify/", _verifying(results, confirmed="1"))

    assert response.status_code == 403
    assert _states() == [Verification.UNVERIFIED] * 3


def test_verifying_one_result_comes_back_to_it(client, sam, results):
    client.force_login(sam)
    result = results[2]

    response = client.post(f"/sla-results/{result.pk}/verify/", {"version": result.version})

    assert response["Location"].endswith(f"/sla-results/{SEPTEMBER}/#verify-{result.pk}")


def test_the_api_verifies_many_results_in_one_call(client, sam, results):
    client.force_login(sam)
    body = {"results": [{"id": r.pk, "version": r.version} for r in results]}

    response = client.post("/api/v1/sla-results/verify/", body, content_type="application/json")

    assert response.status_code == 200, response.json()
    assert response.json()["verified"] == 3
    assert [r["verification"] for r in response.json()["results"]] == ["verified"] * 3
    assert _states() == [Verification.VERIFIED] * 3


def test_the_api_refuses_a_stale_version_and_verifies_none(client, sam, results):
    client.force_login(sam)
    body = {"results": [{"id": r.pk, "version": r.version} for r in results]}
    body["results"][2]["version"] = 7

    response = client.post("/api/v1/sla-results/verify/", body, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["current_version"] == 1
    assert _states() == [Verification.UNVERIFIED] * 3


def test_the_api_refuses_the_partner_and_an_unknown_result(client, sam, pat, results):
    client.force_login(pat)
    body = {"results": [{"id": results[0].pk}]}
    refused = client.post("/api/v1/sla-results/verify/", body, content_type="application/json")
    assert refused.status_code == 403

    client.force_login(sam)
    unknown = client.post(
        "/api/v1/sla-results/verify/",
        {"results": [{"id": results[0].pk}, {"id": 999999}]},
        content_type="application/json",
    )
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"results": ["No such SLA result: 999999"]},
    )
    assert _states() == [Verification.UNVERIFIED] * 3


def test_an_entry_grid_error_is_marked_on_its_row(client, pat, partnership, results):
    client.force_login(pat)
    sla = results[0].sla

    response = client.post(
        _page(partnership),
        {f"value-{sla.pk}": "97", f"commentary-{sla.pk}": "", f"version-{sla.pk}": "1"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    row = re.search(rf'<tr id="sla-{sla.pk}" class="row-error">(.*?)</tr>', html, re.S)
    assert row, "the row is not marked"
    assert f'<p class="field-error" id="commentary-{sla.pk}-error">' in row.group(1)
    assert re.search(
        rf'<textarea id="commentary-{sla.pk}"[^>]*aria-invalid="true" '
        rf'aria-describedby="commentary-{sla.pk}-error"',
        row.group(1),
    )
    assert f'href="#commentary-{sla.pk}"' in html  # and in the summary at the top
    assert SlaResult.objects.get(sla=sla).reported_value == Decimal("99.7")
