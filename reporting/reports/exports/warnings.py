"""Early warnings live in a month, with the evidence each rule recorded."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from core.tabular import DATE, DATETIME, Column
from departments.history import person_name
from departments.periods import key_in_words
from reporting.models import OPEN_WARNING, EarlyWarning
from reporting.reports.exports.base import Exporter, page_link
from reporting.reports.exports.parameters import ReportParameters


def warnings_for(user, parameters: ReportParameters) -> list[EarlyWarning]:
    """Warnings the user may see that had started by the month and still held in it or
    are still open (neither acknowledged nor resolved by the data), oldest first. Period
    keys of one kind sort as text."""
    key = parameters.month.key
    warnings = EarlyWarning.objects.visible_to(user).filter(
        Q(latest_period__gte=key) | OPEN_WARNING,
        starting_period__lte=key,
    )
    if parameters.department:
        warnings = warnings.filter(department=parameters.department)
    if parameters.partnership:
        warnings = warnings.filter(partnership=parameters.partnership)
    return list(
        warnings.select_related("acknowledged_by").order_by(
            "starting_period", "rule", "subject_key"
        )
    )


def warning_link(warning: EarlyWarning, month_key: str) -> str:
    """The page behind the warning: its indicator, partnership or department."""
    if warning.indicator_id:
        return page_link("reporting:indicator", warning.indicator_id, query=f"period={month_key}")
    if warning.department_id:
        return page_link("reporting:department", warning.department_id, query=f"period={month_key}")
    if warning.partnership_id:
        return page_link(
            "reporting:partnership", warning.partnership_id, query=f"period={month_key}"
        )
    return page_link("reporting:overview", query=f"period={month_key}")


class EarlyWarningsExporter(Exporter):
    identifier = "early_warnings"
    title = "Early warnings"
    description = "Warnings live in the month, with their evidence and acknowledgement."
    columns = [
        Column("Rule", 40),
        Column("Subject", 36),
        Column("Starting period", 16),
        Column("Latest period", 16),
        Column("Raised at", 17, DATETIME),
        Column("Acknowledged at", 17, DATETIME),
        Column("Acknowledged by", 20),
        Column("Acknowledgement note", 40),
        Column("Resolved by the data on", 14, DATE),
        Column("Evidence", 60),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        for warning in warnings_for(self.user, self.parameters):
            by = warning.acknowledged_by
            yield [
                warning.get_rule_display(),
                warning.subject_label,
                key_in_words(warning.starting_period),
                key_in_words(warning.latest_period),
                warning.raised_at,
                warning.acknowledged_at,
                person_name(by) if by else "",
                warning.acknowledgement_note,
                warning.resolved_by_data_on,
                # The rule's own sentence: the structured evidence is the API's.
                warning.evidence.get("summary", ""),
                warning_link(warning, month.key),
            ]
