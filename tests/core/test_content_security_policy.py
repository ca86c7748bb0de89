"""The Content-Security-Policy without a browser: the header on pages, error pages and the
API, no inline script or style left in any template a browser is served, and plotly.js's
stylesheet still matching the bundle installed (tests/browser/ checks the pages run)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory

from core import plotly_styles
from core.web import server_error

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
# Rendered to PDF by WeasyPrint on the server, never served to a browser: their <style>
# is read by WeasyPrint alone.
PDF_TEMPLATES = {
    "reporting/reports/print_base.html",
    "reporting/reports/table.html",
    "reporting/reports/monthly_pack.html",
    "reporting/reports/annual_report.html",
    "partnerships/notice_pdf.html",  # the Contract Performance Notice's tagged PDF
    "scrutiny/papers_pdf.html",  # a committee's scrutiny items (scrutiny.exports)
}
# A <script> that runs: any but a data block (type="application/json"), or one with a src.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=")
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=|=\s*[\"']?javascript:", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def _served_templates():
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            name = path.relative_to(directory).as_posix()
            if name not in PDF_TEMPLATES:
                yield name, TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8"))


def test_no_template_served_to_a_browser_has_inline_script_style_or_handler():
    found = [
        f"{name}: {match.group(0)!r}"
        for name, text in _served_templates()
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, EVENT_HANDLER)
        for match in pattern.finditer(text)
    ]
    assert found == []
    assert len(list(_served_templates())) > 40  # the scan reads the templates


def test_the_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x()</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/js/site.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert INLINE_STYLE.search('<p style="color:red">') and INLINE_STYLE.search("<style>")
    assert EVENT_HANDLER.search('<a href="#" onclick="go()">')
    assert EVENT_HANDLER.search('<a href="javascript:go()">')
    assert not EVENT_HANDLER.search("<p>Without JavaScript: reload the page.</p>")


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.django_db
def test_pages_the_api_and_the_sign_in_page_carry_the_policy(client, alice):
    expected = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # The empty string's hash, and that of plotly.js's pixelated-image style.
        "style-src-attr": "'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
        "'sha256-AR/cKIZjWPcPmBUPDA6oti9XBiTbJvz0Cro2J1VzzS8='",
        "img-src": "'self' data: blob:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    assert _directives(client.get("/accounts/login/")) == expected
    client.force_login(alice)
    for path in ("/returns/", "/api/v1/returns/", "/api/docs/", "/no-such-page/"):
        assert _directives(client.get(path)) == expected, path


def test_the_server_error_page_takes_its_styles_from_a_file():
    html = server_error(RequestFactory().get("/")).content.decode()
    assert "<style" not in html and 'href="/static/css/site.css"' in html


def test_plotly_stylesheet_matches_the_bundle_installed():
    """After upgrading plotly: `.venv/bin/python -m core.plotly_styles > static/css/plotly.css`."""
    committed = (ROOT / "static" / "css" / "plotly.css").read_text(encoding="utf-8")
    assert committed == plotly_styles.installed_stylesheet()
    assert ".js-plotly-plot .plotly .modebar{position:absolute;top:2px;right:2px;}" in committed


def test_plotly_rules_are_read_in_order_with_bare_selectors_and_escapes():
    bundle = (
        'junk;var t={"X,X div":\'font-family:"Open Sans";\',"X .modebar":"top:2px;",'
        "Y:'z-index:1;',\"X a\":'content:\\'x\\';'};for(k in t)"
    )
    assert plotly_styles.style_rules(bundle) == [
        (".js-plotly-plot .plotly,.js-plotly-plot .plotly div", 'font-family:"Open Sans";'),
        (".js-plotly-plot .plotly .modebar", "top:2px;"),
        (".plotly-notifier", "z-index:1;"),
        (".js-plotly-plot .plotly a", "content:'x';"),
    ]
    with pytest.raises(ValueError, match="No style table"):
        plotly_styles.style_rules("no table here")


def test_no_unsafe_source_is_allowed_for_scripts():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in str(directives) and "'unsafe-eval'" not in str(directives)
