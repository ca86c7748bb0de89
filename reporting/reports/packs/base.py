"""What a multi-section report (a pack) shares with an exporter: identity, parameters,
scope and a ``build`` that gives (filename, content type, bytes) for one format."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from core.pdf import Resources, pdf_from_html
from departments.history import person_name
from departments.models import Council
from reporting.reports.exports.base import Exporter

Progress = Callable[[int], None]


def no_progress(percent: int) -> None:
    """The default progress callback: nobody is watching."""


class Pack(Exporter):
    """A report of several sections. ``build`` replaces the renderers of a single table."""

    formats = ("pdf", "xlsx")

    def build(self, file_format: str, progress: Progress = no_progress) -> tuple[str, str, bytes]:
        raise NotImplementedError

    def rows(self):  # a pack is not one table
        raise TypeError(f"{self.identifier} is a pack of sections, not one table")

    def pdf(
        self,
        template: str,
        context: dict,
        resources: Resources | None = None,
        progress: Progress = no_progress,
    ) -> bytes:
        """The pack's PDF: the period and the time it was built on every page;
        ``resources`` answers the URLs of its images (``core.pdf.pdf_from_html``), and
        ``progress`` hears 50 once the HTML is written, before its layout (the longest
        step)."""
        council = Council.objects.first()
        html = render_to_string(
            template,
            {
                "title": self.title,
                "described": self.parameters.describe(),
                "generated_at": timezone.localtime(),
                "signed_off_at": self.signed_off_at(),
                "site_url": settings.SITE_URL.rstrip("/"),
                "council_name": council.name if council else "",
                "reader": person_name(self.user),
                **context,
            },
        )
        progress(50)
        return pdf_from_html(html, resources)
