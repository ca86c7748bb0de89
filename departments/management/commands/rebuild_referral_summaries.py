"""python manage.py rebuild_referral_summaries: recount the monthly summaries of referrals."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from departments.referrals.summaries import rebuild_referral_summaries


class Command(BaseCommand):
    help = (
        "Recount the monthly summaries of referrals from the referrals themselves. Every "
        "write keeps them up to date; run this after changing referrals outside the product."
    )

    def handle(self, *args, **options) -> None:
        written = rebuild_referral_summaries()
        self.stdout.write(
            f"Recounted: {written['pairs']:,} department pairs by month, "
            f"{written['open']:,} open by due date, {written['days']:,} days-to-resolve counts."
        )
