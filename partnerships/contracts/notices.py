"""The Contract Performance Notice of an approved assessment (Procurement Act 2023,
section 71(2); Procurement Regulations 2024, regulation 39(4) and (5)), as a tagged PDF
for publication and JSON and CSV files whose field names are the regulation's words,
ready to transcribe into the central digital platform.

The files are built from stored rows only (the assessment's ratings and reasons, and the
contract's details as they stood when it was approved: ``Assessment.notice_details``, so
a later edit of the partnership's details or of a KPI never changes a published notice),
with a fixed order and no time of building, so the same rows give the same bytes; each
file carries its SHA-256. The CSV goes through ``core.tabular``, which neutralises
formula injection.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import pdf_from_html
from core.tabular import CSV_CONTENT_TYPE, csv_bytes
from departments.periods import date_in_words
from partnerships.contracts.details import kpi_details, missing_from
from partnerships.contracts.models import Assessment
from partnerships.contracts.ratings import RATING_MEANINGS, Rating

NOTICE_TYPE = "Contract performance notice (UK9): assessment against key performance indicators"
STATEMENT = (
    "This notice sets out the contracting authority's assessment of the supplier's "
    "performance against the key performance indicators set under section 52 of the "
    "Procurement Act 2023."
)
# The CSV's columns: one row per KPI, the notice's other fields repeated on each.
CSV_COLUMNS = [
    "notice type",
    "contracting authority name",
    "contracting authority postal address",
    "contracting authority email address",
    "contracting authority unique identifier",
    "title of the procurement",
    "unique identifier of the procurement",
    "unique identifier of the public contract",
    "statement",
    "supplier name",
    "supplier postal address",
    "supplier email address",
    "supplier unique identifier",
    "key performance indicator",
    "key performance indicator description",
    "linked to payment",
    "assessment of performance",
    "meaning of the rating",
    "explanation",
    "period the assessment covers: start",
    "period the assessment covers: end",
    "date of the assessment",
]


@dataclass(frozen=True)
class NoticeFile:
    filename: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def download(self) -> HttpResponse:
        """The file as an attachment, its SHA-256 in the X-Content-SHA256 header (the
        notice page and the API's download both answer with this)."""
        return HttpResponse(
            self.content,
            content_type=self.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{self.filename}"',
                "X-Content-SHA256": self.sha256,
            },
        )


def missing_details(assessment: Assessment) -> list[str]:
    """The regulation 39(4) details the contract had not recorded when the assessment was
    approved, in the regulation's words."""
    return missing_from(assessment.notice_details)


def check_publishable(record, *, what: str) -> dict[str, str]:
    """The details snapshot of an approved ``record`` (an assessment, or a breach or
    poor-performance notice). ValidationError when it is a draft, or when the contract's
    details were incomplete at its approval (it must be reopened and approved again)."""
    if not record.is_approved:
        raise ValidationError(f"A notice is produced only from an approved {what}.")
    if missing := missing_from(record.notice_details):
        raise ValidationError(
            {
                "partnership": "Record the contract's details first, then reopen the "
                f"{what} and approve it again (the notice shows the details as they stood "
                f"at approval): {', '.join(missing)}."
            }
        )
    return record.notice_details


def authority_fields(details: dict[str, str]) -> dict[str, str]:
    """The contracting authority as a notice names it (regulation 39(4)(a))."""
    return {
        "name": details["authority_name"],
        "postal address": details["authority_postal_address"],
        "email address": details["authority_email"],
        "unique identifier": details["authority_identifier"],
    }


def supplier_fields(details: dict[str, str]) -> dict[str, str]:
    """The supplier as a notice names it: name, postal and email address, identifier."""
    return {
        "name": details["supplier_name"],
        "postal address": details["supplier_postal_address"],
        "email address": details["supplier_email"],
        "unique identifier": details["supplier_identifier"],
    }


def procurement_fields(details: dict[str, str]) -> dict[str, str]:
    """The procurement's title and the identifiers of the procurement and the contract."""
    return {
        "title of the procurement": details["procurement_title"],
        "unique identifier of the procurement": details["procurement_identifier"],
        "unique identifier of the public contract": details["contract_identifier"],
    }


def details_lines(fields: dict, supplier: dict) -> list[tuple[str, str]]:
    """The authority's, the procurement's and the supplier's fields of a notice, as
    (field, text) for its page and PDF, in the regulation's words and order."""
    authority = fields["contracting authority"]
    return [
        ("Notice type", fields["notice type"]),
        ("Contracting authority", authority["name"]),
        ("Contracting authority postal address", authority["postal address"]),
        ("Contracting authority email address", authority["email address"]),
        ("Contracting authority unique identifier", authority["unique identifier"] or "–"),
        ("Title of the procurement", fields["title of the procurement"]),
        ("Unique identifier of the procurement", fields["unique identifier of the procurement"]),
        (
            "Unique identifier of the public contract",
            fields["unique identifier of the public contract"],
        ),
        ("Supplier name", supplier["name"]),
        ("Supplier postal address", supplier["postal address"]),
        ("Supplier email address", supplier["email address"]),
        ("Supplier unique identifier", supplier["unique identifier"]),
    ]


