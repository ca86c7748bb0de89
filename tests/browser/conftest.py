"""The real browser: Debian's Chromium driven by Playwright (never a downloaded one)."""

from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, SHARED_CHROMIUM


def pytest_collection_modifyitems(config, items):
    """Every test here is a browser test; without Debian's chromium it cannot run."""
    missing = not Path(CHROMIUM).exists()
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).parent == here:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


# Runs in every document before its own scripts (Playwright injects it through the
# DevTools protocol, so the page's Content-Security-Policy does not apply to it): each
# violation the browser reports is handed to Python as "directive: what was blocked".
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation(
    event.effectiveDirective + ": " + (event.blockedURI || "inline") + " at "
    + event.sourceFile + ":" + event.lineNumber + ":" + event.columnNumber
    + " on " + event.documentURI + (event.sample ? " (" + event.sample + ")" : "")
  );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """Every Content-Security-Policy violation the browser reported in this test, in order."""
    return []


@pytest.fixture
def page(csp_violations):
    """A Chromium page in a browser context of its own; the test fails (at teardown) if
    any page it opened broke the Content-Security-Policy, whether the browser fired
    ``securitypolicyviolation`` or only wrote its "Refused to ..." line to the console."""
    context = SHARED_CHROMIUM.start().new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.expose_function("reportCspViolation", lambda text: csp_violations.append(text))
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not csp_violations, "The pages broke the Content-Security-Policy:\n" + "\n".join(
        csp_violations
    )
