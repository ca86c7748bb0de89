"""Celery tasks of the reporting app. Tasks are thin: load, call, record."""

from celery import shared_task


@shared_task(bind=True, max_retries=3, default_retry_delay=10 * 60)
def evaluate_early_warnings(self) -> dict:
    """The daily evaluation of the early-warning rules for the latest closed month.

    Idempotent: a warning already recorded is not raised again, so a retry or a second
    run the same day emails nobody twice.
    """
    from reporting.early_warnings import evaluate_latest

    try:
        return evaluate_latest().as_dict()
    except Exception as error:  # a database blip: try again later in the day
        raise self.retry(exc=error) from error
