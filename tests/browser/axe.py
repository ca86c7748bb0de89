"""Accessibility checks in the browser tests: axe-core, carried inside
axe-playwright-python and run offline in the page (WCAG 2.2 AA is the bar)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()  # reads axe-core's script once; each run injects it into the page


def no_axe_violations(page, where: str, context: dict | None = None) -> None:
    """Fail, naming ``where`` and listing every violation, if axe finds any on ``page``
    (or in the part of it ``context`` selects, axe-core's context object)."""
    results = _AXE.run(page, context=context)
    assert results.violations_count == 0, f"{where}:\n{results.generate_report()}"
