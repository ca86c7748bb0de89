"""Dashboards of a signed-off month come from the cache (Redis when configured).

The key carries the generation of every month the figures draw on, so any change in
those months (a reopened return, an SLA result, a referral) means a fresh computation.
A month not yet signed off is always computed: its figures still move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from departments.models import PeriodSignOff
from departments.period_cache import generations_key
from departments.periods import Period

T = TypeVar("T")
CACHE_SECONDS = 60 * 60 * 24


def signed_off_for_council(month: Period) -> bool:
    return PeriodSignOff.objects.active().filter(period=month.key, department__isnull=True).exists()


def cached_if_signed_off(
    name: str, month: Period, months: list[Period], build: Callable[[], T]
) -> tuple[T, bool]:
    """``build()``'s result, from the cache when the month is signed off council-wide;
    also says whether the cache was used."""
    if not signed_off_for_council(month):
        return build(), False
    # Today's date is in the key too: whether a month is rated or provisional, and where
    # month navigation stops, move on with the calendar, not only with writes.
    today = timezone.localdate().isoformat()
    key = f"{name}:{month.key}:{today}:{generations_key([m.key for m in months])}"
    return cache.get_or_set(key, build, timeout=CACHE_SECONDS), True
