"""The exporter: a titled source of typed rows, cut to the requesting user's scope.

An exporter names its columns and yields rows of plain Python values (text, int,
Decimal, date, datetime, None). It never formats a figure for a file: the renderers in
``reporting.reports.renderers`` turn the same rows into CSV, XLSX or a PDF table, so a
download says exactly what the rows say. Every figure comes from the metric functions
the pages use (reporting.metrics), so a report equals the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.urls import reverse

from core.tabular import Column
from departments.roles import Scope, has_a_role, scope_for
from reporting.reports.exports.parameters import MONTH, ReportParameters


def page_path(name: str, *args, query: str = "") -> str:
    """The path of the page behind a figure (for this site's own pages)."""
    path = reverse(name, args=args)
    return f"{path}?{query}" if query else path


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def page_link(name: str, *args, query: str = "") -> str:
    """The full address of the page behind a figure, for the way back from a report."""
    return absolute(page_path(name, *args, query=query))


class Exporter:
    """A report that is one table. Subclasses set the class attributes and ``rows()``."""

    do_not_call_in_templates = True  # templates list the classes themselves
    identifier: str = ""
    title: str = ""
    description: str = ""
    needs: str = MONTH  # which parameter: MONTH, YEAR or DATE_RANGE
    formats: tuple[str, ...] = ("csv", "xlsx", "pdf")
    columns: list[Column] = []

    def __init__(self, *, user, parameters: ReportParameters):
        self.user = user
        self.parameters = parameters

    @property
    def scope(self) -> Scope:
        return scope_for(self.user)

    @classmethod
    def may_run(cls, user) -> bool:
        """Whether the report can hold anything for the user (the partner manager has no
        returns or referrals to export)."""
        return has_a_role(user)

    def headings(self) -> list[str]:
        return [column.heading for column in self.columns]

    def rows(self) -> Iterator[list]:
        raise NotImplementedError

    def signed_off_at(self) -> datetime | None:
        return self.parameters.signed_off_at()

    def fixed_time(self) -> datetime:
        """The time the data files carry: the sign-off, else the end of the period."""
        return self.signed_off_at() or self.parameters.fixed_time()

    def filename(self, file_format: str) -> str:
        return f"{self.identifier}-{self.parameters_slug()}.{file_format}"

    def parameters_slug(self) -> str:
        data = self.parameters.to_json()
        parts = [str(data[key]) for key in ("period", "year") if key in data]
        if self.parameters.department:
            parts.append(self.parameters.department.code)
        if self.parameters.partnership:
            parts.append(f"partnership-{self.parameters.partnership.pk}")
        if self.parameters.since or self.parameters.until:
            parts.append(f"{data.get('since', 'start')}-to-{data.get('until', 'now')}")
        return "-".join(parts) or "all"
