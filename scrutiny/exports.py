"""A committee's scrutiny items for its papers: one set of rows, rendered as XLSX (the
project's one writer, ``core.tabular``) or as a PDF (WeasyPrint, ``core.pdf``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from core.pdf import pdf_from_html
from core.tabular import Column, Sheet, workbook_bytes
from scrutiny.models import ScrutinyCommittee, ScrutinyItem

COLUMNS = [
    Column("Asked", 12),
    Column("About", 40),
    Column("Kind", 10),
    Column("Asked by", 20),
    Column("Question or comment", 60),
    Column("State", 10),
    Column("Answer due", 12),
    Column("Answer", 60),
    Column("Answered by", 20),
    Column("Answered", 12),
    Column("Closed", 12),
]
PDF_CONTENT_TYPE = "application/pdf"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _date(moment):
    return timezone.localtime(moment).date() if moment else None


def paper_rows(committee: ScrutinyCommittee, user) -> Iterator[list]:
    """One row per item put by the committee's members that ``user`` may see (as on the
    items pages: ``ScrutinyItem.objects.visible_to``), oldest first; dates are London's."""
    items = (
        committee_items(committee, user)
        .select_related("indicator", "department", "partnership", "asked_by", "answered_by")
        .order_by("asked_at", "pk")
    )
    for item in items:
        yield [
            _date(item.asked_at),
            item.about,
            item.get_kind_display(),
            _person(item.asked_by),
            item.text,
            item.get_state_display(),
            item.due_on,
            item.answer,
            _person(item.answered_by),
            _date(item.answered_at),
            _date(item.closed_at),
        ]


def committee_items(committee: ScrutinyCommittee, user):
    """The committee's items ``user`` may see: a head of service reads a committee's
    page and papers, but only the items routed to their departments."""
    return ScrutinyItem.objects.visible_to(user).filter(committee=committee)


def _filename(committee: ScrutinyCommittee, extension: str) -> str:
    return f"scrutiny-{slugify(committee.name)}.{extension}"


def papers_xlsx(committee: ScrutinyCommittee, user) -> tuple[str, str, bytes]:
    sheet = Sheet("Scrutiny items", COLUMNS, paper_rows(committee, user))
    content = workbook_bytes([sheet], fixed_time=timezone.now(), title=committee.name)
    return _filename(committee, "xlsx"), XLSX_CONTENT_TYPE, content


def papers_pdf(committee: ScrutinyCommittee, user) -> tuple[str, str, bytes]:
    html = render_to_string(
        "scrutiny/papers_pdf.html",
        {
            "committee": committee,
            "headings": [column.heading for column in COLUMNS],
            "rows": list(paper_rows(committee, user)),
            "today": timezone.localdate(),
        },
    )
    return _filename(committee, "pdf"), PDF_CONTENT_TYPE, pdf_from_html(html)


RENDERERS: dict[str, Callable[[ScrutinyCommittee, object], tuple[str, str, bytes]]] = {
    "pdf": papers_pdf,
    "xlsx": papers_xlsx,
}
