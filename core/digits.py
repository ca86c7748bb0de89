"""Whole numbers as people type them: plain ASCII digits only.

Python's ``int`` also reads "1_0" as 10 and other scripts' digits ("١٢") as numbers, and
``str.isdigit`` takes "²", which ``int`` refuses: neither is what a person typing a count,
a version or an id meant. Every entry point (forms, the API's fields, pagination and
lookups, query strings) reads whole numbers through these two functions.
"""

from __future__ import annotations


def typed_in_digits(text: str) -> bool:
    """Whether a whole number is typed in plain digits (a leading minus allowed, spaces
    around it): Python's ``int`` also takes "1_0" and other scripts' digits ("١٢"),
    which a person did not mean as 10 or 12."""
    digits = text.strip().removeprefix("-")
    return bool(digits) and digits.isascii() and digits.isdigit()


def whole_number(text: str | None) -> int | None:
    """A whole number typed in a URL or form field ("12"), or None. ``str.isdigit`` alone
    also accepts digits such as "²" that ``int`` refuses, which answered server errors."""
    if text and text.isascii() and text.isdigit():
        return int(text)
    return None
