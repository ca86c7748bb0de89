"""The demo's steps on its seeding's day are never dated after the seeding."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from demo.timestamps import on_the_day

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 11, 30)


def test_before_ten_the_step_is_dated_when_the_seeding_runs():
    with time_machine.travel(datetime(2026, 11, 30, 7, 30, tzinfo=LONDON), tick=False):
        assert on_the_day(DAY) == datetime(2026, 11, 30, 7, 30, tzinfo=LONDON)


def test_after_ten_and_for_a_past_day_the_step_is_at_ten():
    with time_machine.travel(datetime(2026, 11, 30, 15, tzinfo=LONDON), tick=False):
        assert on_the_day(DAY) == datetime(2026, 11, 30, 10, tzinfo=LONDON)
        assert on_the_day(date(2025, 11, 28)) == datetime(2025, 11, 28, 10, tzinfo=LONDON)
