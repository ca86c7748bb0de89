"""The contract's records: milestones, and escalations with the high risks beside them."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F

from core.tabular import DATE, WHOLE, Column
from partnerships.models import HIGH_RISK_SCORE, Escalation, Milestone, Risk
from partnerships.records.selectors import open_at_end_of
from reporting.reports.exports.partnership import (
    PartnershipExporter,
    partnership_link,
    visible_partnerships,
)


class MilestonesExporter(PartnershipExporter):
    identifier = "milestones"
    title = "Milestones"
    description = (
        "Milestones due in the 12 months to the end of the month (the window contract "
        "health counts), with whether each was delivered by its due date."
    )
    columns = [
        Column("Partnership", 30),
        Column("Milestone", 40),
        Column("Owner", 24),
        Column("Due", 12, DATE),
        Column("Delivered", 12, DATE),
        Column("State", 12),
        Column("Delivered by its due date", 10),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        milestones = (
            Milestone.objects.filter(
                partnership__in=visible_partnerships(self),
                due_date__gt=month.same_period_last_year().end,
                due_date__lte=month.end,
            )
            .select_related("partnership")
            .order_by("partnership_id", "due_date", "pk")
        )
        for milestone in milestones:
            delivered = milestone.delivered_date
            yield [
                milestone.partnership.name,
                milestone.title,
                milestone.owner,
                milestone.due_date,
                delivered,
                milestone.get_state_display(),
                bool(delivered and delivered <= milestone.due_date),
                partnership_link(milestone.partnership_id, month.key),
            ]


class EscalationsExporter(PartnershipExporter):
    identifier = "escalations"
    title = "Escalations and high risks"
    description = (
        f"Escalations and risks scoring {HIGH_RISK_SCORE} or more (likelihood × impact) "
        "open at the end of the month: the records contract health counts."
    )
    columns = [
        Column("Partnership", 30),
        Column("Record", 10),
        Column("Title", 40),
        Column("Owner", 24),
        Column("Raised", 12, DATE),
        Column("Severity", 10),
        Column("Risk score", 8, WHOLE),
        Column("Due", 12, DATE),
        Column("Resolved", 12, DATE),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        partnerships = visible_partnerships(self)
        open_at_end = open_at_end_of(month)
        escalations = (
            Escalation.objects.filter(open_at_end, partnership__in=partnerships)
            .select_related("partnership")
            .order_by("partnership_id", "raised_on", "pk")
        )
        for escalation in escalations:
            yield [
                escalation.partnership.name,
                "Escalation",
                escalation.title,
                escalation.owner,
                escalation.raised_on,
                escalation.get_severity_display(),
                None,
                escalation.due_date,
                escalation.resolved_on,
                partnership_link(escalation.partnership_id, month.key),
            ]
        risks = (
            Risk.objects.filter(open_at_end, partnership__in=partnerships)
            .annotate(score_value=F("likelihood") * F("impact"))
            .filter(score_value__gte=HIGH_RISK_SCORE)
            .select_related("partnership")
            .order_by("partnership_id", "raised_on", "pk")
        )
        for risk in risks:
            yield [
                risk.partnership.name,
                "Risk",
                risk.title,
                risk.owner,
                risk.raised_on,
                "",
                risk.score_value,
                risk.due_date,
                risk.resolved_on,
                partnership_link(risk.partnership_id, month.key),
            ]
