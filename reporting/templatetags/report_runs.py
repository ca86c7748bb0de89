"""Template filters of the report-run pages: a run's report by its title."""

from __future__ import annotations

from django import template

from reporting.reports.kinds import report_title as title_of

register = template.Library()


@register.filter
def report_title(kind: str) -> str:
    """``run.kind|report_title`` → ``Monthly performance pack``."""
    return title_of(kind)
