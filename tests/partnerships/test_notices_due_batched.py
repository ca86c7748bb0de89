"""The notices each contract owes are read for every partnership at once
(``selectors.notices_due_for``): the daily reminders, the early warning of a notice
overdue and the SMT's home make the same number of queries for one contract as for
three, each with a draft breach notice and two rectification plans flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.periods import Period
from partnerships.contracts import breaches, plans, selectors, services
from partnerships.contracts.ratings import Rating
from partnerships.contracts.reminders import notices_coming_due
from reporting.todo import home_lists
from reporting.warnings.rules import notice_overdue
from tests.api_council import contract_assessments
from tests.factories import PartnershipFactory, ServiceFactory, SlaFactory, SlaResultFactory

pytestmark = pytest.mark.django_db

# 7 days before the breach's and the plans' notices fall due (1 May 2026).
REMINDED_ON = date(2026, 4, 24)
# 9 days after they fell due.
OVERDUE_ON = date(2026, 5, 10)


def _contract(partnership, sam, ada) -> None:
    """A contract with its last assessment approved (April to September 2025, so its
    next notice is due 30 September 2026), a breach of 1 April 2026 recorded but not
    approved, and two plans due 31 March 2026 and still open: one for an SLA whose
    latest month (March 2026) is a serious failure, one for a KPI rated Inadequate."""
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    kpi, draft, _ = contract_assessments(partnership, sla, {"smt": sam, "admin": ada})
    SlaResultFactory(sla=sla, period="2025-26-P11", reported_value=Decimal("99.7"))
    SlaResultFactory(sla=sla, period="2025-26-P12", reported_value=Decimal("97.0"))
    rating = draft.ratings.get(kpi=kpi)
    services.rate(rating=rating, actor=sam, value=Rating.INADEQUATE, reason="Outages.")
    services.approve(assessment=draft, actor=sam)
    for answers in ({"sla": sla}, {"kpi_rating": rating}):
        plans.record_plan(
            partnership=partnership,
            actor=sam,
            action="Restore availability above 99.5%.",
            owner="Partner service director",
            due_date=date(2026, 3, 31),
            today=date(2026, 1, 1),
            **answers,
        )
    breaches.record_notice(
        partnership=partnership,
        actor=sam,
        kind="breach",
        what_happened="Backups were not taken for six weeks.",
        occurred_on=date(2026, 4, 1),
        action_taken="settlement",
        today=date(2026, 4, 2),
    )


@pytest.fixture
def contracts(partnership, sam, ada):
    """Adds ``count`` contracts like ``_contract`` (the first is ``partnership``) and
    gives them all, by name."""
    made = []

    def more(count: int) -> list:
        for _ in range(count):
            found = partnership if not made else PartnershipFactory(council=partnership.council)
            _contract(found, sam, ada)
            made.append(found)
        return sorted(made, key=lambda p: p.name)

    return more


def _counted(read):
    with CaptureQueriesContext(connection) as captured:
        answer = read()
    return len(captured.captured_queries), answer


def test_every_contract_s_notices_owed_are_read_in_one_go(contracts):
    (one,) = contracts(1)
    single, owed = _counted(lambda: selectors.notices_due_for([one], REMINDED_ON, drafts=True))
    plan_lapsed = "30 days after a rectification plan was open past its due date"
    assert [(d.due_on, d.reason, d.overdue, d.draft) for d in owed[one.pk]] == [
        (date(2026, 5, 1), "30 days after the breach of 1 April 2026", False, True),
        (date(2026, 5, 1), plan_lapsed, False, False),
        (date(2026, 5, 1), plan_lapsed, False, False),
        (date(2026, 9, 30), "12 months after the last assessed period", False, False),
    ]
    # Without drafts, the breach recorded but not approved is not the reader's to see.
    assert [d.due_on for d in selectors.notices_due(one, REMINDED_ON, drafts=False)] == [
        date(2026, 5, 1),
        date(2026, 5, 1),
        date(2026, 9, 30),
    ]
    three = contracts(2)
    many, owed = _counted(lambda: selectors.notices_due_for(three, REMINDED_ON, drafts=True))
    assert many == single
    # Each contract's list is its own, the same as asked for alone.
    for partnership in three:
        assert owed[partnership.pk] == selectors.notices_due(partnership, REMINDED_ON, drafts=True)


def test_the_flags_of_every_contract_are_read_in_one_go(contracts):
    (one,) = contracts(1)
    single, flags = _counted(lambda: plans.poor_performance_flags_for([one.pk], REMINDED_ON))
    assert [f.evidence for f in flags[one.pk]][0].endswith(
        "March 2026 serious failure (97 against expected 99.5, minimum 98)."
    )
    assert flags[one.pk][1].evidence.startswith(
        "Availability rated Inadequate, for 1 April 2025 to 30 September 2025."
    )
    three = contracts(2)
    many, flags = _counted(
        lambda: plans.poor_performance_flags_for([p.pk for p in three], REMINDED_ON)
    )
    assert many == single == 4  # plans, their notices, latest ratings, latest results
    assert [len(flags[p.pk]) for p in three] == [2, 2, 2]


def test_the_daily_reminders_read_every_contract_in_one_go(contracts):
    contracts(1)
    single, coming = _counted(lambda: notices_coming_due(REMINDED_ON))
    assert [(c.days, c.due.reason) for c in coming] == [
        (7, "30 days after the breach of 1 April 2026"),
        (7, "30 days after a rectification plan was open past its due date"),
        (7, "30 days after a rectification plan was open past its due date"),
    ]
    contracts(2)
    many, coming = _counted(lambda: notices_coming_due(REMINDED_ON))
    assert (many, len(coming)) == (single, 9)


def test_the_overdue_notice_warning_reads_every_contract_in_one_go(contracts):
    at = [Period.parse("2026-27-P01")]
    contracts(1)
    single, found = _counted(lambda: list(notice_overdue([], at, today=OVERDUE_ON)))
    # The plan's notice the partner may see, and the breach's, a draft, under no partnership.
    assert [f.evidence["reason"] for f in found] == [
        "30 days after a rectification plan was open past its due date",
        "30 days after the breach of 1 April 2026",
    ]
    three = contracts(2)
    many, found = _counted(lambda: list(notice_overdue([], at, today=OVERDUE_ON)))
    assert (many, len(found)) == (single, 6)
    assert sorted({f.subject_key for f in found}) == sorted(
        f"partnership:{p.pk}/{key}" for p in three for key in ("notice", "draft-notice")
    )


def test_the_smt_home_reads_every_contract_s_notice_in_one_go(contracts, sam):
    contracts(1)
    single, home = _counted(lambda: home_lists(sam, today=REMINDED_ON))
    (item,) = home.list("contract_notices_due").items
    assert item.detail == "due 1 May 2026 (30 days after the breach of 1 April 2026)"
    three = contracts(2)
    many, home = _counted(lambda: home_lists(sam, today=REMINDED_ON))
    assert many == single
    assert [i.text for i in home.list("contract_notices_due").items] == [
        f"Assess {p.name} and publish its notice" for p in three
    ]
