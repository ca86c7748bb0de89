"""The audit trail as a download: the same entries, filters and scope as its browser.

One row per changed field (When … Change, then Field, Before, After), so that a
spreadsheet filters and sorts on a field or a value; the other columns repeat on each
row of one change. A change that lists no field (a deletion, or a save that changed
nothing a reader sees) is one row with the three field columns empty. A created record's
rows have an empty Before. Values read as on the page: figures to their places, money in
pounds and pence, dates in words, choices by label, people and records by name.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.tabular import DATETIME, Column
from reporting.audit.selectors import AuditTrail
from reporting.reports.exports.base import Exporter, absolute
from reporting.reports.exports.parameters import DATE_RANGE


def trail_for(exporter: Exporter) -> AuditTrail:
    parameters = exporter.parameters
    return AuditTrail(
        user=exporter.user,
        since=parameters.since,
        until=parameters.until,
        person_id=parameters.person_id,
        object_type=parameters.object_type,
        department_id=parameters.department.pk if parameters.department else None,
    )


class AuditTrailExporter(Exporter):
    identifier = "audit_trail"
    title = "Audit trail"
    description = (
        "Every recorded change to returns, targets, indicators, SLA results, milestones, "
        "escalations, risks, contracts and their weights, sign-offs, referrals and "
        "memberships: who, when, what and why, one row per changed field with its value "
        "before and after, newest first."
    )
    needs = DATE_RANGE
    columns = [
        Column("When", 17, DATETIME),
        Column("Who", 24),
        Column("Kind of record", 16),
        Column("Record", 30),
        Column("Department", 24),
        Column("Change", 10),
        Column("Field", 24),
        Column("Before", 30),
        Column("After", 30),
        Column("Reason", 50),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        for entry in trail_for(self):
            first = [
                entry.when,
                entry.who,
                entry.object_type,
                entry.record,
                entry.department,
                entry.action,
            ]
            last = [entry.reason, absolute(entry.link)]
            if not entry.changes:
                yield [*first, "", "", "", *last]
            for change in entry.changes:
                before = "" if change.before is None else change.before
                yield [*first, change.label, before, change.after, *last]
