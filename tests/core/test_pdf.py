"""PDFs from HTML (core.pdf): the same bytes as WeasyPrint's own user-agent sheet gives,
with less memory for a long document that holds a chart, and the garbage collector back
as it was."""

import base64
import gc
import re
import subprocess
import sys
from pathlib import Path

import pytest
from weasyprint import HTML

from core import pdf
from tests.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]

CHART = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
    '<rect width="200" height="100" fill="#1d4f91"/><text x="10" y="50">Chart</text></svg>'
)


def _document(rows: int) -> str:
    """A report-like document: a list, an SVG chart, and a long table with links."""
    chart = base64.b64encode(CHART.encode()).decode()
    body = "".join(
        f'<tr><td><a href="https://example.org/{n}">IND-{n}</a> Indicator {n}</td>'
        f"<td>Sep 2026</td><td>{n}.5</td><td>Green</td></tr>"
        for n in range(rows)
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Pack</title>'
        "<style>body { font: 9pt sans-serif; } td { border-bottom: 0.4pt solid; }</style>"
        "</head><body><h1>Pack</h1><ol><li>Overview</li><li>Indicators</li></ol>"
        f'<img src="data:image/svg+xml;base64,{chart}" alt="A chart">'
        "<table><thead><tr><th>Indicator</th><th>Period</th><th>Value</th><th>RAG</th>"
        f"</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def _weasyprint_default(html: str) -> bytes:
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


def test_the_user_agent_sheet_has_no_rule_for_every_elements_pseudo_elements():
    css = pdf.user_agent_css()
    # A rule opening with "::" matches every element of the document.
    assert not re.findall(r"^::", css, re.MULTILINE)
    assert "li::marker {" in css
    assert "footnote-call" not in css and "note-callback" not in css


def test_weasyprint_takes_its_user_agent_sheet_from_us(monkeypatch):
    asked = []
    sheet = pdf._user_agent_stylesheet()
    monkeypatch.setattr(pdf, "_user_agent_stylesheet", lambda: asked.append(1) or sheet)
    pdf.pdf_from_html(_document(rows=3))
    assert asked


def test_the_pdf_is_byte_for_byte_what_weasyprints_own_sheet_gives():
    html = _document(rows=40)
    content = pdf.pdf_from_html(html)
    assert content == _weasyprint_default(html)
    text = pdf_text(content)
    assert "1. Overview" in text and "2. Indicators" in text  # list markers still drawn
    assert "IND-39 Indicator 39" in " ".join(text.split())


# Run in a fresh interpreter per build, so each peak is that build's alone: the growth of
# the process's peak resident memory over the build (Linux's VmHWM, reset to the current
# size first), after a short document has loaded the fonts and style sheets. Not the
# rusage maximum: a child inherits its parent's. (Python's tracemalloc would count the
# same allocations, but slows WeasyPrint several times over: it made this the slowest
# test of the suite.)
PEAK_PROBE = """
import sys
from pathlib import Path
from tests.core.test_pdf import _document, _weasyprint_default
from core import pdf

def status(field):
    lines = Path("/proc/self/status").read_text().splitlines()
    return int(next(line for line in lines if line.startswith(field)).split()[1])

build = pdf.pdf_from_html if sys.argv[1] == "ours" else _weasyprint_default
html = _document(rows=int(sys.argv[2]))
build(_document(rows=3))
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = status("VmRSS:")
build(html)
print(status("VmHWM:") - before)
"""


def _peak_kib(builder: str, rows: int) -> int:
    """The peak resident memory (KiB) that building a document of ``rows`` rows adds."""
    result = subprocess.run(
        [sys.executable, "-c", PEAK_PROBE, builder, str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout)


@pytest.mark.slow
def test_a_long_document_with_a_chart_needs_much_less_memory():
    # WeasyPrint's sheet gives each cell six pseudo-element styles, kept alive with the
    # chart's layout context until the PDF is written.
    ours, default = _peak_kib("ours", 600), _peak_kib("default", 600)
    assert default > 20 * 1024  # the document is long enough to measure
    assert ours < 0.8 * default


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pdf.garbage_collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_documents_own_urls_are_answered_by_its_resources():
    asked = []

    def resources(url: str) -> tuple[bytes, str]:
        asked.append(url)
        if url != "chart-image:1":
            raise KeyError(url)
        return CHART.replace(">Chart<", ">Drawn on demand<").encode(), "image/svg+xml"

    html = _document(rows=2).replace(
        "<ol><li>Overview</li>", '<img src="chart-image:1" alt="A chart"><ol><li>Overview</li>'
    )
    text = pdf_text(pdf.pdf_from_html(html, resources))
    assert "chart-image:1" in asked
    assert "Drawn on demand" in text and "Chart" in text


def test_a_report_never_reaches_a_file_or_the_network(tmp_path):
    secret = tmp_path / "secret.svg"
    secret.write_text(CHART.replace(">Chart<", ">Secret<"))
    html = _document(rows=1).replace(
        "<h1>Pack</h1>",
        f'<h1>Pack</h1><img src="file://{secret}" alt="File">'
        '<img src="http://127.0.0.1:9/chart.svg" alt="Network">',
    )
    text = pdf_text(pdf.pdf_from_html(html, lambda url: (_ for _ in ()).throw(KeyError(url))))
    assert "Secret" not in text
    assert "File" in text and "Network" in text  # in words instead, as WeasyPrint does
    assert "Secret" in pdf_text(_weasyprint_default(html))  # what it would fetch
