"""Reads for the contract pages: a partnership's KPIs with their SLAs, its assessments as
the reader may see them, and an assessment's ratings with their KPIs."""

from __future__ import annotations

from partnerships.contracts.models import Assessment, ContractKpi, KpiRating


def contract_kpis(partnership_id: int) -> list[ContractKpi]:
    """The partnership's KPIs (active first), each with its SLAs (two queries)."""
    return list(
        ContractKpi.objects.filter(partnership_id=partnership_id)
        .prefetch_related("slas")
        .order_by("-active", "title")
    )


def assessments_for(user, partnership_id: int) -> list[Assessment]:
    """The partnership's assessments the user may see (a partner: approved ones only)."""
    return list(
        Assessment.objects.visible_to(user)
        .filter(partnership_id=partnership_id)
        .select_related("approved_by")
        .order_by("-period_end", "-pk")
    )


def ratings_of(assessment: Assessment) -> list[KpiRating]:
    """The assessment's KPI ratings, by KPI title, with the KPI and who rated it."""
    return list(
        assessment.ratings.select_related("kpi", "rated_by").order_by("kpi__title", "kpi__pk")
    )
