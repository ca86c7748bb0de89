"""How the portal writes a figure: already rounded once, so only separators are added."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def public_value(indicator, value: Decimal | None) -> str:
    """``value`` as ``indicator`` (a PublicIndicator) shows it: "No target" for None."""
    return indicator.shown(value)
