"""The notice of a breach of contract or of a failure to perform (Procurement Act 2023,
section 71(4)) from its approved record, as a page, a tagged PDF, and JSON and CSV files
to transcribe into the central digital platform. The same machinery as the assessment's
notice (``notices``): the contract's details as they stood at approval, a fixed order,
no time of building, so rebuilding gives the same bytes and the same SHA-256."""

from __future__ import annotations

import json
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import pdf_from_html
from core.tabular import CSV_CONTENT_TYPE, csv_bytes
from departments.numbers import format_figure
from partnerships.contracts.details import PLAN_FIELDS, plan_details
from partnerships.contracts.models import NoticeKind, PerformanceNotice
from partnerships.contracts.notices import (
    NoticeFile,
    authority_fields,
    check_publishable,
    details_lines,
    iso_in_words,
    procurement_fields,
    supplier_fields,
)

NOTICE_TYPES = {
    NoticeKind.BREACH: "Contract performance notice (UK9): breach of contract",
    NoticeKind.POOR_PERFORMANCE: (
        "Contract performance notice (UK9): failure to perform to the contracting "
        "authority's satisfaction"
    ),
}
# The ground of each notice, in the words of section 71(4).
GROUNDS = {
    NoticeKind.BREACH: (
        "Section 71(4)(a) of the Procurement Act 2023: the supplier has breached the "
        "contract and the breach has resulted in the termination of the contract (in whole "
        "or in part), the award of damages, or a settlement agreement."
    ),
    NoticeKind.POOR_PERFORMANCE: (
        "Section 71(4)(b) of the Procurement Act 2023: the supplier is not performing the "
        "contract to the contracting authority's satisfaction, having been given a proper "
        "opportunity to improve performance, and has failed to do so."
    ),
}

CSV_COLUMNS = [
    "notice type",
    "contracting authority name",
    "contracting authority postal address",
    "contracting authority email address",
    "contracting authority unique identifier",
    "title of the procurement",
    "unique identifier of the procurement",
    "unique identifier of the public contract",
    "supplier name",
    "supplier postal address",
    "supplier email address",
    "supplier unique identifier",
    "ground for the notice",
    "what happened",
    "date",
    "action taken",
    "details of the action taken",
    "amount of damages (GBP)",
    "opportunity to improve: what the supplier was to do",
    "opportunity to improve: due by",
    "opportunity to improve: outcome",
    "date of the decision",
]


def _opportunity(notice: PerformanceNotice, details: dict) -> dict[str, str] | None:
    """The plan as it stood at approval; a notice approved before the snapshot kept it
    reads the plan as it stands."""
    plan = details["plan"] if "plan" in details else plan_details(notice.plan)
    # In the order plan_details writes: a PostgreSQL jsonb snapshot keeps no key order.
    return None if plan is None else {key: plan[key] for key in PLAN_FIELDS}


def notice_fields(notice: PerformanceNotice) -> dict:
    """The notice as named fields, the contract's details as they stood at approval.
    ValidationError when the record is a draft or a detail was missing at approval."""
    details = check_publishable(notice, what="breach or poor-performance notice")
    return {
        "notice type": NOTICE_TYPES[NoticeKind(notice.kind)],
        "contracting authority": authority_fields(details),
        **procurement_fields(details),
        "supplier": supplier_fields(details),
        "ground for the notice": GROUNDS[NoticeKind(notice.kind)],
        "what happened": notice.what_happened,
        "date": notice.occurred_on.isoformat(),
        "action taken": notice.get_action_taken_display(),
        "details of the action taken": notice.action_details,
        "amount of damages (GBP)": None if notice.damages is None else f"{notice.damages:.2f}",
        "opportunity to improve": _opportunity(notice, details),
        "date of the decision": timezone.localtime(notice.approved_at).date().isoformat(),
    }


