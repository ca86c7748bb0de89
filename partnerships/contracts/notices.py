"""The Contract Performance Notice of an approved assessment (Procurement Act 2023,
section 71(2); Procurement Regulations 2024, regulation 39(4) and (5)), as a tagged PDF
for publication and JSON and CSV files whose field names are the regulation's words,
ready to transcribe into the central digital platform.

The files are built from stored rows only (the assessment's ratings and reasons, the
contract's details), with a fixed order and no time of building, so the same rows give
the same bytes; each file carries its SHA-256. The CSV goes through ``core.tabular``,
which neutralises formula injection.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import pdf_from_html
from core.tabular import CSV_CONTENT_TYPE, csv_bytes
from partnerships.contracts.models import Assessment
from partnerships.contracts.ratings import RATING_MEANINGS, Rating

NOTICE_TYPE = "Contract performance notice (UK9): assessment against key performance indicators"
STATEMENT = (
    "This notice sets out the contracting authority's assessment of the supplier's "
    "performance against the key performance indicators set under section 52 of the "
    "Procurement Act 2023."
)
# The contract details each notice needs, by the regulation's words (reg. 39(4)).
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
    """The regulation 39(4) details the contract has not recorded, in the regulation's words."""
    partnership = assessment.partnership
    return [
        words for name, words in REQUIRED_DETAILS.items() if not getattr(partnership, name).strip()
    ]


def notice_fields(assessment: Assessment) -> dict:
    """The notice as named fields (regulation 39(4)), in the order the regulation gives
    them. ValidationError when the assessment is not approved or a detail is missing."""
    if not assessment.is_approved:
        raise ValidationError("A notice is produced only from an approved assessment.")
    if missing := missing_details(assessment):
        raise ValidationError(
            {"partnership": f"Record the contract's details first: {', '.join(missing)}."}
        )
    partnership = assessment.partnership
    ratings = assessment.ratings.select_related("kpi").order_by("kpi__title", "kpi__pk")
    return {
        "notice type": NOTICE_TYPE,
        "contracting authority": {
            "name": partnership.council.name,
            "postal address": partnership.authority_postal_address.strip(),
            "email address": partnership.authority_email,
            "unique identifier": partnership.authority_identifier.strip(),
        },
        "title of the procurement": partnership.procurement_title.strip(),
        "unique identifier of the procurement": partnership.procurement_identifier.strip(),
        "unique identifier of the public contract": partnership.contract_identifier.strip(),
        "key performance indicators set under section 52": [
            {
                "key performance indicator": r.kpi.title,
                "description": r.kpi.description.strip(),
                "linked to payment": r.kpi.linked_to_payment,
            }
            for r in ratings
        ],
        "statement": STATEMENT,
        "suppliers assessed": [
            {
                "name": partnership.partner.name,
                "postal address": partnership.supplier_postal_address.strip(),
                "email address": partnership.supplier_email,
                "unique identifier": partnership.supplier_identifier.strip(),
                "assessment of performance against the key performance indicators": [
                    {
                        "key performance indicator": r.kpi.title,
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


def notice_json(assessment: Assessment) -> NoticeFile:
    """The notice as UTF-8 JSON, two-space indented, keys in the regulation's order."""
    text = json.dumps(notice_fields(assessment), ensure_ascii=False, indent=2) + "\n"
    return NoticeFile(f"{_stem(assessment)}.json", "application/json", text.encode("utf-8"))


def notice_csv(assessment: Assessment) -> NoticeFile:
    """The notice as CSV: one row per KPI, the notice's other fields on every row."""
    fields = notice_fields(assessment)
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
    authority = fields["contracting authority"]
    supplier = fields["suppliers assessed"][0]
    period = fields["period the assessment covers"]
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
        ("Statement", fields["statement"]),
        ("Supplier name", supplier["name"]),
        ("Supplier postal address", supplier["postal address"]),
        ("Supplier email address", supplier["email address"]),
        ("Supplier unique identifier", supplier["unique identifier"]),
        ("Period the assessment covers", f"{period['start']} to {period['end']}"),
        ("Date of the assessment", fields["date of the assessment"]),
    ]


def notice_kpi_rows(fields: dict) -> list[dict[str, object]]:
    """Each KPI with its rating, its meaning and the explanation, for the notice's page."""
    kpis = fields["key performance indicators set under section 52"]
    assessed = fields["suppliers assessed"][0][
        "assessment of performance against the key performance indicators"
    ]
    return [
        {
            "title": kpi["key performance indicator"],
            "linked_to_payment": kpi["linked to payment"],
            "rating": rating["rating"],
            "meaning": rating["meaning of the rating"],
            "explanation": rating["explanation"],
        }
        for kpi, rating in zip(kpis, assessed, strict=True)
    ]


def notice_pdf(assessment: Assessment) -> NoticeFile:
    """The notice as a tagged PDF for publication (PDF/UA-1), every field with its name."""
    fields = notice_fields(assessment)
    html = render_to_string(
        "partnerships/notice_pdf.html",
        {
            "title": fields["title of the procurement"],
            "lines": notice_lines(fields),
            "kpi_rows": notice_kpi_rows(fields),
        },
    )
    return NoticeFile(f"{_stem(assessment)}.pdf", "application/pdf", pdf_from_html(html))


NOTICE_FORMATS = {"json": notice_json, "csv": notice_csv, "pdf": notice_pdf}
