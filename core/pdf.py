"""PDF from HTML with WeasyPrint: a tagged PDF (PDF/UA-1), so screen readers follow its
headings and tables. The same HTML gives the same bytes (no time is written into it).

Two things keep a long report (the monthly pack at council scale: about 10,000 table
cells on 80 pages) within its time and memory:

- WeasyPrint's user-agent stylesheet gives *every* element six pseudo-element styles
  (``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``,
  ``::note-marker``, ``::note-callback``), so a table cell costs seven computed styles.
  A document with an SVG image (a chart) keeps its whole layout context, these styles
  included, alive until the PDF is written: about 100 MiB for the pack. Our templates
  use no footnotes or notes and put list markers only on list items, so the sheet we
  hand WeasyPrint scopes ``::marker`` to ``li`` and leaves the footnote and note rules
  out; the PDF is byte for byte the same.
- Laying out a long document allocates millions of small objects and keeps them; the
  cyclic garbage collector would walk them all again and again (a quarter of the time)
  while finding almost nothing to free, so it is paused while WeasyPrint runs.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
from collections.abc import Callable, Iterator

# The user-agent rules that match every element through a pseudo-element and that our
# templates never need on anything but a list item (markers) or at all (notes).
_MARKER_RULE = re.compile(r"^::marker(?= \{)", re.MULTILINE)
_NOTE_RULES = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
    re.MULTILINE,
)


def user_agent_css() -> str:
    """WeasyPrint's own HTML user-agent stylesheet, with ``::marker`` scoped to list
    items and the footnote and note rules left out."""
    from importlib.resources import files

    import weasyprint

    text = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    return _NOTE_RULES.sub("", _MARKER_RULE.sub("li::marker", text))


@functools.cache
def _user_agent_stylesheet():
    """``user_agent_css()`` parsed, once per process."""
    from weasyprint import CSS

    return CSS(string=user_agent_css())


@functools.cache
def _print_html_class():
    from weasyprint import HTML

    class PrintHTML(HTML):
        """HTML whose user-agent stylesheet is ``_user_agent_stylesheet()``. WeasyPrint
        asks an HTML document for its user-agent sheets through this method; were it
        ever to stop, the PDF would be the same, only slower to build."""

        def _ua_stylesheets(self, forms: bool = False):
            return [_user_agent_stylesheet()]

    return PrintHTML


@contextlib.contextmanager
def garbage_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (reference counting still
    frees what the block drops); resumed afterwards unless it was already paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Resources = Callable[[str], tuple[bytes, str]]


def pdf_from_html(html: str, resources: Resources | None = None) -> bytes:
    """The PDF of a whole HTML document (its own styles). ``resources`` answers the
    document's own URLs (a chart's ``chart-image:1``, say) with (bytes, MIME type),
    raising ``KeyError`` for any it does not know; WeasyPrint fetches nothing else but
    ``data:`` URLs, so a report never reaches a file or the network."""
    with garbage_collector_paused():
        document = _print_html_class()(
            string=html, base_url=None, url_fetcher=_fetcher_class()(resources)
        )
        return document.write_pdf(pdf_variant="pdf/ua-1")


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OwnResources(URLFetcher):
        """WeasyPrint's fetcher limited to ``data:`` URLs and the document's own."""

        def __init__(self, resources: Resources | None) -> None:
            super().__init__(allowed_protocols=("data",))
            self._resources = resources

        def fetch(self, url: str, headers: dict | None = None):
            if self._resources is not None:
                with contextlib.suppress(KeyError):
                    body, content_type = self._resources(url)
                    return URLFetcherResponse(url, body, {"Content-Type": content_type})
            return super().fetch(url, headers)

    return OwnResources
