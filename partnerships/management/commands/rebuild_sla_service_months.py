"""python manage.py rebuild_sla_service_months: recount the monthly summary of SLA results."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from partnerships.sla_results.summaries import rebuild_sla_service_months


class Command(BaseCommand):
    help = (
        "Recount each service's SLA results by month (outcomes, results on time, credits "
        "before the cap) from the results, SLAs and services. Every write keeps them up to "
        "date; run this after changing results outside the product."
    )

    def handle(self, *args, **options) -> None:
        written = rebuild_sla_service_months()
        self.stdout.write(f"Recounted: {written:,} service months of SLA results.")
