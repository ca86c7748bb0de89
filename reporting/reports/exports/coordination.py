"""Referrals of a month and the coordination metrics built from them."""

from __future__ import annotations

from collections.abc import Iterator

from core.tabular import DATE, SCORE, WHOLE, Column
from departments.models import Referral
from departments.roles import scope_for
from reporting.metrics.coordination import (
    Coordination,
    coordination_by_department,
    council_coordination,
)
from reporting.reports.exports.base import Exporter, page_link
from reporting.selectors import readable_departments


class _DepartmentsReferrals(Exporter):
    """A report built from referrals, which are the departments' records: the partner
    manager sees none of them (DESIGN.md section 4)."""

    @classmethod
    def may_run(cls, user) -> bool:
        return scope_for(user).sees_departments


class ReferralsExporter(_DepartmentsReferrals):
    identifier = "referrals"
    title = "Referrals"
    description = (
        "Referrals raised in the month that the user's departments sent or received (all "
        "of them for the council-wide roles), with their dates and channel."
    )
    columns = [
        Column("Reference", 14),
        Column("From", 24),
        Column("To", 24),
        Column("Category", 24),
        Column("Channel", 12),
        Column("Partner service", 24),
        Column("Raised", 12, DATE),
        Column("Acknowledged", 12, DATE),
        Column("Resolved", 12, DATE),
        Column("Agreed days", 8, WHOLE),
        Column("Due", 12, DATE),
        Column("Days to resolve", 8, WHOLE),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        referrals = Referral.objects.visible_to(self.user).filter(period=month.key)
        if self.parameters.department:
            department = self.parameters.department
            referrals = referrals.filter(from_department=department) | referrals.filter(
                to_department=department
            )
        referrals = referrals.select_related("from_department", "to_department", "service")
        link = page_link("reporting:coordination", query=f"period={month.key}")
        for referral in referrals.order_by("raised_on", "pk"):
            yield [
                referral.reference,
                referral.from_department.name,
                referral.to_department.name,
                referral.category,
                referral.get_channel_display(),
                referral.service.name if referral.service else "",
                referral.raised_on,
                referral.acknowledged_on,
                referral.resolved_on,
                referral.agreed_days,
                referral.due_on,
                referral.resolution_days,
                link,
            ]


class CoordinationExporter(_DepartmentsReferrals):
    identifier = "coordination"
    title = "Coordination metrics"
    description = (
        "Each department's coordination index for the month with its components (on "
        "time, digital share, reach), volume and median days; the council-wide row for "
        "the council-wide roles."
    )
    columns = [
        Column("Department", 28),
        Column("Period", 12),
        Column("Coordination index", 10, SCORE),
        Column("RAG", 10),
        Column("Status", 12),
        Column("Status reason", 40),
        Column("Received", 8, WHOLE),
        Column("Sent", 8, WHOLE),
        Column("On time", 8, WHOLE),
        Column("Late", 8, WHOLE),
        Column("Pending", 8, WHOLE),
        Column("On-time share", 10, SCORE),
        Column("Digital share", 10, SCORE),
        Column("Reach", 10, SCORE),
        Column("Median days to resolve", 10, SCORE),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        # The partner manager sees the departments their services serve, but not their
        # referrals (DESIGN.md section 4).
        departments = readable_departments(self.user)
        if self.parameters.department:
            departments = [d for d in departments if d.pk == self.parameters.department.pk]
        every = coordination_by_department(periods=[month])
        link = page_link("reporting:coordination", query=f"period={month.key}")
        if self.scope.council_wide and not self.parameters.department:
            council = council_coordination(periods=[month], by_department=every)[0]
            yield coordination_row("Council", council, link)
        for department in departments:
            yield coordination_row(department.name, every[(department.pk, month.key)], link)


def coordination_row(name: str, figures: Coordination, link: str) -> list:
    components = {component.key: component for component in figures.components}
    return [
        name,
        figures.period.key,
        figures.index,
        figures.rag.label,
        figures.status.label,
        figures.status.reason,
        figures.received,
        figures.sent,
        figures.on_time,
        figures.late,
        figures.pending,
        figures.on_time_share,
        components["digital"].score,
        components["reach"].score,
        figures.median_days,
        link,
    ]
