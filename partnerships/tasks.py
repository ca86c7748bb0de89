"""Celery tasks of the partnerships app: thin, taking plain values, calling a service."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from partnerships.contracts import reminders


@shared_task(
    name="partnerships.tasks.send_notice_reminders",
    bind=True,
    max_retries=3,
    default_retry_delay=15 * 60,
)
def send_notice_reminders(self, on_date: str | None = None) -> dict[str, int]:
    """Remind the SMT of contract performance notices due in 30 and 7 days; Celery beat
    runs it every morning. ``on_date`` is an ISO date, default today in Europe/London,
    fixed on the first attempt so a retry sends that day's reminders; emails already
    logged for the day are not sent again, so a retry only sends what failed."""
    on_date = on_date or timezone.localdate().isoformat()
    summary = reminders.send_notice_reminders(today=date.fromisoformat(on_date)).as_dict()
    if summary["failed"]:
        raise self.retry(args=[on_date])
    return summary
