"""Small helpers to turn demo dates into aware datetimes in Europe/London."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def at(day: date, rng: random.Random | None = None) -> datetime:
    """An aware datetime on ``day`` during office hours (fixed at 10:00 without ``rng``)."""
    moment = time(10, 0) if rng is None else time(rng.randint(8, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, moment))


def clamp_to(day: date, latest: date) -> date:
    return min(day, latest)


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)