def _stem(notice: PerformanceNotice) -> str:
    return (
        f"contract-performance-notice-{notice.partnership_id}-{notice.kind.replace('_', '-')}-"
        f"{notice.occurred_on.isoformat()}-{notice.pk}"
    )


def notice_json(notice: PerformanceNotice) -> NoticeFile:
    """The notice as UTF-8 JSON, two-space indented, keys in a fixed order."""
    text = json.dumps(notice_fields(notice), ensure_ascii=False, indent=2) + "\n"
    return NoticeFile(f"{_stem(notice)}.json", "application/json", text.encode("utf-8"))


def notice_csv(notice: PerformanceNotice) -> NoticeFile:
    """The notice as CSV: one row, a column per field."""
    fields = notice_fields(notice)
    authority, supplier = fields["contracting authority"], fields["supplier"]
    plan = fields["opportunity to improve"] or {}
    row = [
        fields["notice type"],
        authority["name"],
        authority["postal address"],
        authority["email address"],
        authority["unique identifier"],
        fields["title of the procurement"],
        fields["unique identifier of the procurement"],
        fields["unique identifier of the public contract"],
        supplier["name"],
        supplier["postal address"],
        supplier["email address"],
        supplier["unique identifier"],
        fields["ground for the notice"],
        fields["what happened"],
        fields["date"],
        fields["action taken"],
        fields["details of the action taken"],
        fields["amount of damages (GBP)"] or "",
        plan.get("what the supplier was to do", ""),
        plan.get("due by", ""),
        plan.get("outcome", ""),
        fields["date of the decision"],
    ]
    return NoticeFile(f"{_stem(notice)}.csv", CSV_CONTENT_TYPE, csv_bytes(CSV_COLUMNS, [row]))


def notice_lines(fields: dict) -> list[tuple[str, str]]:
    """The notice's fields as (field, text), for its page and its PDF."""
    plan = fields["opportunity to improve"]
    damages = fields["amount of damages (GBP)"]
    lines = [
        *details_lines(fields, fields["supplier"]),
        ("Ground for the notice", fields["ground for the notice"]),
        ("What happened", fields["what happened"]),
        ("Date", iso_in_words(fields["date"])),
        ("Action taken", fields["action taken"]),
        ("Details of the action taken", fields["details of the action taken"] or "–"),
    ]
    if damages is not None:
        lines.append(("Amount of damages", f"£{format_figure(Decimal(damages), 2)}"))
    if plan is not None:
        lines += [
            (
                "Opportunity to improve: what the supplier was to do",
                plan["what the supplier was to do"],
            ),
            ("Opportunity to improve: due by", iso_in_words(plan["due by"])),
            ("Opportunity to improve: outcome", _outcome_in_words(plan["outcome"])),
        ]
    lines.append(("Date of the decision", iso_in_words(fields["date of the decision"])))
    return lines


def _outcome_in_words(outcome: str) -> str:
    """ "Failed (2026-04-02)" as "Failed (2 April 2026)"; an open plan's outcome as it is."""
    state, _, closed = outcome.partition(" (")
    return f"{state} ({iso_in_words(closed.rstrip(')'))})" if closed else outcome


def notice_pdf(notice: PerformanceNotice) -> NoticeFile:
    """The notice as a tagged PDF for publication (PDF/UA-1), every field with its name."""
    fields = notice_fields(notice)
    html = render_to_string(
        "partnerships/notice_pdf.html",
        {
            "title": fields["title of the procurement"],
            "heading": fields["notice type"].partition(": ")[2].capitalize() + " notice",
            "caption": "The fields of a notice under section 71(4) of the Procurement Act 2023",
            "lines": notice_lines(fields),
            "kpi_rows": [],
        },
    )
    return NoticeFile(f"{_stem(notice)}.pdf", "application/pdf", pdf_from_html(html))


NOTICE_FORMATS = {"json": notice_json, "csv": notice_csv, "pdf": notice_pdf}
