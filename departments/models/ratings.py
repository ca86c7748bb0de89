"""The monthly read model of return ratings: what every rating figure is read from.

A council of a thousand indicators cannot re-rate every indicator's returns on every cold
request (the overview, the combined view, the department dashboards, the packs), so each
indicator's rating in each period of its own kind (a month, a quarter or a year) is kept
as its returns, its targets and its definition are written
(``departments.returns.ratings``), and rebuilt from scratch by
``manage.py rebuild_indicator_ratings``.

The grain is the indicator's own period, not the calendar month: a quarterly indicator has
four rows a year rather than twelve copies, and a month is read through the period of the
indicator's kind that has ended by it (``reporting.metrics.returns.indicator_period_for``).
Rows exist for every period of each financial year in which the indicator has a counted
return (submitted, approved or locked) or a target; a period without a row has no counted
value, no target and no rating, which is exactly what the rules give there.

What the rows do not hold is what depends on the day of asking: whether a return is
missing, due, or submitted on time or late (``departments.rating.return_timeliness``) is
judged when read, from the period's return.
"""

from __future__ import annotations

from django.db import models

from core.fields import ExactDecimalField
from departments.models.indicators import PerformanceIndicator


class IndicatorRating(models.Model):
    """One indicator's figures in one period of its kind, by DESIGN.md section 3's rules:
    its counted value and RAG against the period target, and its year to date against the
    year-to-date target. Values are rounded half-up to the indicator's decimal places,
    as the rules rate them; never edited by hand."""

    indicator = models.ForeignKey(PerformanceIndicator, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=11, help_text="Period key of the indicator's kind.")
    financial_year = models.PositiveSmallIntegerField()
    # Exact text, not a decimal column: a worked-out figure (a year-to-date sum, a target
    # split into months) may pass SQLite's 15 significant digits (core/fields.py).
    value = ExactDecimalField(null=True, help_text="Counted value; empty if none.")
    period_target = ExactDecimalField(null=True)
    rag = models.CharField(max_length=9)
    year_to_date = ExactDecimalField(null=True)
    year_to_date_target = ExactDecimalField(null=True)
    year_to_date_rag = models.CharField(max_length=9)
    periods_counted = models.PositiveSmallIntegerField(
        help_text="Periods of the year up to this one with a counted return."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="indicator_rating_unique")
        ]
        indexes = [models.Index(fields=["period", "indicator"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}, {self.period}"
