"""Template filters that show figures as the council reads them (en-GB, fixed places)."""

from decimal import Decimal

from django import template

from departments.numbers import format_figure

register = template.Library()


@register.filter
def figure(value, places=1) -> str:
    """``Decimal('91.500000')|figure:1`` → ``91.5``; thousands separated; – when empty."""
    if value is None or value == "":
        return "–"
    return format_figure(Decimal(value), int(places))


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
