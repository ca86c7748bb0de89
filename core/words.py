"""Counts in words, for pages, messages and exports alike."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 result``, ``3 results``: the count and the noun, which takes a plain "s"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