def notice_fields(assessment: Assessment) -> dict:
    """The notice as named fields (regulation 39(4)), in the order the regulation gives
    them, with the contract's details as they stood at approval. ValidationError when
    the assessment is not approved or a detail was missing then."""
    details = check_publishable(assessment, what="assessment")
    ratings = assessment.ratings.select_related("kpi").order_by("kpi__title", "kpi__pk")
    # Each KPI as it stood at approval (older approvals kept none: the KPI as it is).
    kpis = {r.pk: details.get("kpis", {}).get(str(r.kpi_id)) or kpi_details(r.kpi) for r in ratings}
    ratings = sorted(ratings, key=lambda r: (kpis[r.pk]["title"], r.kpi_id))
    return {
        "notice type": NOTICE_TYPE,
        "contracting authority": authority_fields(details),
        **procurement_fields(details),
        "key performance indicators set under section 52": [
            {
                "key performance indicator": kpis[r.pk]["title"],
                "description": kpis[r.pk]["description"],
                "linked to payment": kpis[r.pk]["linked_to_payment"],
            }
            for r in ratings
        ],
        "statement": STATEMENT,
        "suppliers assessed": [
            {
                **supplier_fields(details),
                "assessment of performance against the key performance indicators": [
                    {
                        "key performance indicator": kpis[r.pk]["title"],
                        "rating": Rating(r.rating).label,
                        "meaning of the rating": RATING_MEANINGS[Rating(r.rating)],
                        "explanation": r.reason.strip(),
                    }
                    for r in ratings
                ],
            }
        ],
        "period the assessment covers": {
            "start": assessment.period_start.isoformat(),
            "end": assessment.period_end.isoformat(),
        },
        "date of the assessment": timezone.localtime(assessment.approved_at).date().isoformat(),
    }


def _stem(assessment: Assessment) -> str:
    return (
        f"contract-performance-notice-{assessment.partnership_id}-"
        f"{assessment.period_start.isoformat()}-to-{assessment.period_end.isoformat()}"
    )


def notice_json(assessment: Assessment, *, fields: dict | None = None) -> NoticeFile:
    """The notice as UTF-8 JSON, two-space indented, keys in the regulation's order.
    ``fields``: the assessment's ``notice_fields`` when the caller has them already (an
    approval, the notice page), so they are built once for every file."""
    fields = notice_fields(assessment) if fields is None else fields
    text = json.dumps(fields, ensure_ascii=False, indent=2) + "\n"
    return NoticeFile(f"{_stem(assessment)}.json", "application/json", text.encode("utf-8"))


def notice_csv(assessment: Assessment, *, fields: dict | None = None) -> NoticeFile:
    """The notice as CSV: one row per KPI, the notice's other fields on every row;
    ``fields`` as ``notice_json``'s."""
    fields = notice_fields(assessment) if fields is None else fields
    authority = fields["contracting authority"]
    supplier = fields["suppliers assessed"][0]
    kpis = fields["key performance indicators set under section 52"]
    assessed = supplier["assessment of performance against the key performance indicators"]
    rows = [
        [
            fields["notice type"],
            authority["name"],
            authority["postal address"],
            authority["email address"],
            authority["unique identifier"],
            fields["title of the procurement"],
            fields["unique identifier of the procurement"],
            fields["unique identifier of the public contract"],
            fields["statement"],
            supplier["name"],
            supplier["postal address"],
            supplier["email address"],
            supplier["unique identifier"],
            kpi["key performance indicator"],
            kpi["description"],
            "Yes" if kpi["linked to payment"] else "No",
            rating["rating"],
            rating["meaning of the rating"],
            rating["explanation"],
            fields["period the assessment covers"]["start"],
            fields["period the assessment covers"]["end"],
            fields["date of the assessment"],
        ]
        for kpi, rating in zip(kpis, assessed, strict=True)
    ]
    return NoticeFile(f"{_stem(assessment)}.csv", CSV_CONTENT_TYPE, csv_bytes(CSV_COLUMNS, rows))


def notice_lines(fields: dict) -> list[tuple[str, str]]:
    """The notice's fields other than the KPIs, as (field, text) for its page, in the
    regulation's words and order."""
    lines = details_lines(fields, fields["suppliers assessed"][0])
    period = fields["period the assessment covers"]
    lines.insert(8, ("Statement", fields["statement"]))
    return [
        *lines,
        (
            "Period the assessment covers",
            f"{iso_in_words(period['start'])} to {iso_in_words(period['end'])}",
        ),
        ("Date of the assessment", iso_in_words(fields["date of the assessment"])),
    ]


def iso_in_words(iso: str) -> str:
    """An ISO date of a notice's fields (as the JSON and CSV keep it) in words, for the
    notice's page and PDF: "2026-03-31" reads "31 March 2026"."""
    return date_in_words(date.fromisoformat(iso))


def notice_kpi_rows(fields: dict) -> list[dict[str, object]]:
    """Each KPI with its rating, its meaning and the explanation, for the notice's page."""
    kpis = fields["key performance indicators set under section 52"]
    assessed = fields["suppliers assessed"][0][
        "assessment of performance against the key performance indicators"
    ]
    return [
        {
            "title": kpi["key performance indicator"],
            "description": kpi["description"],
            "linked_to_payment": kpi["linked to payment"],
            "rating": rating["rating"],
            "meaning": rating["meaning of the rating"],
            "explanation": rating["explanation"],
        }
        for kpi, rating in zip(kpis, assessed, strict=True)
    ]


def notice_pdf(assessment: Assessment, *, fields: dict | None = None) -> NoticeFile:
    """The notice as a tagged PDF for publication (PDF/UA-1), every field with its name;
    ``fields`` as ``notice_json``'s."""
    fields = notice_fields(assessment) if fields is None else fields
    html = render_to_string(
        "partnerships/notice_pdf.html",
        {
            "title": fields["title of the procurement"],
            "heading": "Contract performance notice",
            "caption": "The fields of regulation 39(4) of the Procurement Regulations 2024",
            "lines": notice_lines(fields),
            "kpi_rows": notice_kpi_rows(fields),
        },
    )
    return NoticeFile(f"{_stem(assessment)}.pdf", "application/pdf", pdf_from_html(html))


NOTICE_FORMATS = {"json": notice_json, "csv": notice_csv, "pdf": notice_pdf}
