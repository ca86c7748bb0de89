"""The partnership's month: SLA results and their credits, service credits and health,
and contract health with its components (the partnership page's figures)."""

from __future__ import annotations

from collections.abc import Iterator

from core.tabular import DATETIME, FIGURE, MONEY, SCORE, WHOLE, Column
from partnerships.models import Partnership, Service, SlaResult
from partnerships.outcomes import deadline_cutoff, sla_credit, sla_outcome
from reporting.metrics.health import (
    contract_health_series,
    credits_year_to_date,
    service_months,
    trailing_months,
)
from reporting.reports.exports.base import Exporter, page_link

COMPONENT_KEYS = ("sla", "credits", "milestones", "escalations", "timely")
COMPONENT_LABELS = {
    "sla": "SLA performance",
    "credits": "Service credits",
    "milestones": "Milestones",
    "escalations": "Escalations and risks",
    "timely": "Timely reporting",
}


def visible_partnerships(exporter: Exporter) -> list[Partnership]:
    """The contracts the user may see (SMT, auditors, the partner manager), optionally one."""
    partnerships = Partnership.objects.visible_to(exporter.user).order_by("pk")
    if exporter.parameters.partnership:
        partnerships = partnerships.filter(pk=exporter.parameters.partnership.pk)
    return list(partnerships)


class PartnershipExporter(Exporter):
    """A report of the contract: for SMT, auditors and the partnership's own manager."""

    @classmethod
    def may_run(cls, user) -> bool:
        return Partnership.objects.visible_to(user).exists()


def partnership_link(partnership_id: int, month_key: str) -> str:
    return page_link("reporting:partnership", partnership_id, query=f"period={month_key}")


class SlaResultsExporter(PartnershipExporter):
    identifier = "sla_results"
    title = "SLA results with credits"
    description = (
        "Each SLA's result for the month: the figure in force, outcome, verification, "
        "whether it was entered by the deadline, and the credit a serious failure earns "
        "before the service's cap."
    )
    columns = [
        Column("Partnership", 30),
        Column("Service", 28),
        Column("SLA", 10),
        Column("Title", 36),
        Column("Expected level", 12, FIGURE),
        Column("Minimum level", 12, FIGURE),
        Column("Reported", 12, FIGURE),
        Column("Agreed", 12, FIGURE),
        Column("Figure in force", 12, FIGURE),
        Column("Outcome", 14),
        Column("Verification", 12),
        Column("Entered at", 17, DATETIME),
        Column("Entered by the deadline", 10),
        Column("Credit earned before the cap", 14, MONEY),
        Column("Commentary", 40),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        partnerships = visible_partnerships(self)
        cutoff = deadline_cutoff(month)
        results = (
            SlaResult.objects.filter(sla__service__partnership__in=partnerships, period=month.key)
            .select_related("sla__service__partnership")
            .order_by("sla__service__partnership_id", "sla__service__name", "sla__code")
        )
        for result in results:
            sla, service = result.sla, result.sla.service
            # The SLA results page's rule (partnerships.sla_results.selectors.month_rows),
            # on the stored figures: the same outcome and the same credit, to the penny.
            outcome = sla_outcome(sla, result)
            yield [
                service.partnership.name,
                service.name,
                sla.code,
                sla.title,
                sla.expected_level,
                sla.minimum_level,
                result.reported_value,
                result.agreed_value,
                result.value_in_force,
                outcome.label,
                result.get_verification_display(),
                result.entered_at,
                result.entered_at < cutoff,
                sla_credit(sla, outcome),
                result.commentary,
                partnership_link(service.partnership_id, month.key),
            ]


class ServiceCreditsExporter(PartnershipExporter):
    identifier = "service_credits"
    title = "Service health and service credits"
    description = (
        "Each service's month: results entered, met, minor and serious failures, health, "
        "credits against the cap and credits for the year to date."
    )
    columns = [
        Column("Partnership", 30),
        Column("Service", 28),
        Column("SLAs", 6, WHOLE),
        Column("Results entered", 8, WHOLE),
        Column("Met", 6, WHOLE),
        Column("Minor failures", 8, WHOLE),
        Column("Serious failures", 8, WHOLE),
        Column("Missing", 8, WHOLE),
        Column("Service health", 8, SCORE),
        Column("RAG", 10),
        Column("Monthly charge", 14, MONEY),
        Column("Credit cap", 12, MONEY),
        Column("Credits", 12, MONEY),
        Column("Capped", 8),
        Column("Credits year to date", 14, MONEY),
        Column("How the credit was worked out", 50),
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        month = self.parameters.month
        partnerships = visible_partnerships(self)
        ids = [partnership.pk for partnership in partnerships]
        months = service_months(partnership_ids=ids, months=[month])
        services_of: dict[int, list[Service]] = {pk: [] for pk in ids}
        for service in Service.objects.filter(partnership__in=ids).order_by("name"):
            services_of[service.partnership_id].append(service)
        for partnership in partnerships:
            to_date = credits_year_to_date(partnership=partnership, period=month)
            for service in services_of[partnership.pk]:
                figures = months[(service.pk, month.key)]
                yield [
                    partnership.name,
                    service.name,
                    figures.expected,
                    figures.entered,
                    figures.met,
                    figures.minor,
                    figures.serious,
                    figures.missing,
                    figures.health,
                    figures.rag.label,
                    figures.monthly_charge,
                    figures.cap,
                    figures.credits,
                    figures.capped,
                    to_date.get(service.pk),
                    figures.credit_rule,
                    partnership_link(partnership.pk, month.key),
                ]


class ContractHealthExporter(PartnershipExporter):
    identifier = "contract_health"
    title = "Contract health with its components"
    description = (
        "Contract health of each partnership for the 24 months to the chosen month, with "
        "every component's score and its weight after sharing out, and whether each month "
        "is rated, provisional (SLA results still due) or outside the contract."
    )
    columns = [
        Column("Partnership", 30),
        Column("Month", 12),
        Column("Contract health", 10, SCORE),
        Column("RAG", 10),
        Column("Status", 12),
        Column("Status reason", 40),
        Column("Credits", 12, MONEY),
        *[
            column
            for key in COMPONENT_KEYS
            for column in (
                Column(COMPONENT_LABELS[key], 10, SCORE),
                Column(f"{COMPONENT_LABELS[key]} weight (%)", 10, SCORE),
            )
        ],
        Column("Source", 40),
    ]

    def rows(self) -> Iterator[list]:
        months = trailing_months(self.parameters.month)
        for partnership in visible_partnerships(self):
            for health in contract_health_series(partnership=partnership, months=months):
                by_key = {component.key: component for component in health.components}
                yield [
                    partnership.name,
                    health.period.key,
                    health.score,
                    health.rag.label,
                    health.status.label,
                    health.status.reason,
                    health.credits,
                    *[
                        value
                        for key in COMPONENT_KEYS
                        for value in (by_key[key].score, by_key[key].effective_weight)
                    ],
                    partnership_link(partnership.pk, health.period.key),
                ]
