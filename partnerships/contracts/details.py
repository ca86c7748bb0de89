"""The contract's details a notice needs (Procurement Regulations 2024, regulation 39(4)),
taken as a snapshot when an assessment or a breach or poor-performance notice is
approved, so a later edit of the partnership's details never changes a published notice.

Plain attribute reads, so the migration that took the first snapshots calls it too."""

from __future__ import annotations

# The contract details each notice needs, by the regulation's words (reg. 39(4)): the
# partnership's field, and what the regulation calls it.
REQUIRED_DETAILS = {
    "authority_postal_address": "the contracting authority's postal address",
    "authority_email": "the contracting authority's email address",
    "procurement_title": "the title of the procurement",
    "procurement_identifier": "the unique identifier of the procurement",
    "contract_identifier": "the unique identifier of the public contract",
    "supplier_identifier": "the supplier's unique identifier",
    "supplier_postal_address": "the supplier's postal address",
    "supplier_email": "the supplier's email address",
}
# Recorded too, though the regulation does not make the authority's identifier required.
OPTIONAL_DETAILS = ("authority_identifier",)


def contract_details(partnership) -> dict[str, str]:
    """The partnership's notice details as they stand now: the council's and the
    supplier's names and every field of ``REQUIRED_DETAILS``, trimmed."""
    details = {
        "authority_name": partnership.council.name,
        "supplier_name": partnership.partner.name,
    }
    for name in (*REQUIRED_DETAILS, *OPTIONAL_DETAILS):
        details[name] = (getattr(partnership, name) or "").strip()
    return details


def missing_from(details: dict[str, str]) -> list[str]:
    """The required details a snapshot lacks, in the regulation's words."""
    return [words for name, words in REQUIRED_DETAILS.items() if not details.get(name, "")]


# The threshold fields of a KPI (ratings.DEFAULT_THRESHOLDS), named here so the
# migration that took the first snapshots needs no import of the ratings.
THRESHOLD_FIELDS = ("good_from", "approaching_from", "improvement_from", "serious_share_inadequate")


def kpi_details(kpi) -> dict[str, object]:
    """One KPI as the notice names it (its title, description and payment link), and its
    thresholds as text, so the approved assessment's page shows the mapping it was rated
    by."""
    return {
        "title": kpi.title,
        "description": kpi.description.strip(),
        "linked_to_payment": kpi.linked_to_payment,
        "thresholds": {name: str(getattr(kpi, name)) for name in THRESHOLD_FIELDS},
    }


# The fields of a plan in a poor-performance notice, in the order the notice gives them.
PLAN_FIELDS = ("what the supplier was to do", "due by", "outcome")


def plan_details(plan) -> dict[str, str] | None:
    """The rectification plan a poor-performance notice names, as it stood at the
    notice's approval (kept in ``PerformanceNotice.notice_details``): the plan may be
    closed later, and a published notice never changes. None without a plan."""
    if plan is None:
        return None
    outcome = plan.get_state_display()
    if plan.closed_on:
        outcome = f"{outcome} ({plan.closed_on.isoformat()})"
    return {
        "what the supplier was to do": plan.action,
        "due by": plan.due_date.isoformat(),
        "outcome": outcome,
    }


def notice_record_details(notice) -> dict[str, object]:
    """The snapshot a breach or poor-performance notice keeps at approval: the contract's
    details and the plan it names."""
    return {**contract_details(notice.partnership), "plan": plan_details(notice.plan)}


def assessment_details(assessment) -> dict[str, object]:
    """The snapshot an assessment keeps at approval: the contract's details and each
    rated KPI by id (``Assessment.notice_details``)."""
    return {
        **contract_details(assessment.partnership),
        "kpis": {
            str(r.kpi_id): kpi_details(r.kpi) for r in assessment.ratings.select_related("kpi")
        },
    }
