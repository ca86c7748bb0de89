"""python manage.py rebuild_indicator_ratings: recompute the read model of return ratings."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from departments.returns.ratings import rebuild_indicator_ratings


class Command(BaseCommand):
    help = (
        "Recompute every indicator's ratings by period (value, RAG, year to date) from the "
        "returns, targets and indicators. Every write keeps them up to date; run this after "
        "changing returns or targets outside the product."
    )

    def handle(self, *args, **options) -> None:
        written = rebuild_indicator_ratings()
        self.stdout.write(f"Recomputed: {written:,} indicator ratings by period.")
