"""The evidence of a contract KPI built on contract health (Procurement Act 2023, section
52): the partnership's monthly contract health over the assessment period.

``partnerships`` may not import ``reporting`` (DESIGN.md section 2), so
``partnerships.contracts.evidence.MEASURE_READERS`` names this reader by its dotted path.
The KPI's score is the mean of the rated months' exact scores; a month whose contract
health is red (below 60) counts as a month of serious failure, so red in the KPI's stated
share of months or more proposes Inadequate, as serious SLA failures do.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from departments.numbers import format_figure, fraction_to_decimal
from departments.rating import Rag
from partnerships.contracts.evidence import (
    MISSING_MONTHS,
    Evidence,
    assessment_months,
    months_missing_results,
)
from partnerships.contracts.models import ContractKpi
from partnerships.models import Sla
from reporting.metrics.health import contract_health_series
from reporting.metrics.scores import exact_share


def contract_health_evidence(
    kpi: ContractKpi, *, period_start: date, period_end: date, today: date
) -> Evidence:
    """Each month of the period that has ended: its contract health, RAG and state."""
    months = assessment_months(period_start, period_end, today)
    series = contract_health_series(partnership=kpi.partnership, months=months, today=today)
    slas = Sla.objects.filter(service__partnership=kpi.partnership_id)
    rated = [h for h in series if h.exact is not None]
    red = [h for h in rated if h.rag == Rag.RED]
    provisional = [h for h in series if h.status.provisional]
    rows = [
        [
            h.period.key,
            h.period.label,
            format_figure(h.score, 1) if h.exact is not None else "",
            h.rag.label if h.exact is not None else "",
            h.status.label,
        ]
        for h in series
    ]
    return Evidence(
        # The mean of the months' exact health, kept as a decimal once (DESIGN.md 3).
        score=fraction_to_decimal(sum((h.exact for h in rated), Fraction(0)) / len(rated))
        if rated
        else None,
        serious_share=exact_share(len(red), len(rated)),
        summary={
            "months": str(len(series)),
            "months with a score": str(len(rated)),
            "months red (below 60)": str(len(red)),
            "provisional months": str(len(provisional)),
            MISSING_MONTHS: str(len(months_missing_results(slas, months, today))),
        },
        columns=["Period", "Month", "Contract health", "RAG", "State"],
        rows=rows,
    )
