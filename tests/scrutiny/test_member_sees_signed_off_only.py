"""An elected member sees signed-off performance only (issue 20, item 2): the figures
pages and the metrics API of signed-off months, never a draft, an unapproved return or an
unverified SLA result, and none of the officers' pages."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from departments.models import KpiReturn, ReturnState
from departments.returns.sign_off import reopen_period
from tests.factories import (
    KpiReturnFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
)
from tests.scrutiny.conftest import SIGNED, UNSIGNED

pytestmark = pytest.mark.django_db


def _page(client, name, *args, period=None):
    url = reverse(name, args=args)
    return client.get(f"{url}?period={period}" if period else url)


def test_the_member_reads_the_signed_off_month_on_every_figures_page(
    client, mo, signed_council, housing, partnership
):
    client.force_login(mo)
    for name, args in [
        ("reporting:overview", ()),
        ("reporting:department", (housing.pk,)),
        ("reporting:indicator", (signed_council.pk,)),
        ("reporting:combined", ()),
    ]:
        response = _page(client, name, *args, period=SIGNED)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "66.6" not in html, name
        # No way into the officers' returns, which would only refuse them.
        assert 'href="/returns/' not in html, name
    indicator_page = _page(client, "reporting:indicator", signed_council.pk, period=SIGNED)
    assert "91.5" in indicator_page.content.decode()


def test_a_month_not_signed_off_answers_404_to_the_member_and_200_to_the_smt(
    client, mo, sam, signed_council, housing
):
    pages = [
        ("reporting:overview", ()),
        ("reporting:department", (housing.pk,)),
        ("reporting:indicator", (signed_council.pk,)),
        ("reporting:combined", ()),
    ]
    client.force_login(mo)
    for name, args in pages:
        assert _page(client, name, *args, period=UNSIGNED).status_code == 404, name
    client.force_login(sam)
    for name, args in pages:
        assert _page(client, name, *args, period=UNSIGNED).status_code == 200, name
    indicator_page = _page(client, "reporting:indicator", signed_council.pk, period=UNSIGNED)
    assert "66.6" in indicator_page.content.decode()


def test_the_member_defaults_to_the_latest_signed_off_month(client, mo, signed_council, housing):
    client.force_login(mo)
    response = client.get(reverse("reporting:department", args=[housing.pk]))
    assert response.status_code == 200
    assert response.context["month"].key == SIGNED


def test_the_metrics_api_answers_the_member_as_the_pages_do(client, mo, signed_council, housing):
    client.force_login(mo)
    department = f"/api/v1/metrics/departments/{housing.pk}/"
    indicator = f"/api/v1/metrics/indicators/{signed_council.pk}/"
    assert client.get(f"{department}?period={UNSIGNED}").status_code == 404
    assert client.get(f"{indicator}?period={UNSIGNED}").status_code == 404
    assert client.get("/api/v1/metrics/overview/?period=" + UNSIGNED).status_code == 404
    body = client.get(f"{indicator}?period={SIGNED}").json()
    assert body["period"] == SIGNED
    assert [p["value"] for p in body["trend"] if p["value"] is not None] == ["91.5"]
    assert client.get(department).json()["period"] == SIGNED


def test_a_month_with_a_return_not_locked_is_not_signed_off_for_members(
    client, mo, signed_council, housing
):
    """A return approved after the sign-off locks then; one still submitted keeps the
    month from members."""
    other = KpiReturnFactory(
        indicator__department=housing, period=SIGNED, value=Decimal("12.3"), state="submitted"
    )
    client.force_login(mo)
    assert _page(client, "reporting:department", housing.pk, period=SIGNED).status_code == 404
    KpiReturn.objects.filter(pk=other.pk).update(state=ReturnState.LOCKED)
    assert _page(client, "reporting:department", housing.pk, period=SIGNED).status_code == 200


def test_an_unverified_sla_result_keeps_the_council_pages_from_members(
    client, mo, signed_council, partnership, housing
):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    result = SlaResultFactory(sla=sla, period=SIGNED)
    client.force_login(mo)
    assert _page(client, "reporting:overview", period=SIGNED).status_code == 404
    assert _page(client, "reporting:partnership", partnership.pk, period=SIGNED).status_code == 404
    # The department's own pages do not read the partner's unverified results' month rule.
    assert _page(client, "reporting:department", housing.pk, period=SIGNED).status_code == 200
    result.verification = "verified"
    result.save()
    assert _page(client, "reporting:overview", period=SIGNED).status_code == 200
    assert _page(client, "reporting:partnership", partnership.pk, period=SIGNED).status_code == 200


def test_a_reopened_month_leaves_the_members_view_and_its_figures_with_it(
    client, mo, sam, signed_council
):
    reopen_period(period_key=SIGNED, actor=sam, reason="Correction")
    client.force_login(mo)
    assert _page(client, "reporting:indicator", signed_council.pk, period=SIGNED).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "departments:my-returns",
        "departments:referrals",
        "departments:import-start",
        "departments:api-tokens",
        "reporting:coordination",
        "reporting:reports",
        "reporting:audit-trail",
        "reporting:early-warnings",
        "reporting:benchmarking",
        "admin:index",
    ],
)
def test_the_officers_pages_refuse_the_member(client, mo, name):
    client.force_login(mo)
    response = client.get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/returns/",
        "/api/v1/referrals/",
        "/api/v1/sla-results/",
        "/api/v1/imports/",
        "/api/v1/early-warnings/",
        "/api/v1/reports/",
        "/api/v1/indicators/",
        "/api/v1/metrics/coordination/",
    ],
)
def test_the_officers_endpoints_refuse_the_member(client, mo, path):
    client.force_login(mo)
    response = client.get(path)
    assert response.status_code == 403
    assert "Elected members" in response.json()["detail"]


def test_a_member_makes_no_api_token(client, mo):
    from tests.conftest import PASSWORD

    mo.set_password(PASSWORD)
    mo.save()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "mo", "password": PASSWORD, "name": "Excel"},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_member_who_is_also_an_officer_reads_other_departments_as_a_member(
    client, alice, signed_council, housing, finance
):
    from departments.roles import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=alice, role=Role.MEMBER, department=None)
    client.force_login(alice)
    # Housing's own figures as its officer, the unapproved month too; its returns page.
    assert _page(client, "reporting:department", housing.pk, period=UNSIGNED).status_code == 200
    assert client.get(reverse("departments:my-returns")).status_code == 200
    # Finance's as an elected member: the signed-off month only.
    assert _page(client, "reporting:department", finance.pk, period=UNSIGNED).status_code == 404
    assert _page(client, "reporting:department", finance.pk, period=SIGNED).status_code == 200
    assert _page(client, "reporting:overview", period=UNSIGNED).status_code == 404


def test_the_public_portal_is_open_to_members_as_to_everyone(client, mo):
    client.force_login(mo)
    assert client.get(reverse("publication:portal")).status_code == 200
    assert client.get(reverse("publication:open-data")).status_code == 200
    assert client.get(reverse("publication:manage")).status_code == 403


def test_an_earlier_return_submitted_again_keeps_later_months_from_members_until_approved(
    client, mo, sam, harriet, signed_council, housing
):
    """A quarterly return of April to June, reopened and submitted again with 77.7, is
    read by September's figures (its latest quarter): no member sees September, on a
    page or through the API, until Housing's head approves the new figure."""
    from departments.returns.services import approve_return

    quarterly = KpiReturnFactory(
        indicator__department=housing,
        indicator__frequency="quarterly",
        period="2025-26-Q1",
        value=Decimal("77.7"),
        state=ReturnState.SUBMITTED,
    )
    client.force_login(mo)
    department = f"/api/v1/metrics/departments/{housing.pk}/?period={SIGNED}"
    assert _page(client, "reporting:department", housing.pk, period=SIGNED).status_code == 404
    assert client.get(department).status_code == 404
    assert _page(client, "reporting:overview", period=SIGNED).status_code == 404
    approve_return(kpi_return=quarterly, actor=harriet)
    assert _page(client, "reporting:department", housing.pk, period=SIGNED).status_code == 200
    assert client.get(department).status_code == 200


