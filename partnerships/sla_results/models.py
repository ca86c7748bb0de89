"""The monthly summary of SLA results (a read model): one row per service and month."""

from __future__ import annotations

from django.db import models

from core.fields import ExactDecimalField


class SlaServiceMonth(models.Model):
    """One service's SLA results in one month, counted by outcome (DESIGN.md section 3,
    "SLA"): the results entered, met, minor and serious failures, those entered on time,
    and the sum of the serious failures' credits, each rounded to the penny, before the
    service's monthly cap. Rows exist only for months with a result; they are kept equal
    to the results, SLAs and services by ``partnerships.sla_results.summaries`` and never
    edited by hand."""

    service = models.ForeignKey("partnerships.Service", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=11, help_text="Month key such as 2025-26-P06.")
    entered = models.PositiveIntegerField()
    met = models.PositiveIntegerField()
    minor = models.PositiveIntegerField()
    serious = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()
    # Money kept exactly as text: SQLite reads a decimal column back through a float
    # (core/fields.py), and a credit must be the same penny on both databases.
    credits_uncapped = ExactDecimalField(help_text="GBP, two decimal places, before the cap.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "period"], name="sla_service_month_once")
        ]
        indexes = [models.Index(fields=["period", "service"])]

    def __str__(self) -> str:
        return f"{self.service_id}, {self.period}"
