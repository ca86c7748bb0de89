"""What the contract pages and services read, they read once: the contract page's
poor-performance flags (shown, and behind the notice owed), an SLA KPI's results (its
figures, and the months missing one), and an approval's notice fields (its JSON and CSV
files' fingerprints). The contract page's queries are counted, and do not grow with the
number of plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.contracts import notices, plans, services
from partnerships.contracts.evidence import MISSING_MONTHS, evidence_for
from partnerships.contracts.ratings import Rating
from tests.api_council import contract_assessments
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory

pytestmark = pytest.mark.django_db

# The contract page as the SMT reads it, measured: the user, their scope, the partnership
# and its partner; the plan form's choices; the KPIs, assessments, plans and notices it
# lists; and the notice owed with the flags (the plans, their notices, the last assessed
# period, the draft notices, the latest results), each read once.
CONTRACT_PAGE_QUERIES = 19


@pytest.fixture
def contract(partnership, sam, ada):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    kpi, draft, approved = contract_assessments(partnership, sla, {"smt": sam, "admin": ada})
    # March 2026 a serious failure (97.0 against expected 99.5, minimum 98); February met.
    SlaResultFactory(sla=sla, period="2025-26-P11", reported_value=Decimal("99.7"))
    SlaResultFactory(sla=sla, period="2025-26-P12", reported_value=Decimal("97.0"))
    return sla, kpi, draft, approved


def _plans(partnership, sam, sla, count: int) -> None:
    for _ in range(count):
        plans.record_plan(
            partnership=partnership,
            actor=sam,
            sla=sla,
            action="Restore availability above 99.5%.",
            owner="Partner service director",
            due_date=date(2026, 3, 31),
            today=date(2026, 1, 1),
        )


def _reads_of(captured, table: str) -> int:
    return sum(
        q["sql"].lstrip().upper().startswith("SELECT") and f'"{table}"' in q["sql"]
        for q in captured.captured_queries
    )


def _contract_page(client, partnership):
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/partnerships/{partnership.pk}/contract/")
    assert page.status_code == 200
    return captured, page.content.decode()


def test_the_contract_page_reads_the_flags_once_in_a_fixed_number_of_queries(
    client, partnership, sam, contract
):
    sla, *_ = contract
    _plans(partnership, sam, sla, 1)
    client.force_login(sam)
    # Run once first, so nothing cached on the first request (the session's user, the
    # templates) is counted.
    _contract_page(client, partnership)
    one, page = _contract_page(client, partnership)
    # The plan, open past its due date (31 March 2026) with its SLA still failing, is
    # flagged, and its notice is owed 30 days after it fell due.
    assert "open past its due date" in page
    # The plans are read twice only: listed, and flagged (not flagged again for the
    # notice owed).
    assert _reads_of(one, "partnerships_rectificationplan") == 2
    assert len(one.captured_queries) == CONTRACT_PAGE_QUERIES
    _plans(partnership, sam, sla, 2)
    three, page = _contract_page(client, partnership)
    assert page.count("open past its due date") == 3
    assert len(three.captured_queries) == CONTRACT_PAGE_QUERIES


def test_an_sla_kpi_s_evidence_reads_the_results_once(contract):
    _, kpi, _, _ = contract
    with CaptureQueriesContext(connection) as captured:
        found = evidence_for(
            kpi, period_start=date(2025, 4, 1), period_end=date(2026, 3, 31), today=date(2026, 6, 1)
        )
    assert _reads_of(captured, "partnerships_slaresult") == 1
    # Twelve months, two with a result: the other ten are past their deadline, missing.
    assert (found.summary["months"], found.summary["results entered"]) == ("12", "2")
    assert (found.summary["no result"], found.summary[MISSING_MONTHS]) == ("10", "10")
    # On 10 April 2026 March's deadline (10 working days) has not passed: the months
    # missing a result are April to January, March is provisional.
    early = evidence_for(
        kpi, period_start=date(2025, 4, 1), period_end=date(2026, 3, 31), today=date(2026, 4, 10)
    )
    assert (early.summary[MISSING_MONTHS], early.summary["provisional months"]) == ("10", "1")


def test_an_approval_builds_the_notice_fields_once(contract, sam):
    _, _, draft, _ = contract
    for row in draft.ratings.all():
        services.rate(rating=row, actor=sam, value=Rating.GOOD, reason="Restored.")
    with CaptureQueriesContext(connection) as captured:
        approved = services.approve(assessment=draft, actor=sam)
    # The ratings are read three times: to check every KPI is rated, for the snapshot of
    # the KPIs, and for the notice's fields (once for both files).
    assert _reads_of(captured, "partnerships_kpirating") == 3
    published = approved.notice_details["published"]
    assert published["sha256"] == {
        "json": notices.notice_json(approved).sha256,
        "csv": notices.notice_csv(approved).sha256,
    }
    assert published["json"] == notices.notice_json(approved).content.decode("utf-8")


def test_the_notice_page_builds_its_fields_once_for_every_file(client, contract, sam):
    _, _, _, approved = contract
    client.force_login(sam)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/contract-assessments/{approved.pk}/notice/")
    assert page.status_code == 200
    assert _reads_of(captured, "partnerships_kpirating") == 1
    text = page.content.decode()
    for build in (notices.notice_json, notices.notice_csv):
        assert build(approved).sha256 in text
    with CaptureQueriesContext(connection) as captured:
        download = client.get(f"/contract-assessments/{approved.pk}/notice/?file_format=csv")
    assert download.content == notices.notice_csv(approved).content
    assert _reads_of(captured, "partnerships_kpirating") == 1
