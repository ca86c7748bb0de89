"""PDF from HTML with WeasyPrint: a tagged PDF (PDF/UA-1), so screen readers follow its
headings and tables. The same HTML gives the same bytes (no time is written into it)."""

from __future__ import annotations


def pdf_from_html(html: str) -> bytes:
    """The PDF of a whole HTML document (its own styles; no external resources)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")
