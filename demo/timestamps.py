"""Small helpers to turn demo dates into aware datetimes in Europe/London."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def at(day: date, rng: random.Random | None = None) -> datetime:
    """An aware datetime on ``day`` during office hours (fixed at 10:00 without ``rng``)."""
    moment = time(10, 0) if rng is None else time(rng.randint(8, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, moment))


def on_the_day(today: date) -> datetime:
    """The moment of a step the demo takes on its seeding's day: 10:00 that day, or the
    clock's moment if 10:00 is still to come (a council seeded at 7:30 has nothing dated
    after its seeding). The same moment whenever a past day is seeded."""
    moment = at(today)
    # Only the seeding's own day can still be before 10:00: a past or future day seeded
    # (a test's fixed day) is dated 10:00 whatever the clock says, run after run.
    return min(moment, timezone.now()) if today == timezone.localdate() else moment


def no_later_than(moment: datetime, today: date) -> datetime:
    """``moment``, or the moment of the seeding's day (``on_the_day``) if ``moment`` comes
    after it: nothing the demo holds is dated after it was seeded."""
    return min(moment, on_the_day(today))


def clamp_to(day: date, latest: date) -> date:
    return min(day, latest)


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=days)
