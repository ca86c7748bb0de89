"""Contract KPIs and their assessment (Procurement Act 2023, sections 52 and 71): worked
examples of the proposal at each threshold boundary, the section 52 minimum, the SMT's
ratings and reasons, approval and reopening."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from partnerships.contracts import services
from partnerships.contracts.evidence import Evidence
from partnerships.contracts.models import Assessment, AssessmentKind, ContractKpi, KpiMeasure
from partnerships.contracts.ratings import DEFAULT_THRESHOLDS, Rating, Thresholds, proposed_rating
from partnerships.contracts.selectors import NoticeDue, next_notice_due
from tests.factories import MilestoneFactory, ServiceFactory, SlaFactory, SlaResultFactory

# The contract started 1 April 2020: its fifth anniversary, 1 April 2025, closes the 12
# months April 2024 to March 2025 (2024-25 P01 to P12). Every month's deadline has passed.
ANNIVERSARY = date(2025, 4, 1)
TODAY = date(2026, 1, 15)
MONTHS = [f"2024-25-P{n:02d}" for n in range(1, 13)]
# Against an SLA expecting 99.5% with a minimum of 98% (higher is better).
MET, MINOR, SERIOUS = Decimal("99.7"), Decimal("99.0"), Decimal("97.0")


@pytest.fixture
def sla(partnership):
    return SlaFactory(service=ServiceFactory(partnership=partnership))


def _kpi(partnership, ada, title, *, slas=(), measure=KpiMeasure.SLAS, **fields):
    kpi = ContractKpi(partnership=partnership, title=title, measure=measure, **fields)
    return services.save_contract_kpi(kpi=kpi, actor=ada, slas=slas)


@pytest.fixture
def three_kpis(partnership, ada, sla):
    """The KPI under test (built from ``sla``) and two more, so section 52 is met."""
    kpi = _kpi(partnership, ada, "Availability", slas=[sla])
    _kpi(partnership, ada, "Milestones on time", measure=KpiMeasure.MILESTONES)
    other = SlaFactory(service=sla.service)
    _kpi(partnership, ada, "Incident resolution", slas=[other])
    return kpi


def _series(sla, *values):
    for key, value in zip(MONTHS, values, strict=False):
        if value is not None:
            SlaResultFactory(sla=sla, period=key, reported_value=value)


def _assess(partnership, sam):
    return services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=ANNIVERSARY,
        today=TODAY,
    )


def _rating_of(assessment, kpi):
    return assessment.ratings.get(kpi=kpi)


# 10 results entered (the last two months have none), so every 5 points is one step:
# score = 100 × (met + ½ × minor) ÷ 10; serious share = months with a serious failure ÷ 10.
BOUNDARIES = [
    # Good from 95: 9 met and 1 minor is 95.0.
    ([MET] * 9 + [MINOR], "95.0000", Rating.GOOD),
    # One step below: 9 met and 1 serious is 90.0 (serious in 10% of months).
    ([MET] * 9 + [SERIOUS], "90.0000", Rating.APPROACHING),
    # Approaching from 85: 8 met, 1 minor, 1 serious.
    ([MET] * 8 + [MINOR, SERIOUS], "85.0000", Rating.APPROACHING),
    # Below: 8 met and 2 serious is 80.0 (20%).
    ([MET] * 8 + [SERIOUS] * 2, "80.0000", Rating.REQUIRES_IMPROVEMENT),
    # Requires improvement from 70: 6 met, 2 minor, 2 serious (20%).
    ([MET] * 6 + [MINOR] * 2 + [SERIOUS] * 2, "70.0000", Rating.REQUIRES_IMPROVEMENT),
    # Below: 5 met, 3 minor, 2 serious is 65.0.
    ([MET] * 5 + [MINOR] * 3 + [SERIOUS] * 2, "65.0000", Rating.INADEQUATE),
    # Serious failures in 30% of months make it Inadequate though the score is 70.0.
    ([MET] * 7 + [SERIOUS] * 3, "70.0000", Rating.INADEQUATE),
]


@pytest.mark.parametrize(("values", "score", "expected"), BOUNDARIES)
def test_the_proposal_at_each_threshold_boundary(
    partnership, sam, sla, three_kpis, values, score, expected
):
    _series(sla, *values)
    assessment = _assess(partnership, sam)
    row = _rating_of(assessment, three_kpis)
    assert row.score == Decimal(score)
    assert row.proposed_rating == expected
    assert row.rating == ""  # the SMT has not rated it yet


def test_serious_failures_in_exactly_the_stated_share_of_months_are_inadequate(
    partnership, sam, sla, three_kpis
):
    # 12 months, 3 with a serious failure: 25%, the default share; the score is 75.0.
    _series(sla, *([MET] * 9 + [SERIOUS] * 3))
    row = _rating_of(_assess(partnership, sam), three_kpis)
    assert (row.score, row.serious_share) == (Decimal("75.0000"), Decimal("25.0000"))
    assert row.proposed_rating == Rating.INADEQUATE


def test_the_evidence_table_and_its_figures(partnership, sam, sla, three_kpis):
    _series(sla, MET, MINOR, SERIOUS)
    SlaResultFactory(
        sla=sla, period=MONTHS[3], reported_value=MET, verification="disputed", dispute_reason="x"
    )
    row = _rating_of(_assess(partnership, sam), three_kpis)
    summary = row.evidence["summary"]
    assert summary["months"] == "12"
    assert summary["results entered"] == "4"
    assert (summary["met"], summary["minor failures"], summary["serious failures"]) == (
        "2",
        "1",
        "1",
    )
    assert summary["no result"] == "8"
    # The eight months without a result are past their deadline: missing, said plainly.
    assert summary["months with SLA results missing past their deadline"] == "8"
    # 4% of the service's £100,000.00 monthly charge for the one serious failure.
    assert summary["service credits (GBP, before the monthly cap)"] == "4000.00"
    assert summary["disputes open"] == "1"
    assert summary["provisional months"] == "0"
    assert row.evidence["rows"][2][:6] == [
        "2024-25-P03",
        "June 2024 (P03 2024/25)",
        sla.code,
        "97",
        "Serious failure",
        "4000.00",
    ]
    # (2 + ½) ÷ 4 = 62.5: Inadequate.
    assert row.score == Decimal("62.5000")


def test_a_month_before_its_deadline_is_provisional(partnership, sam, sla, three_kpis):
    _series(sla, *([MET] * 12))
    # 3 April 2025: March 2025's results are due 10 working days after it ends.
    assessment = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=ANNIVERSARY,
        today=date(2025, 4, 3),
    )
    row = _rating_of(assessment, three_kpis)
    assert row.evidence["summary"]["provisional months"] == "1"
    assert row.evidence["rows"][-1][-1] == "Provisional"


def test_milestones_kpi_is_the_share_delivered_by_their_due_date(
    client, partnership, sam, ada, sla
):
    _kpi(partnership, ada, "A", slas=[sla])
    _kpi(partnership, ada, "B", slas=[sla])
    kpi = _kpi(partnership, ada, "Milestones on time", measure=KpiMeasure.MILESTONES)
    for due, delivered in [
        (date(2024, 5, 31), date(2024, 5, 30)),
        (date(2024, 8, 31), date(2024, 8, 31)),
        (date(2024, 11, 30), date(2024, 12, 5)),  # late
        (date(2025, 2, 28), date(2025, 2, 1)),
        (date(2025, 6, 30), None),  # due after the period: not counted
    ]:
        MilestoneFactory(
            partnership=partnership,
            due_date=due,
            delivered_date=delivered,
            state="delivered" if delivered else "planned",
        )
    row = _rating_of(_assess(partnership, sam), kpi)
    assert row.evidence["summary"] == {"milestones due": "4", "delivered by their due date": "3"}
    assert (row.score, row.proposed_rating) == (Decimal("75.0000"), Rating.REQUIRES_IMPROVEMENT)
    # The page gives the milestones' dates in words; the stored evidence keeps them ISO.
    assert row.evidence["rows"][2][1:3] == ["2024-11-30", "2024-12-05"]
    client.force_login(sam)
    page = client.get(reverse("partnerships:assessment", args=[row.assessment_id])).content
    assert "<td>30 November 2024</td><td>5 December 2024</td>" in page.decode()


def test_fewer_than_three_kpis_are_refused_when_section_52_applies(partnership, sam, ada, sla):
    assert partnership.section_52_applies  # £12m a year for ten years
    _kpi(partnership, ada, "Availability", slas=[sla])
    _kpi(partnership, ada, "Milestones on time", measure=KpiMeasure.MILESTONES)
    with pytest.raises(ValidationError) as refused:
        _assess(partnership, sam)
    assert refused.value.message_dict["kpis"] == [
        "Section 52 of the Procurement Act 2023 requires at least 3 key performance "
        "indicators for this contract (estimated value over £5 million, no exemption "
        "recorded); it has 2."
    ]
    assert not Assessment.objects.exists()


def test_section_52_applies_over_five_million_without_an_exemption(partnership):
    # No estimate recorded: £12,000,000.00 a year for 120 months.
    assert partnership.contract_value == Decimal("120000000.00")
    partnership.estimated_value = Decimal("5000000.00")  # not *more* than £5 million
    assert not partnership.section_52_applies
    partnership.estimated_value = Decimal("5000000.01")
    assert partnership.section_52_applies
    partnership.section_52_exemption = "Section 52(2): a light-touch contract."
    assert not partnership.section_52_applies


def test_the_smt_rates_with_a_reason_where_it_departs_from_the_proposal(
    partnership, sam, sla, three_kpis
):
    _series(sla, *([MET] * 12))
    row = _rating_of(_assess(partnership, sam), three_kpis)
    assert row.proposed_rating == Rating.GOOD
    with pytest.raises(ValidationError) as refused:
        services.rate(rating=row, actor=sam, value=Rating.APPROACHING)
    assert refused.value.message_dict["reason"] == [
        "Give a reason for rating Approaching target when the evidence proposes Good."
    ]
    with pytest.raises(ValidationError) as refused:
        services.rate(rating=row, actor=sam, value=Rating.OTHER, reason="  ")
    assert "Explain the rating Other" in refused.value.message_dict["reason"][0]
    accepted = services.rate(rating=row, actor=sam, value=Rating.GOOD)
    assert (accepted.rating, accepted.reason) == (Rating.GOOD, "")
    other = services.rate(
        rating=row, actor=sam, value=Rating.OTHER, reason="Service transferred mid-year."
    )
    assert other.rating == Rating.OTHER


def test_only_the_smt_assesses(partnership, pat, alice, audrey, sla, three_kpis):
    for person in (pat, alice, audrey):
        with pytest.raises(PermissionDenied):
            _assess(partnership, person)


def test_approve_locks_and_reopen_keeps_the_history(partnership, sam, pat, sla, three_kpis):
    _series(sla, *([MET] * 12))
    assessment = _assess(partnership, sam)
    with pytest.raises(ValidationError) as refused:
        services.approve(assessment=assessment, actor=sam)
    assert "Rate every KPI first" in refused.value.message_dict["ratings"][0]
    assert not Assessment.objects.visible_to(pat).exists()  # the partner never sees a draft
    for row in assessment.ratings.all():
        services.rate(
            rating=row, actor=sam, value=row.proposed_rating or Rating.OTHER, reason="No data."
        )
    approved = services.approve(assessment=assessment, actor=sam)
    assert approved.is_approved and approved.approved_by == sam
    assert list(Assessment.objects.visible_to(pat)) == [approved]
    row = _rating_of(approved, three_kpis)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.rate(rating=row, actor=sam, value=Rating.INADEQUATE, reason="Changed my mind")
    with pytest.raises(ValidationError) as refused:
        services.reopen(assessment=approved, actor=sam, reason="")
    assert refused.value.message_dict["reason"] == ["Give the reason for reopening the assessment."]
    reopened = services.reopen(assessment=approved, actor=sam, reason="Disputed March figure")
    assert reopened.state == "draft" and reopened.approved_at is None
    reasons = list(
        reopened.history.order_by("history_id").values_list("history_change_reason", "state")
    )
    assert reasons[-2:] == [("Approved", "approved"), ("Reopened: Disputed March figure", "draft")]
    assert not Assessment.objects.visible_to(pat).exists()


def test_thresholds_out_of_order_name_the_field(partnership, ada, sla):
    kpi = ContractKpi(
        partnership=partnership,
        title="Availability",
        measure=KpiMeasure.SLAS,
        good_from=Decimal("80"),
        approaching_from=Decimal("90"),
    )
    with pytest.raises(ValidationError) as refused:
        services.save_contract_kpi(kpi=kpi, actor=ada, slas=[sla])
    assert refused.value.message_dict["approaching_from"] == [
        "The Approaching target threshold cannot be above the Good threshold."
    ]


def test_the_proposal_rates_the_score_rounded_to_one_place():
    defaults = Thresholds(**DEFAULT_THRESHOLDS)
    assert proposed_rating(score=Decimal("94.95"), serious_share=None, thresholds=defaults) == (
        Rating.GOOD
    )
    assert proposed_rating(score=Decimal("94.9499"), serious_share=None, thresholds=defaults) == (
        Rating.APPROACHING
    )
    assert proposed_rating(score=None, serious_share=None, thresholds=defaults) is None


def test_the_next_notice_is_due_12_months_on_or_at_the_contract_end(
    partnership, sam, sla, three_kpis
):
    # Nothing assessed yet: due 12 months after the start (1 April 2020), long overdue.
    assert next_notice_due(partnership, TODAY, drafts=True) == (
        NoticeDue(date(2021, 3, 31), "12 months after the contract started", overdue=True)
    )
    assessment = _assess(partnership, sam)
    for row in assessment.ratings.all():
        services.rate(rating=row, actor=sam, value=Rating.OTHER, reason="Too little data.")
    assert next_notice_due(partnership, TODAY, drafts=True).due_on == date(
        2021, 3, 31
    )  # a draft counts not
    services.approve(assessment=assessment, actor=sam)
    assert next_notice_due(partnership, TODAY, drafts=True) == (
        NoticeDue(date(2026, 3, 31), "12 months after the last assessed period", overdue=False)
    )
    partnership.end_date = date(2025, 12, 31)
    assert next_notice_due(partnership, TODAY, drafts=True) == (
        NoticeDue(date(2025, 12, 31), "at the end of the contract", overdue=True)
    )


def test_a_contract_started_on_29_february_has_anniversaries_a_year_apart(partnership):
    # The year before a leap-day anniversary has no 29 February: it starts on the 28th
    # (as the next notice's due date does), never a server error.
    partnership.start_date = date(2024, 2, 29)

    assert services.anniversary_period(partnership, date(2028, 2, 29)) == (
        date(2027, 2, 28),
        date(2028, 2, 28),
    )


def test_a_milestone_not_yet_due_is_not_counted_as_missed(partnership, sam, ada, sla):
    # An ad hoc period may end after today: a milestone falling due after today, not yet
    # delivered, has not been missed.
    _kpi(partnership, ada, "A", slas=[sla])
    _kpi(partnership, ada, "B", slas=[sla])
    kpi = _kpi(partnership, ada, "Milestones on time", measure=KpiMeasure.MILESTONES)
    MilestoneFactory(
        partnership=partnership,
        due_date=date(2025, 3, 31),
        delivered_date=date(2025, 3, 20),
        state="delivered",
    )
    MilestoneFactory(partnership=partnership, due_date=date(2025, 6, 30), state="planned")
    assessment = services.start_assessment(
        partnership=partnership,
        actor=sam,
        kind=AssessmentKind.AD_HOC,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        today=date(2025, 5, 1),
    )

    row = _rating_of(assessment, kpi)
    assert row.evidence["summary"] == {"milestones due": "1", "delivered by their due date": "1"}


def test_approval_refuses_a_rating_the_latest_proposal_no_longer_supports(
    partnership, sam, sla, three_kpis
):
    # Sam accepts Good on ten good months; two serious months arrive and the re-proposal
    # says Requires improvement (score 83.3): the accepted Good now differs, unexplained.
    _series(sla, *([MET] * 10))
    assessment = _assess(partnership, sam)
    for row in assessment.ratings.all():
        services.rate(
            rating=row,
            actor=sam,
            value=row.proposed_rating or Rating.OTHER,
            reason="" if row.proposed_rating else "No data.",
        )
    SlaResultFactory(sla=sla, period=MONTHS[10], reported_value=SERIOUS)
    SlaResultFactory(sla=sla, period=MONTHS[11], reported_value=SERIOUS)
    assessment = services.propose(assessment=assessment, actor=sam, today=TODAY)
    row = _rating_of(assessment, three_kpis)
    assert (row.proposed_rating, row.rating, row.reason) == (
        Rating.REQUIRES_IMPROVEMENT,
        Rating.GOOD,
        "",
    )
    with pytest.raises(ValidationError) as refused:
        services.approve(assessment=assessment, actor=sam)
    assert refused.value.message_dict["ratings"] == [
        "The evidence has changed since these KPIs were rated: rate them again, with a "
        "reason where the rating differs: Availability (Give a reason for rating Good when "
        "the evidence proposes Requires improvement.)"
    ]
    assessment.refresh_from_db()
    assert assessment.state == "draft"
    services.rate(rating=row, actor=sam, value=Rating.GOOD, reason="Both months disputed.")
    assert services.approve(assessment=assessment, actor=sam).is_approved


def test_the_approved_assessment_page_shows_the_kpis_as_they_were_approved(
    client, partnership, sam, ada, sla, three_kpis
):
    _series(sla, *([MET] * 12))
    assessment = _assess(partnership, sam)
    for row in assessment.ratings.all():
        services.rate(
            rating=row, actor=sam, value=row.proposed_rating or Rating.OTHER, reason="No data."
        )
    services.approve(assessment=assessment, actor=sam)
    kpi = three_kpis
    kpi.title, kpi.good_from, kpi.description = "Renamed later", Decimal("99"), "Added later"
    services.save_contract_kpi(kpi=kpi, actor=ada, slas=[sla])
    client.force_login(sam)
    page = client.get(reverse("partnerships:assessment", args=[assessment.pk])).content.decode()
    assert "Availability" in page and "Good: score 95% or more" in page
    assert "Renamed later" not in page and "99%" not in page and "Added later" not in page


def test_the_evidence_reads_in_the_order_it_was_written_on_either_database(
    partnership, sam, sla, three_kpis
):
    """A PostgreSQL jsonb object comes back with its keys sorted by length ("met" before
    "months"); the page reads the summary in its written order all the same."""
    _series(sla, MET, MINOR, SERIOUS)
    row = _rating_of(_assess(partnership, sam), three_kpis)
    row.refresh_from_db()
    names = [name for name, _ in row.evidence_summary]
    assert names[:4] == ["months", "results entered", "met", "minor failures"]
    assert dict(row.evidence_summary) == row.evidence["summary"]


def test_a_score_a_hair_below_a_half_is_stored_and_shown_as_it_was_proposed(
    client, partnership, sam, sla, three_kpis, monkeypatch
):
    """Evidence of 94.94996 is proposed as 94.9, Approaching target. Stored to four places
    it was rounded (half-even) to 94.9500 and the page showed 95.0 beside that rating; cut
    to 94.9499 it is shown as 94.9, the figure the rating was read from."""
    monkeypatch.setattr(
        services,
        "evidence_for",
        lambda kpi, **_: Evidence(score=Decimal("94.94996"), serious_share=Decimal("0.00004")),
    )

    assessment = _assess(partnership, sam)

    row = _rating_of(assessment, three_kpis)
    assert (row.score, row.serious_share) == (Decimal("94.9499"), Decimal("0.0000"))
    assert row.proposed_rating == Rating.APPROACHING
    client.force_login(sam)
    page = client.get(reverse("partnerships:assessment", args=[assessment.pk]))
    assert page.status_code == 200
    shown = [r["score"] for r in page.context["rows"] if r["rating"].kpi_id == three_kpis.pk]
    assert shown == ["94.9"]
