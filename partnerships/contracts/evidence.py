"""The evidence of a KPI's performance over an assessment period, and the score it gives.

Read from the partnership's own records only (SLA results with their outcomes and
credits, milestones); ``reporting`` is not imported (DESIGN.md section 2). Months are the
months of the period that have ended by ``today`` (Europe/London); a month whose SLA
results deadline (10 working days) has not passed is provisional, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from django.utils.module_loading import import_string

from departments import periods
from departments.numbers import round_money
from partnerships.contracts.models import ContractKpi, KpiMeasure
from partnerships.models import Milestone, SlaResult, Verification
from partnerships.outcomes import Outcome, sla_credit, sla_outcome

HUNDRED = Decimal(100)


@dataclass
class Evidence:
    """A KPI's evidence: the score (0-100, exact), the share of months with a serious
    failure (percent, exact), the counts behind them and the table of rows."""

    score: Decimal | None = None
    serious_share: Decimal | None = None
    summary: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def as_json(self) -> dict:
        """What KpiRating.evidence stores: text only, so it reads back the same. The
        summary's order is kept as a list beside it: a PostgreSQL jsonb object keeps no
        key order, and its lines would read in another order than on SQLite."""
        return {
            "summary": self.summary,
            "summary_order": list(self.summary),
            "columns": self.columns,
            "rows": self.rows,
        }


def assessment_months(period_start: date, period_end: date, today: date) -> list[periods.Period]:
    """The months the period touches that have ended by ``today``."""
    months = periods.periods_between(
        periods.period_for_date(period_start), periods.period_for_date(period_end)
    )
    return [m for m in months if m.has_ended(today)]


# The evidence's line for missing SLA results, in every KPI's summary alike.
MISSING_MONTHS = "months with SLA results missing past their deadline"


def months_missing_results(slas, months: list[periods.Period], today: date) -> list[str]:
    """The keys of ``months`` whose SLA results deadline (10 working days, DESIGN.md
    section 3) has passed with a result of one of ``slas`` not entered: missing, not
    awaited (a month before its deadline is provisional). The one rule every KPI's
    evidence states, so a month held back never passes unseen."""
    slas = list(slas)
    due = _past_deadline(months, today)
    if not slas or not due:
        return []
    entered = set(
        SlaResult.objects.filter(sla__in=slas, period__in=[m.key for m in due]).values_list(
            "sla_id", "period"
        )
    )
    return _missing_from(slas, due, entered)


def _past_deadline(months: list[periods.Period], today: date) -> list[periods.Period]:
    return [m for m in months if today > m.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)]


def _missing_from(
    slas, due: list[periods.Period], entered: Container[tuple[int, str]]
) -> list[str]:
    """The keys of the months ``due`` in which an SLA of ``slas`` has no result among
    ``entered`` ((SLA id, period key) pairs): ``months_missing_results`` once read."""
    return [m.key for m in due if any((s.pk, m.key) not in entered for s in slas)]


def _share(part: int, whole: int) -> Decimal | None:
    return HUNDRED * part / whole if whole else None


def sla_evidence(
    kpi: ContractKpi, *, period_start: date, period_end: date, today: date
) -> Evidence:
    """Every month of every SLA of the KPI: the figure in force, its outcome (met, minor,
    serious, no result), the credit a serious failure earns (before the service's monthly
    cap), the dispute state and whether the month is provisional."""
    months = assessment_months(period_start, period_end, today)
    slas = list(kpi.slas.select_related("service").order_by("code"))
    results = {
        (r.sla_id, r.period): r
        for r in SlaResult.objects.filter(sla__in=slas, period__in=[m.key for m in months])
    }
    counts = dict.fromkeys(Outcome, 0)
    serious_months: set[str] = set()
    months_with_results: set[str] = set()
    provisional: set[str] = set()
    credits = Decimal("0.00")
    open_disputes = resolved_disputes = 0
    rows = []
    for month in months:
        month_provisional = today <= month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)
        for sla in slas:
            result = results.get((sla.pk, month.key))
            outcome = sla_outcome(sla, result)
            counts[outcome] += 1
            credit = sla_credit(sla, outcome)
            credits += credit
            if result is not None:
                months_with_results.add(month.key)
                open_disputes += result.verification == Verification.DISPUTED
                resolved_disputes += result.verification == Verification.RESOLVED
            if outcome == Outcome.SERIOUS:
                serious_months.add(month.key)
            if month_provisional:
                provisional.add(month.key)
            rows.append(
                [
                    month.key,
                    month.label,
                    sla.code,
                    "" if result is None else f"{result.value_in_force.normalize():f}",
                    outcome.label,
                    f"{credit:.2f}",
                    "" if result is None else result.get_verification_display(),
                    "Provisional" if month_provisional else "",
                ]
            )
    entered = counts[Outcome.MET] + counts[Outcome.MINOR] + counts[Outcome.SERIOUS]
    # The results read above answer which months miss one: not read a second time.
    missing = _missing_from(slas, _past_deadline(months, today), results.keys())
    score = (
        HUNDRED * (counts[Outcome.MET] + counts[Outcome.MINOR] / Decimal(2)) / entered
        if entered
        else None
    )
    return Evidence(
        score=score,
        serious_share=_share(len(serious_months), len(months_with_results)),
        summary={
            "months": str(len(months)),
            "results entered": str(entered),
            "met": str(counts[Outcome.MET]),
            "minor failures": str(counts[Outcome.MINOR]),
            "serious failures": str(counts[Outcome.SERIOUS]),
            "no result": str(counts[Outcome.MISSING]),
            "months with a serious failure": str(len(serious_months)),
            "service credits (GBP, before the monthly cap)": f"{round_money(credits):.2f}",
            "disputes open": str(open_disputes),
            "disputes resolved": str(resolved_disputes),
            "provisional months": str(len(provisional)),
            MISSING_MONTHS: str(len(missing)),
        },
        columns=[
            "Period",
            "Month",
            "SLA",
            "Figure in force",
            "Outcome",
            "Credit (GBP)",
            "Verification",
            "Provisional",
        ],
        rows=rows,
    )


def milestone_evidence(
    kpi: ContractKpi, *, period_start: date, period_end: date, today: date
) -> Evidence:
    """The milestones due in the period and whether each was delivered by its due date
    (the same "kept" rule as contract health's milestones component)."""
    milestones = Milestone.objects.filter(
        # Only milestones already due: one falling due after today is not yet missed.
        partnership_id=kpi.partnership_id,
        due_date__gte=period_start,
        due_date__lte=min(period_end, today),
    ).order_by("due_date", "pk")
    rows = []
    kept = 0
    for m in milestones:
        on_time = bool(m.delivered_date and m.delivered_date <= m.due_date)
        kept += on_time
        rows.append(
            [
                m.title,
                m.due_date.isoformat(),
                m.delivered_date.isoformat() if m.delivered_date else "",
                m.get_state_display(),
                "Yes" if on_time else "No",
            ]
        )
    return Evidence(
        score=_share(kept, len(rows)),
        serious_share=None,
        summary={"milestones due": str(len(rows)), "delivered by their due date": str(kept)},
        columns=["Milestone", "Due", "Delivered", "State", "On time"],
        rows=rows,
    )


EvidenceReader = Callable[..., Evidence]

# How each measure's evidence is read, by the dotted path of its reader, declared here
# where it is read. Contract health is a ``reporting`` metric, which this app may not
# import (DESIGN.md section 2): it is named by its path and loaded when first read, so
# the dependency still runs one way.
MEASURE_READERS: dict[str, str] = {
    KpiMeasure.SLAS: "partnerships.contracts.evidence.sla_evidence",
    KpiMeasure.MILESTONES: "partnerships.contracts.evidence.milestone_evidence",
    KpiMeasure.CONTRACT_HEALTH: "reporting.metrics.contract_kpis.contract_health_evidence",
}


@cache
def measure_reader(measure: str) -> EvidenceReader | None:
    """The function that reads ``measure``'s evidence; None when nothing reads it."""
    path = MEASURE_READERS.get(measure)
    return import_string(path) if path else None


def evidence_for(
    kpi: ContractKpi, *, period_start: date, period_end: date, today: date
) -> Evidence:
    """The KPI's evidence over the period, by what it is built from; no evidence (and so
    no proposal) when nothing reads that measure."""
    read = measure_reader(kpi.measure)
    if read is None:
        return Evidence(summary={"evidence": "Not available for this measure"})
    return read(kpi, period_start=period_start, period_end=period_end, today=today)
