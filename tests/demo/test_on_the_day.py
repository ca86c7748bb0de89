"""The demo's steps on its seeding's day are never dated after the seeding."""

from dataclasses import replace
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


def test_a_council_seeded_the_day_after_a_month_ends_has_its_returns_read_as_submitted(db):
    """Seeded on 1 December, November's returns cannot have been submitted on the days
    before their deadline still to come: they are dated no later than the seeding, and the
    one rule reads every counted one as submitted on time (it read them as not submitted,
    so approved returns were listed as due)."""
    from demo.generator import seed_council
    from demo.scale import DEMO
    from departments.models import KpiReturn, ReturnState
    from departments.rating import Timeliness, return_timeliness

    seeded_at = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    # The demo's departments and indicators, over one year with few referrals: quick.
    tiny = replace(DEMO, name="tiny", years=1, referrals=200)
    with time_machine.travel(seeded_at, tick=False):
        seed_council(scale=tiny, seed=7, today=date(2026, 12, 1))
    november = KpiReturn.objects.filter(period="2026-27-P08").select_related("indicator")
    counted = november.filter(
        state__in=[ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.LOCKED]
    )
    assert counted.exists()
    assert not KpiReturn.objects.filter(submitted_at__gt=seeded_at).exists()
    assert not KpiReturn.objects.filter(approved_at__gt=seeded_at).exists()
    for kpi_return in counted:
        standing = return_timeliness(
            indicator=kpi_return.indicator,
            kpi_return=kpi_return,
            period=kpi_return.period_obj,
            today=date(2026, 12, 1),
        )
        assert standing.state is Timeliness.ON_TIME, kpi_return


def test_a_day_other_than_today_is_dated_ten_oclock_whatever_the_clock():
    """A test's fixed day seeded before or after the clock's: the same moment run after run
    (a day after the clock's was dated by the clock, so two runs differed)."""
    with time_machine.travel(datetime(2026, 11, 30, 7, 30, tzinfo=LONDON), tick=False):
        assert on_the_day(date(2026, 12, 5)) == datetime(2026, 12, 5, 10, tzinfo=LONDON)
