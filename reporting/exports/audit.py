"""The audit trail as a download: the same entries, filters and scope as its browser."""

from __future__ import annotations

from collections.abc import Iterator

from reporting.audit_trail import AuditTrail
from reporting.exports.base import DATETIME, Column, Exporter, absolute
from reporting.exports.parameters import DATE_RANGE


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
        "Every recorded change to returns, targets, SLA results, sign-offs and "
        "memberships: who, when, what and why, newest first."
    )
    needs = DATE_RANGE
    columns = [
        Column("When", 17, DATETIME),
        Column("Who", 24),
        Column("Kind of record", 16),
        Column("Record", 30),
        Column("Department", 24),
        Column("Change", 10),
        Column("Reason", 50),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        for entry in trail_for(self):
            yield [
                entry.when,
                entry.who,
                entry.object_type,
                entry.record,
                entry.department,
                entry.action,
                entry.reason,
                absolute(entry.link),
            ]
