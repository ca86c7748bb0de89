"""Rectification plans: the SMT records one for a KPI rated below target or an SLA, the
partner records progress, the SMT closes it; a failed or overdue plan is flagged with the
30 days section 71(5) gives to publish."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from partnerships.contracts import plans, services
from partnerships.contracts.ratings import Rating
from tests.api_council import contract_assessments
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(partnership, sam, ada):
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    kpi, draft, approved = contract_assessments(partnership, sla, {"smt": sam, "admin": ada})
    # The SLA's latest month (March 2026) a serious failure: 97.0 against expected 99.5,
    # minimum 98. The month before met.
    SlaResultFactory(sla=sla, period="2025-26-P11", reported_value=Decimal("99.7"))
    SlaResultFactory(sla=sla, period="2025-26-P12", reported_value=Decimal("97.0"))
    return sla, draft, approved


def _plan(partnership, sam, sla, due=date(2026, 3, 31)):
    return plans.record_plan(
        partnership=partnership,
        actor=sam,
        sla=sla,
        action="Restore availability above 99.5%.",
        owner="Partner service director",
        due_date=due,
        today=date(2026, 1, 1),
    )


def test_a_plan_answers_a_kpi_below_target_only(partnership, sam, contract):
    _, draft, _ = contract
    row = draft.ratings.first()  # rated Other in the fixture
    with pytest.raises(ValidationError) as refused:
        plans.record_plan(
            partnership=partnership,
            actor=sam,
            kpi_rating=row,
            action="Improve.",
            owner="Partner",
            due_date=date(2026, 3, 31),
            today=date(2026, 1, 1),
        )
    refusal = [
        "A plan answers a KPI rated Requires improvement or Inadequate in an approved assessment."
    ]
    assert refused.value.message_dict["kpi_rating"] == refusal
    services.rate(rating=row, actor=sam, value=Rating.INADEQUATE, reason="Outages")
    row.refresh_from_db()
    # Rated Inadequate in a draft: still the council's own, and the partner sees plans.
    with pytest.raises(ValidationError) as refused:
        plans.record_plan(
            partnership=partnership,
            actor=sam,
            kpi_rating=row,
            action="Improve.",
            owner="Partner",
            due_date=date(2026, 3, 31),
            today=date(2026, 1, 1),
        )
    assert refused.value.message_dict["kpi_rating"] == refusal
    services.approve(assessment=draft, actor=sam)
    plan = plans.record_plan(
        partnership=partnership,
        actor=sam,
        kpi_rating=row,
        action="Improve.",
        owner="Partner",
        due_date=date(2026, 3, 31),
        today=date(2026, 1, 1),
    )
    assert plan.kpi_rating == row and plan.state == "open"


def test_the_partner_records_progress_and_the_smt_closes(partnership, sam, pat, alice, contract):
    sla, _, _ = contract
    plan = _plan(partnership, sam, sla)
    with pytest.raises(PermissionDenied):
        _plan(partnership, pat, sla)
    with pytest.raises(PermissionDenied):
        plans.update_progress(plan=plan, actor=alice, progress="x")
    plan = plans.update_progress(plan=plan, actor=pat, progress="New failover cluster in test.")
    assert plan.progress == "New failover cluster in test."
    with time_machine.travel("2026-04-02 10:00 +01:00", tick=False):
        closed = plans.close_plan(plan=plan, actor=sam, state="failed", reason="Still failing")
    assert (closed.state, closed.closed_on) == ("failed", date(2026, 4, 2))
    with pytest.raises(ValidationError, match="closed"):
        plans.update_progress(plan=closed, actor=pat, progress="More")
    (flag,) = plans.poor_performance_flags(partnership.pk, date(2026, 4, 3))
    assert (flag.why, flag.publish_by) == ("closed as failed", date(2026, 5, 2))
    latest = closed.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Closed as failed: Still failing"


def test_an_open_plan_past_its_due_date_is_flagged(partnership, sam, contract):
    sla, _, _ = contract
    _plan(partnership, sam, sla, due=date(2026, 3, 31))
    assert plans.poor_performance_flags(partnership.pk, date(2026, 3, 31)) == []
    (flag,) = plans.poor_performance_flags(partnership.pk, date(2026, 4, 1))
    # 30 days from 1 April, the day after it fell due.
    assert (flag.why, flag.publish_by) == ("open past its due date", date(2026, 5, 1))
    assert flag.evidence == (
        f"SLA {sla.code} Availability in core hours: March 2026 serious failure "
        "(97 against expected 99.5, minimum 98)."
    )
    assert flag.notice is None


def test_a_plan_whose_sla_is_back_to_target_is_not_flagged(partnership, sam, contract):
    sla, _, _ = contract
    _plan(partnership, sam, sla, due=date(2026, 3, 31))
    # April 2026 met (99.6 at or above 99.5): the supplier improved, late as it was.
    SlaResultFactory(sla=sla, period="2026-27-P01", reported_value=Decimal("99.6"))
    assert plans.poor_performance_flags(partnership.pk, date(2026, 6, 1)) == []
    # A minor failure (98.5, between the minimum 98 and expected 99.5) is still below.
    SlaResultFactory(sla=sla, period="2026-27-P02", reported_value=Decimal("98.5"))
    (flag,) = plans.poor_performance_flags(partnership.pk, date(2026, 6, 1))
    assert "May 2026 minor failure (98.5 against expected 99.5" in flag.evidence


def test_a_kpi_plan_is_flagged_while_its_latest_approved_rating_is_below(
    partnership, sam, contract
):
    _, draft, _ = contract
    rows = {r.kpi.title: r for r in draft.ratings.select_related("kpi")}
    services.rate(rating=rows["Availability"], actor=sam, value=Rating.INADEQUATE, reason="Out")
    with time_machine.travel("2025-10-10 10:00 +01:00", tick=False):
        services.approve(assessment=draft, actor=sam)
    plans.record_plan(
        partnership=partnership,
        actor=sam,
        kpi_rating=draft.ratings.get(kpi__title="Availability"),
        action="Restore availability.",
        owner="Partner",
        due_date=date(2025, 12, 31),
        today=date(2025, 12, 1),
    )
    (flag,) = plans.poor_performance_flags(partnership.pk, date(2026, 1, 5))
    assert (flag.why, flag.publish_by) == ("open past its due date", date(2026, 1, 31))
    assert flag.evidence.startswith(
        "Availability rated Inadequate, for 1 April 2025 to 30 September 2025."
    )
    # A later approved assessment rates it Good: no longer below target, no flag.
    later = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind="ad_hoc",
        period_start=date(2025, 10, 1),
        period_end=date(2025, 12, 31),
        today=date(2026, 1, 5),
    )
    for row in later.ratings.all():
        services.rate(rating=row, actor=sam, value=Rating.GOOD, reason="Restored.")
    services.approve(assessment=later, actor=sam)
    assert plans.poor_performance_flags(partnership.pk, date(2026, 1, 5)) == []


def test_the_plan_form_offers_no_draft_rating(client, partnership, sam, pat, contract):
    _, draft, _ = contract
    row = draft.ratings.first()
    services.rate(rating=row, actor=sam, value=Rating.INADEQUATE, reason="Outages")
    client.force_login(sam)
    page = client.get(f"/partnerships/{partnership.pk}/contract/").content.decode()
    assert f'value="rating:{row.pk}"' not in page
    refused = client.post(
        f"/partnerships/{partnership.pk}/contract/",
        {
            "kind": "plan",
            "answers": f"rating:{row.pk}",
            "action": "Improve.",
            "owner": "Partner",
            "due_date": "2030-03-31",
        },
    )
    assert refused.status_code == 400
    assert not draft.ratings.get(pk=row.pk).plans.exists()
    services.approve(assessment=draft, actor=sam)
    page = client.get(f"/partnerships/{partnership.pk}/contract/").content.decode()
    assert f'value="rating:{row.pk}"' in page


def test_reproposing_keeps_a_rating_a_plan_answers_after_its_kpi_is_deactivated(
    client, partnership, sam, ada, contract
):
    _, draft, _ = contract
    row = draft.ratings.select_related("kpi").get(kpi__title="Availability")
    services.rate(rating=row, actor=sam, value=Rating.INADEQUATE, reason="Outages")
    services.approve(assessment=draft, actor=sam)
    plan = plans.record_plan(
        partnership=partnership,
        actor=sam,
        kpi_rating=row,
        action="Improve.",
        owner="Partner",
        due_date=date(2030, 3, 31),
    )
    services.reopen(assessment=draft, actor=sam, reason="A corrected figure")
    kpi = row.kpi
    kpi.active = False
    services.save_contract_kpi(kpi=kpi, actor=ada, slas=kpi.slas.all())
    client.force_login(sam)
    page = client.post(reverse("partnerships:assessment", args=[draft.pk]), {"action": "propose"})
    assert page.status_code == 302
    row.refresh_from_db()
    assert (row.rating, plan.kpi_rating_id) == (Rating.INADEQUATE, row.pk)
    assert sorted(draft.ratings.values_list("kpi__title", flat=True)) == [
        "Availability",
        "Incident resolution",
        "Milestones on time",
    ]


def test_plan_messages_name_the_field_and_the_limit(client, partnership, sam, contract):
    sla, _, _ = contract
    client.force_login(sam)
    url = f"/partnerships/{partnership.pk}/contract/"
    with time_machine.travel("2026-04-10 10:00 +01:00", tick=False):
        empty = client.post(url, {"kind": "plan"}).content.decode()
        past = client.post(
            url,
            {
                "kind": "plan",
                "answers": f"sla:{sla.pk}",
                "action": "Restore availability.",
                "owner": "Partner",
                "due_date": "2026-04-09",
            },
        )
    assert "This field is required." not in empty
    for message in (
        "Choose what the plan answers: a KPI rating or an SLA.",
        "Enter what the partner must do.",
        "Enter the plan&#x27;s owner.",
        "Enter the date the plan is due by.",
    ):
        assert message in empty
    assert past.status_code == 400
    assert "Due by cannot be before today (10 April 2026)." in past.content.decode()
    plan = _plan(partnership, sam, sla)
    with pytest.raises(ValidationError) as refused:
        plans.close_plan(plan=plan, actor=sam, state="met", reason="x" * 300_000)
    (message,) = refused.value.message_dict["reason"]
    assert message.startswith("Reason for closing the plan")
    plan.refresh_from_db()
    assert plan.state == "open"
