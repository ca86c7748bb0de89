"""The early warning of a contract performance notice overdue: raised for a contract with
KPIs whose notices owed (``notices_due``) is past its date, carried on while it stays
overdue, resolved by the data once the notice is approved."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.periods import Period
from partnerships.contracts import breaches, services
from partnerships.contracts.models import ContractKpi
from reporting.models import EarlyWarning, WarningRule
from reporting.warnings.evaluation import evaluate
from tests.partnerships.test_contract_notices import DETAILS

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def contract(partnership):
    for name, value in DETAILS.items():
        setattr(partnership, name, value)
    # The first notice is due 12 months after the start: 31 May 2026.
    partnership.start_date = date(2025, 6, 1)
    partnership.save()
    for title in ("Milestones on time", "Milestones of the data centre", "Milestones of payroll"):
        ContractKpi.objects.create(partnership=partnership, title=title, measure="milestones")
    return partnership


def _month(key: str) -> Period:
    return Period.parse(key)


def test_an_overdue_notice_raises_a_warning_at_once_and_keeps_it(contract):
    # On 31 May the notice is due, not overdue: nothing.
    assert evaluate([_month("2026-27-P01")], today=date(2026, 5, 31), notify=False).raised == []
    # On 3 June, 3 days overdue: the latest closed month is May, the warning starts in June.
    first = evaluate([_month("2026-27-P02")], today=date(2026, 6, 3), notify=False)
    (warning,) = first.raised
    assert (warning.rule, warning.partnership_id) == (WarningRule.NOTICE_OVERDUE, contract.pk)
    assert (warning.starting_period, warning.latest_period) == ("2026-27-P03", "2026-27-P03")
    assert warning.subject_label == "ICT Strategic Service Partnership: contract performance notice"
    assert warning.evidence == {
        "due_on": "2026-05-31",
        "reason": "12 months after the contract started",
        "days_overdue": 3,
        "summary": "The contract performance notice of ICT Strategic Service Partnership was "
        "due on 31 May 2026 (12 months after the contract started) and is 3 days overdue "
        "on 3 June 2026.",
    }
    # A month on, still overdue: the same warning, its latest period and evidence moved on.
    later = evaluate([_month("2026-27-P03")], today=date(2026, 7, 2), notify=False)
    assert (later.raised, later.updated) == ([], 1)
    warning.refresh_from_db()
    assert (warning.latest_period, warning.evidence["days_overdue"]) == ("2026-27-P03", 32)
    assert EarlyWarning.objects.count() == 1


def test_the_warning_is_resolved_once_the_notice_is_no_longer_overdue(contract, sam, pat):
    evaluate([_month("2026-27-P02")], today=date(2026, 6, 3), notify=False)
    # The first year's assessment is approved: the next notice is due in a year.
    assessment = services.start_assessment(
        partnership=contract,
        actor=sam,
        kind="anniversary",
        period_end=date(2026, 6, 1),
        today=date(2026, 6, 3),
    )
    for row in assessment.ratings.all():
        services.rate(rating=row, actor=sam, value="other", reason="No milestones fell due.")
    with time_machine.travel(datetime(2026, 6, 4, 10, tzinfo=LONDON), tick=False):
        services.approve(assessment=assessment, actor=sam)
    result = evaluate([_month("2026-27-P02")], today=date(2026, 6, 4), notify=False)
    assert (result.raised, result.resolved) == ([], 1)
    warning = EarlyWarning.objects.get()
    assert warning.resolved_by_data_on == date(2026, 6, 4)
    # A breach recorded and left unapproved past its 30 days raises a new warning.
    breaches.record_notice(
        partnership=contract,
        actor=sam,
        kind="breach",
        what_happened="Backups were not taken for six weeks.",
        occurred_on=date(2026, 6, 10),
        action_taken="settlement",
        today=date(2026, 6, 10),
    )
    again = evaluate([_month("2026-27-P03")], today=date(2026, 7, 11), notify=False)
    (breach,) = again.raised
    assert breach.evidence["reason"] == "30 days after the breach of 10 June 2026"
    assert breach.starting_period == "2026-27-P04"
    # A draft is the council's own: the partner, who sees its partnership's warnings,
    # does not see this one; the SMT does.
    assert breach.partnership_id is None
    assert list(EarlyWarning.objects.visible_to(sam).filter(pk=breach.pk)) == [breach]
    assert not EarlyWarning.objects.visible_to(pat).filter(pk=breach.pk).exists()


def test_a_partnership_without_contract_kpis_raises_none(partnership):
    assert evaluate([_month("2025-26-P06")], today=date(2025, 11, 28), notify=False).raised == []
