"""The small council the API sweeps run against: a persona per role and one record of
each kind in a known state (a draft, a submitted and a locked return of Housing, a
referral from Finance to Housing, an SLA result entered and one disputed, ...).

alice (officer) and harriet (head) are Housing's, sam is SMT, pat the partner's manager,
audrey an auditor, ada an administrator, and bob Finance's officer, for whom Housing's
records are out of scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ImportJob,
    ReturnState,
)
from departments.returns.sign_off import sign_off_period
from departments.roles import Role
from departments.tokens.services import create_token
from partnerships.contracts.breaches import approve_notice, record_notice
from partnerships.contracts.models import AssessmentKind, ContractKpi, KpiMeasure
from partnerships.contracts.plans import record_plan
from partnerships.contracts.ratings import Rating
from partnerships.contracts.services import approve, rate, save_contract_kpi, start_assessment
from publication.services import PublicationWords, set_publication
from reporting.models import EarlyWarning, ReportRun, ReportState, WarningRule
from scrutiny import services as scrutiny_services
from scrutiny.models import ScrutinyCommittee, Subject
from tests.factories import (
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MembershipFactory,
    MilestoneFactory,
    ReferralFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
    UserFactory,
)


@dataclass
class Council:
    users: dict[str, object]
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def persona(username: str, role: str, **scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **{"department": None, **scope})
    return user


def personas(housing, finance, partnership) -> dict[str, object]:
    return {
        "officer": persona("alice", Role.OFFICER, department=housing),
        "head": persona("harriet", Role.HEAD, department=housing),
        "smt": persona("sam", Role.SMT),
        "partner": persona("pat", Role.PARTNER, partnership=partnership),
        "auditor": persona("audrey", Role.AUDITOR),
        "admin": persona("ada", Role.ADMIN),
        "other_officer": persona("bob", Role.OFFICER, department=finance),
        "member": persona("mo", Role.MEMBER),
    }


def build_council(housing, finance, partnership) -> Council:
    users = personas(housing, finance, partnership)
    officer = users["officer"]
    indicator = IndicatorFactory(department=housing, code="LPI-HOU-03")
    target = TargetFactory(indicator=indicator, financial_year=2025)
    service = ServiceFactory(partnership=partnership, code="case-management")
    service.departments.add(housing)
    sla = SlaFactory(service=service)

    def a_return(period: str, state: str, **extra):
        return KpiReturnFactory(indicator=indicator, period=period, state=state, **extra).pk

    sign_off_period(period_key="2025-26-P06", actor=users["smt"])
    publication = set_publication(
        indicator=indicator,
        actor=users["smt"],
        published=True,
        words=PublicationWords("Homes let on time", "Homes let within 28 days.", "homes"),
    )
    kpi, draft, approved = contract_assessments(partnership, sla, users)

    def breach(on: date):
        return record_notice(
            partnership=partnership,
            actor=users["smt"],
            kind="breach",
            what_happened="Backups were not taken for six weeks.",
            occurred_on=on,
            action_taken="settlement",
        )

    group, metric = _benchmarking(housing.council, indicator)
    council = Council(users=users)
    council.ids = {
        "council": housing.council_id,
        "department": housing.pk,
        "indicator": indicator.pk,
        "publication": publication.pk,
        "target": target.pk,
        "partner": partnership.partner_id,
        "partnership": partnership.pk,
        "service": service.pk,
        "sla": sla.pk,
        "draft": a_return("2025-26-P04", ReturnState.DRAFT),
        # After the signed-off September: a return of an earlier month waiting for approval
        # would keep September from elected members (reporting.signed_off).
        "submitted": a_return(
            "2025-26-P08",
            ReturnState.SUBMITTED,
            submitted_by=officer,
            submitted_at=timezone.now(),
        ),
        # Approved and locked before the month's sign-off above, as sign-off locks them:
        # the portal publishes a figure the SMT signed off after its approval.
        "locked": a_return(
            "2025-26-P06",
            ReturnState.LOCKED,
            approved_at=timezone.now() - timedelta(days=1),
            locked_at=timezone.now() - timedelta(days=1),
        ),
        "referral": ReferralFactory(
            from_department=finance, to_department=housing, raised_on=date(2026, 11, 2)
        ).pk,
        "result": SlaResultFactory(sla=sla, period="2025-26-P06").pk,
        "disputed": SlaResultFactory(
            sla=sla, period="2025-26-P07", verification="disputed", dispute_reason="Too high"
        ).pk,
        "milestone": MilestoneFactory(partnership=partnership).pk,
        "escalation": EscalationFactory(partnership=partnership).pk,
        "risk": RiskFactory(partnership=partnership).pk,
        "token": create_token(user=officer, name="Spreadsheet").token.pk,
        "warning": EarlyWarning.objects.create(
            rule=WarningRule.STATUTORY_RED,
            subject_key=f"indicator:{indicator.pk}",
            subject_label=str(indicator),
            starting_period="2025-26-P04",
            latest_period="2025-26-P06",
            department=housing,
            indicator=indicator,
        ).pk,
        # A run of the officer's that failed: its download answers 410, and it can be retried.
        "report": ReportRun.objects.create(
            kind="returns",
            file_format="csv",
            parameters={"period": "2025-26-P06"},
            batch=uuid.uuid4(),
            requested_by=officer,
            state=ReportState.FAILED,
            error="The database was unavailable.",
        ).pk,
        "kpi": kpi.pk,
        "assessment": draft.pk,
        "approved_assessment": approved.pk,
        "plan": record_plan(
            partnership=partnership,
            actor=users["smt"],
            sla=sla,
            action="Restore availability above 99.5%.",
            owner="Partner service director",
            due_date=date(2026, 12, 31),
            today=date(2026, 11, 1),
        ).pk,
        "performance_notice": breach(date(2026, 11, 2)).pk,
        "approved_performance_notice": approve_notice(
            notice=breach(date(2026, 10, 5)), actor=users["smt"]
        ).pk,
        "group": group.pk,
        "metric": metric.pk,
        "import": ImportJob.objects.create(
            kind="returns", created_by=officer, original_name="returns.csv", file_format="csv"
        ).pk,
        **_scrutiny(users, indicator),
    }
    return council


def _scrutiny(users, indicator) -> dict[str, int]:
    """The member's committee, an open question on Housing's indicator and one answered."""
    committee = ScrutinyCommittee.objects.create(name="Overview and Scrutiny")
    committee.members.add(users["member"])

    def asked():
        return scrutiny_services.ask(
            actor=users["member"],
            subject=Subject.INDICATOR,
            indicator=indicator,
            period_key="2025-26-P06",
            text="Why did re-lets slow?",
            committee=committee,
        )

    answered = scrutiny_services.answer(item=asked(), actor=users["head"], text="Major works.")
    return {"committee": committee.pk, "scrutiny_item": asked().pk, "answered_item": answered.pk}


def contract_assessments(partnership, sla, users):
    """The contract's details, three KPIs (section 52 applies), a draft assessment with
    every KPI rated (so it can be approved) and an approved one (with its notice)."""
    for name in (
        "procurement_title",
        "procurement_identifier",
        "contract_identifier",
        "supplier_identifier",
        "supplier_postal_address",
        "authority_identifier",
        "authority_postal_address",
    ):
        setattr(partnership, name, f"{name.replace('_', ' ').capitalize()} of the contract")
    partnership.supplier_email = "contracts@partner.example"
    partnership.authority_email = "procurement@council.example"
    partnership.save()
    kpis = [
        save_contract_kpi(
            kpi=ContractKpi(partnership=partnership, title=title, measure=measure),
            actor=users["admin"],
            slas=[sla] if measure == KpiMeasure.SLAS else [],
        )
        for title, measure in (
            ("Availability", KpiMeasure.SLAS),
            ("Incident resolution", KpiMeasure.SLAS),
            ("Milestones on time", KpiMeasure.MILESTONES),
        )
    ]

    def rated(start: date, end: date):
        assessment = start_assessment(
            partnership=partnership,
            actor=users["smt"],
            kind=AssessmentKind.AD_HOC,
            period_start=start,
            period_end=end,
        )
        for row in assessment.ratings.all():
            rate(rating=row, actor=users["smt"], value=Rating.OTHER, reason="Too little data.")
        return assessment

    approved = approve(assessment=rated(date(2024, 4, 1), date(2025, 3, 31)), actor=users["smt"])
    return kpis[0], rated(date(2025, 4, 1), date(2025, 9, 30)), approved


def _benchmarking(council, indicator) -> tuple[ComparatorGroup, BenchmarkMetric]:
    """A comparator group of three councils and the indicator's metric, two years of
    values, one of them missing."""
    council.area_code = "E09000001"
    council.save()
    group = ComparatorGroup.objects.create(
        council=council, name="Nearest neighbours", kind="nearest_neighbours", model_year=2020
    )
    peers = {"E09000002": "Barking", "E09000003": "Barnet", "E09000004": "Bexley"}
    for code, name in peers.items():
        group.members.create(area_code=code, area_name=name)
    metric = BenchmarkMetric.objects.create(
        council=council, code="NI192", title="Recycling", polarity="higher", indicator=indicator
    )
    figures = {"E09000001": ("41.5", "43.0"), "E09000002": ("38.0", None)}
    figures |= {"E09000003": ("45.1", "46.0"), "E09000004": ("40.2", "39.9")}
    for code, (first, second) in figures.items():
        name = peers.get(code, council.name)
        for period, value in (("2023-24", first), ("2024-25", second)):
            BenchmarkValue.objects.create(
                metric=metric,
                area_code=code,
                area_name=name,
                period=period,
                value=None if value is None else Decimal(value),
            )
    return group, metric