def _links(html: str, page_url: str) -> set[str]:
    """The site's own links on a page (a query alone is relative to the page)."""
    hrefs = {unescape(h) for h in re.findall(r'href="([^"#]+)"', html)}
    return {
        f"{page_url}{href}" if href.startswith("?") else href
        for href in hrefs
        if href.startswith(("/", "?")) and not href.startswith("/static/")
    }


def test_the_combined_view_links_the_member_to_no_page_that_refuses_them(
    client, mo, sam, signed_council, partnership
):
    """Members open neither the coordination pages nor the referrals: not linked for
    them; the SMT's combined view links both."""
    refused = (reverse("reporting:coordination"), reverse("departments:referrals"))
    client.force_login(mo)
    html = _page(client, "reporting:combined", period=SIGNED).content.decode()
    assert [path for path in refused if path in html] == []
    assert client.get(reverse("reporting:coordination")).status_code == 403
    client.force_login(sam)
    html = _page(client, "reporting:combined", period=SIGNED).content.decode()
    assert [path for path in refused if path in html] == list(refused)


@pytest.mark.parametrize(
    "page",
    ["overview", "department", "indicator", "partnership", "combined"],
)
def test_every_link_on_the_members_figures_pages_opens_for_them(
    client, mo, sam, signed_council, housing, partnership, page
):
    """September 2025 is signed off; August (never signed off) and October (unapproved)
    are not, so the member's page offers neither month, and each link on it opens for
    them. The SMT's page offers both."""
    args = {
        "department": (housing.pk,),
        "indicator": (signed_council.pk,),
        "partnership": (partnership.pk,),
    }.get(page, ())
    url = reverse(f"reporting:{page}", args=args)
    client.force_login(mo)
    html = client.get(f"{url}?period={SIGNED}").content.decode()
    codes = {link: client.get(link).status_code for link in _links(html, url)}
    assert {link: code for link, code in codes.items() if code != 200} == {}
    assert f"?period={UNSIGNED}" not in html and "?period=2025-26-P05" not in html
    client.force_login(sam)
    html = client.get(f"{url}?period={SIGNED}").content.decode()
    assert f'href="?period={UNSIGNED}' in html and 'href="?period=2025-26-P05' in html
