"""Template filters that show figures as the council reads them (en-GB, fixed places)."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from departments import numbers
from departments.numbers import format_figure

register = template.Library()


@register.filter
def figure(value, places=1) -> str:
    """``Decimal('91.500000')|figure:1`` → ``91.5``; thousands separated; – when empty."""
    if value is None or value == "":
        return "–"
    return format_figure(Decimal(value), int(places))


@register.filter
def breakable(text) -> str:
    """Long unbroken text that wraps in print (departments.numbers.breakable)."""
    return numbers.breakable("" if text is None else str(text))


@register.filter
def lookup(mapping, key):
    """``mapping|lookup:key``: what a dict holds for a key a template only has as a value."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def plain(value) -> str:
    """A stored decimal without trailing zeros: ``Decimal('99.7000')|plain`` → ``99.7``."""
    if value is None or value == "":
        return "–"
    return f"{Decimal(value).normalize():f}"


@register.simple_tag
def rag(key: str, label: str) -> str:
    """A RAG status for print, its colour and its label in words:
    ``{% rag "red" "Red" %}`` → ``<span class="rag rag-red">Red</span>`` (the colour
    comes from the print stylesheet's ``.rag-red::before``). A tag rather than an
    included template, whose line breaks would give the PDF's layout a thousand more
    blank boxes to place in a council-sized pack."""
    return format_html('<span class="rag rag-{}">{}</span>', key, label)


@register.simple_tag
def sparkline(series, width: int = 96, height: int = 24):
    """A small inline SVG of a series of (period, value) pairs, hidden from screen
    readers: the row beside it gives the figures in words."""
    values = [float(v) for _, v in series if v is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(series) - 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (float(v) - low) / span * (height - 4):.1f}"
        for i, (_, v) in enumerate(series)
        if v is not None
    )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" aria-hidden="true" '
        'focusable="false"><polyline fill="none" stroke="#1d4f91" stroke-width="1.5" '
        'points="{}"/></svg>',
        width,
        height,
        width,
        height,
        points,
    )
