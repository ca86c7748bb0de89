"""What a page shows a reader, checked for keys and raw data (issue 16, "words, not
keys"): the visible text of an HTML page, outside scripts, styles and the hints that show
how to type a period key."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A period key (2026-27-P07, 2026-27-Q2) or an ISO date (2026-11-20) in running text.
KEY = re.compile(r"\b\d{4}-\d{2}-(?:[PQ]\d{1,2}|\d{2})\b")
# "1 risks": one of something, written as many.
ONE_OF_MANY = re.compile(
    r"\b1 (?:returns|risks|escalations|referrals|results|milestones|warnings|indicators|"
    r"months|days|rows|departments|pairs)\b"
)
STATE_TWICE = re.compile(r"\b(Not rated|Provisional|Outside the contract)\W+\1\b")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[bool] = []  # per open element: is its text out of the reading
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in ("script", "style") or "hint" in classes
        self.hidden.append(hidden or bool(self.hidden and self.hidden[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.hidden:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not (self.hidden and self.hidden[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    reader = _VisibleText()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def keys_and_bad_words(html: str) -> list[str]:
    """Each period key, ISO date, "1 <plural>" and doubled state the page shows, with a
    little of the text around it; an empty list when the page reads in words."""
    text = visible_text(html)
    found = []
    for pattern in (KEY, ONE_OF_MANY, STATE_TWICE):
        for match in pattern.finditer(text):
            found.append(text[max(0, match.start() - 60) : match.end() + 30])
    return found
