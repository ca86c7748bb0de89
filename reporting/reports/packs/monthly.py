"""The monthly performance pack: what it holds for one reader and one month.

Cover, contents, the council overview, each department's indicators (commentary on
red), contract health and service credits, coordination, the combined view with its
finding in words, early warnings and a data-quality appendix. Every figure comes from
the metric functions the pages use; the charts are the pages' own chart builders.

Scope (DESIGN.md section 4): SMT, auditors and administrators get the council; a head
of service or officer their own departments (with the health of the partner services
they depend on, not the contract); a partner manager their partnership's contract, and
nothing of departments' returns or referrals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from departments.benchmarks.selectors import groups_for
from departments.models import ComparatorGroup, Council, Department, PerformanceIndicator
from departments.periods import Period
from departments.roles import scope_for
from partnerships.models import Partnership, Service
from partnerships.outcomes import NO_CREDIT
from reporting.charts.base import Chart
from reporting.charts.combined import combined_context
from reporting.charts.dashboards import contract_health_chart, rag_by_department_chart
from reporting.figures.combined import cached_combined_figures
from reporting.metrics.benchmark_series import IndicatorComparison, indicator_comparisons
from reporting.metrics.combined import DepartmentRelation
from reporting.metrics.coordination import (
    Coordination,
    coordination_by_department,
    council_coordination,
)
from reporting.metrics.dependency import DependencyHealth, dependency_health
from reporting.metrics.health import (
    ContractHealth,
    ServiceMonth,
    contract_health_series,
    credits_year_to_date,
    trailing_months,
)
from reporting.metrics.relation import Relation
from reporting.metrics.returns import IndicatorRow, counts_by_department, indicator_rows
from reporting.metrics.status import FigureStatus, returns_status
from reporting.models import EarlyWarning
from reporting.reports.exports.parameters import ReportParameters
from reporting.reports.exports.warnings import warnings_for
from reporting.selectors import readable_departments


@dataclass(frozen=True)
class DepartmentSection:
    department: Department
    rows: list[IndicatorRow]
    counts: Counter
    coordination: Coordination | None
    dependency: DependencyHealth | None


@dataclass(frozen=True)
class PartnershipSection:
    partnership: Partnership
    series: list[ContractHealth]  # 24 months to the pack's month
    services: list[tuple[Service, ServiceMonth, Decimal | None]]  # month, credits to date
    credits_to_date: Decimal
    chart: Chart

    @property
    def current(self) -> ContractHealth:
        return self.series[-1]


@dataclass(frozen=True)
class CombinedSection:
    """One combined view, exactly as its page shows it: the council's partner health
    against its coordination (with every department's own relation), or one department's
    dependency health against its coordination."""

    subject: str
    relation: Relation
    finding: str
    trend: Chart
    scatter: Chart
    departments: list[DepartmentRelation] = field(default_factory=list)
    health_now: Decimal | None = None  # the council's: partner health in the pack's month
    health_status: FigureStatus | None = None


@dataclass(frozen=True)
class MonthlyPack:
    month: Period
    parameters: ReportParameters
    signed_off_at: datetime | None
    council_wide: bool
    departments: list[DepartmentSection]
    partnerships: list[PartnershipSection]
    coordination: list[Coordination]  # the council's or the reader's departments' rows
    combined: list[CombinedSection]
    warnings: list[EarlyWarning]
    missing: list[IndicatorRow]
    late: list[IndicatorRow]
    overview_charts: list[Chart] = field(default_factory=list)
    statutory: list[IndicatorRow] = field(default_factory=list)
    returns_status: FigureStatus | None = None  # of the month's returns in the pack
    # The latest published comparison of the pack's indicators with the first group.
    benchmarks: list[IndicatorComparison] = field(default_factory=list)
    benchmark_group: ComparatorGroup | None = None


def _pack_departments(user, parameters: ReportParameters) -> list[Department]:
    # A partner manager sees the departments their services serve by name only.
    departments = readable_departments(user)
    if parameters.department:
        departments = [d for d in departments if d.pk == parameters.department.pk]
    return departments


def _pack_partnerships(user, parameters: ReportParameters) -> list[Partnership]:
    partnerships = Partnership.objects.visible_to(user).order_by("pk")
    if parameters.partnership:
        partnerships = partnerships.filter(pk=parameters.partnership.pk)
    return list(partnerships)


def monthly_pack(*, user, parameters: ReportParameters) -> MonthlyPack:
    """The pack's content for ``user`` (their scope) and the parameters' month."""
    month = parameters.month
    months = trailing_months(month)
    council_wide = scope_for(user).council_wide
    whole_council = council_wide and parameters.department is None
    departments = _pack_departments(user, parameters)
    ids = [d.pk for d in departments]
    rows = (
        indicator_rows(
            indicators=PerformanceIndicator.objects.filter(department__in=ids), month=month
        )
        if ids
        else []
    )
    rows = [row for row in rows if row.period is not None]
    counts = counts_by_department(rows)
    # The month's coordination of every active department when the whole council is
    # shown (reach and the council figure need them all); of the reader's otherwise.
    by_department = (
        coordination_by_department(periods=[month])
        if whole_council
        else coordination_by_department(periods=[month], department_ids=ids)
        if ids
        else {}
    )
    dependencies = dependency_health(months=[month], department_ids=ids) if ids else {}
    sections = [
        DepartmentSection(
            department=d,
            rows=[row for row in rows if row.department_id == d.pk],
            counts=counts.get(d.pk, Counter()),
            coordination=by_department.get((d.pk, month.key)),
            dependency=dependencies.get((d.pk, month.key)),
        )
        for d in departments
    ]
    partnership_sections = [
        _partnership_section(p, month, months) for p in _pack_partnerships(user, parameters)
    ]
    overview_charts: list[Chart] = []
    combined: list[CombinedSection] = []
    if whole_council:
        council = council_coordination(periods=[month], by_department=by_department)
        coordination_rows = [council[-1], *[s.coordination for s in sections if s.coordination]]
        overview_charts = [
            rag_by_department_chart(
                month, departments, {d.pk: counts.get(d.pk, Counter()) for d in departments}
            ),
        ]
        figures, _ = cached_combined_figures(
            month, departments=departments, partnership=parameters.partnership
        )
        combined.append(_combined_section("Council", combined_context(figures, council_wide=True)))
    else:
        coordination_rows = [s.coordination for s in sections if s.coordination]
        for d in departments:
            figures, _ = cached_combined_figures(month, departments=[d], partnership=None)
            combined.append(
                _combined_section(d.name, combined_context(figures, council_wide=False))
            )
    warnings = warnings_for(user, parameters)
    group = groups_for(user).first()
    council = Council.objects.first()
    compared = []
    if group is not None and council is not None and ids:
        compared = indicator_comparisons(
            indicators=PerformanceIndicator.objects.filter(department__in=ids),
            group=group,
            council=council,
            ended_by=month.end,
        )
    return MonthlyPack(
        month=month,
        parameters=parameters,
        signed_off_at=parameters.signed_off_at(),
        council_wide=whole_council,
        departments=sections,
        partnerships=partnership_sections,
        coordination=coordination_rows,
        combined=combined,
        warnings=warnings,
        missing=[row for row in rows if row.missing],
        late=[row for row in rows if row.late],
        overview_charts=overview_charts,
        statutory=[row for row in rows if row.indicator.statutory],
        returns_status=returns_status(month=month, rows=rows, today=timezone.localdate()),
        benchmarks=[row for row in compared if row.item is not None],
        benchmark_group=group,
    )


def _partnership_section(
    partnership: Partnership, month: Period, months: list[Period]
) -> PartnershipSection:
    series = contract_health_series(partnership=partnership, months=months)
    by_service = {s.service_id: s for s in series[-1].services}
    to_date = credits_year_to_date(partnership=partnership, period=month)
    services = [
        (service, by_service[service.pk], to_date.get(service.pk))
        for service in Service.objects.filter(partnership=partnership).order_by("name")
        if service.pk in by_service
    ]
    return PartnershipSection(
        partnership=partnership,
        series=series,
        services=services,
        credits_to_date=sum(to_date.values(), NO_CREDIT),
        chart=contract_health_chart(series),
    )


def _combined_section(subject: str, context: dict) -> CombinedSection:
    """The combined view page's own figures and charts (``combined_context`` of the
    page's cached figures), so the pack says what the page says."""
    return CombinedSection(
        subject=subject,
        relation=context["relation"],
        finding=context["finding"],
        trend=context["trend"],
        scatter=context["scatter"],
        departments=context["rows"] if context["council_wide"] else [],
        health_now=context.get("health_now"),
        health_status=context.get("health_status"),
    )
