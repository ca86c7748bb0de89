"""plotly.js's own style rules as a stylesheet file, so that the chart pages need no inline
style under the Content-Security-Policy.

At load time plotly.js adds its rules (the mode bar, hover labels, cursors) to a
``<style id="plotly.js-style-global">`` element it creates, which a policy without
``'unsafe-inline'`` blocks. It skips that when the page already has an element of that id
with the class ``no-inline-styles``: the chart pages link ``static/css/plotly.css`` so
(``templates/reporting/includes/plotly_head.html``). That file is written from the bundle
the plotly package ships by this module, and a test checks it still matches the bundle
installed, so upgrading plotly cannot leave the charts unstyled unnoticed. To write it
again after an upgrade::

    .venv/bin/python -m core.plotly_styles > static/css/plotly.css
"""

from __future__ import annotations

import re
import sys

from core.staticfiles import FILE_NAME, PACKAGE_DATA

# The first rule of the table plotly.js builds its stylesheet from ("X" stands for the
# plot's selector, "Y" for the notifier's), and how it expands a selector.
FIRST_RULE = '"X,X div":'
PLOT = ".js-plotly-plot .plotly"
NOTIFIER = ".plotly-notifier"
# One entry of the table: a selector (double-quoted, or bare where the minifier could
# drop the quotes), a colon, a quoted declaration block.
JS_ESCAPE = re.compile(r"\\(.)")
ENTRY = re.compile(
    r'(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_$][\w$]*))'  # the selector, quoted or bare
    r""":('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # the declarations, quoted
    r"\s*([,}])"  # another entry, or the end of the table
)


def style_rules(bundle: str) -> list[tuple[str, str]]:
    """The ``(selector, declarations)`` pairs plotly.js would insert, in the table's order.

    ValueError when the bundle holds no such table (a plotly.js that builds its styles
    some other way: look again before upgrading).
    """
    start = bundle.find(FIRST_RULE)
    if start < 0:
        raise ValueError(f"No style table starting {FIRST_RULE} in plotly.js: has it changed?")
    rules = []
    position = start
    while match := ENTRY.match(bundle, position):
        quoted_selector, bare_selector, quoted, after = match.groups()
        selector = quoted_selector if quoted_selector is not None else bare_selector
        declarations = JS_ESCAPE.sub(lambda escape: escape.group(1), quoted[1:-1])
        full = re.sub(r"^,", " ,", selector).replace("X", PLOT).replace("Y", NOTIFIER)
        rules.append((full, declarations))
        position = match.end()
        if after == "}":
            return rules
    raise ValueError("plotly.js's style table did not end where expected: has it changed?")


def stylesheet(bundle: str) -> str:
    """The rules as a CSS file. plotly.js inserts each rule at the top of its sheet
    (``insertRule(rule, 0)``), so the last in its table comes first: written in that
    same reversed order, rules of equal specificity win as they do with plotly.js."""
    lines = [
        "/* plotly.js's own style rules, written by `python -m core.plotly_styles` from the",
        "   bundle the plotly package ships; do not edit by hand (see core/plotly_styles.py). */",
    ]
    rules = reversed(style_rules(bundle))
    lines += [f"{selector}{{{declarations}}}" for selector, declarations in rules]
    return "\n".join(lines) + "\n"


def installed_stylesheet() -> str:
    """The stylesheet of the plotly.js bundle installed with the plotly package."""
    return stylesheet((PACKAGE_DATA / FILE_NAME).read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.stdout.write(installed_stylesheet())
