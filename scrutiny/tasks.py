"""Scrutiny's Celery task: the daily reminder of overdue answers."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from departments import periods
from scrutiny.reminders import send_scrutiny_reminders


@shared_task(
    name="scrutiny.tasks.send_scrutiny_reminders",
    bind=True,
    max_retries=3,
    default_retry_delay=15 * 60,
)
def send_scrutiny_reminders_task(self, on_date: str | None = None) -> dict[str, int]:
    """Remind heads of service (and the SMT) of overdue scrutiny answers; Celery beat
    runs it on weekday mornings. ``on_date`` (ISO) is fixed on the first attempt so a
    retry sends that day's reminders; nothing is sent twice; bank holidays send nothing."""
    on_date = on_date or timezone.localdate().isoformat()
    day = date.fromisoformat(on_date)
    if not periods.is_working_day(day):
        return {"emails_sent": 0, "skipped_not_working_day": 1}
    summary = send_scrutiny_reminders(today=day).as_dict()
    if summary["failed"]:
        raise self.retry(args=[on_date])
    return summary
