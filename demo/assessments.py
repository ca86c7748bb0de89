"""The demo contract's performance notices (Procurement Act 2023): the details a notice
needs, four contract KPIs, an approved assessment of the contract year in which the
episode falls, and a draft assessment of the current year in progress. Written through
the services, as the SMT and an administrator would."""

from __future__ import annotations

from datetime import date

from departments import periods
from partnerships.contracts import plans, services
from partnerships.contracts.models import AssessmentKind, ContractKpi, KpiMeasure
from partnerships.contracts.ratings import Rating
from partnerships.models import Partnership, Sla

CONTRACT_DETAILS = {
    "procurement_title": "ICT Strategic Service Partnership",
    "procurement_identifier": "ocds-h6vhtk-04a1b2",
    "contract_identifier": "BRC-ICT-SSP-2020",
    "supplier_identifier": "GB-PPON-MDSL-0812-3456",
    "supplier_postal_address": "Meridian House, 1 Harbour Street, Bristol BS1 4AA",
    "supplier_email": "contracts@meridian-digital.example",
    "authority_identifier": "GB-PPON-BRCC-1234-5678",
    "authority_postal_address": "Civic Centre, Market Square, Exampletown EX1 1AA",
    "authority_email": "procurement@council.example",
}
NO_EVIDENCE = "No evidence in the period: rated on the contract board's review."


def build_contract_assessments(
    *,
    partnership: Partnership,
    episode_services: tuple[str, ...],
    episode_year: int,
    today: date,
    admin,
    smt,
    partner,
) -> int:
    """The notices' data for ``partnership``; the number of assessments written."""
    for name, value in CONTRACT_DETAILS.items():
        setattr(partnership, name, value)
    partnership.save()
    slas = list(Sla.objects.filter(service__partnership=partnership).select_related("service"))
    shared = [s for s in slas if s.service.code in episode_services]
    others = [s for s in slas if s.service.code not in episode_services]
    for title, measure, built_from, paid in (
        ("Availability of the shared systems", KpiMeasure.SLAS, shared, True),
        ("Service levels of the other services", KpiMeasure.SLAS, others, True),
        ("Milestones delivered on time", KpiMeasure.MILESTONES, [], False),
        ("Contract health", KpiMeasure.CONTRACT_HEALTH, [], False),
    ):
        services.save_contract_kpi(
            kpi=ContractKpi(
                partnership=partnership, title=title, measure=measure, linked_to_payment=paid
            ),
            actor=admin,
            slas=built_from,
        )
    # The contract year (1 April to 31 March, as the contract starts on 1 April) in which
    # the episode falls: approved with the proposals accepted.
    approved = services.start_assessment(
        partnership=partnership,
        actor=smt,
        kind=AssessmentKind.ANNIVERSARY,
        period_end=date(episode_year + 1, partnership.start_date.month, partnership.start_date.day),
        today=today,
    )
    for row in approved.ratings.all():
        services.rate(
            rating=row,
            actor=smt,
            value=row.proposed_rating or Rating.OTHER,
            reason="" if row.proposed_rating else NO_EVIDENCE,
        )
    services.approve(assessment=approved, actor=smt)
    # The shared systems' KPI fell below target in the episode: a plan, progressed by the
    # partner and met.
    below = approved.ratings.filter(rating__in=plans.RATINGS_NEEDING_A_PLAN).order_by("kpi__title")
    for rating in below[:1]:
        plan = plans.record_plan(
            partnership=partnership,
            actor=smt,
            kpi_rating=rating,
            action="Move the case-management database to the resilient cluster and report "
            "availability weekly until three months in a row meet the expected level.",
            owner="Partner service director",
            due_date=approved.period_end.replace(month=6, day=30),
            # Recorded as the contract year closed, before it fell due.
            today=approved.period_end,
        )
        plans.update_progress(
            plan=plan, actor=partner, progress="Cluster live in May; three months met since."
        )
        plans.close_plan(plan=plan, actor=smt, state="met", reason="Availability restored.")
    # This year so far: a draft, ratings proposed, none yet decided.
    latest = periods.latest_closed(periods.PeriodKind.MONTH, today)
    services.start_assessment(
        partnership=partnership,
        actor=smt,
        kind=AssessmentKind.AD_HOC,
        period_start=date(latest.year, 4, 1),
        period_end=latest.end,
        today=today,
    )
    return 2
