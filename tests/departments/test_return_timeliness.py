"""The one "missing" rule, worked by hand (DESIGN.md section 3, "RAG"; issue 15, point 2).

``return_timeliness`` says whether a return is not yet due, due, missing, submitted on time
or submitted late as of a London date. The deadlines, counted by hand (working days of
England and Wales):

- October 2026 (2026-27-P07) ends Saturday 31 October; the 15th working day after is
  Friday 20 November 2026 (2-6, 9-13 and 16-20 November).
- May 2026 (2026-27-P02) ends Sunday 31 May; its deadline is Friday 19 June 2026 (1-5,
  8-12 and 15-19 June), in British Summer Time: 22:59 UTC on 19 June is 23:59 in London,
  23:30 UTC is 00:30 on Saturday 20 June.
- Q2 2026/27 ends Wednesday 30 September; its deadline is Wednesday 21 October 2026.
- The year 2025/26 ends Tuesday 31 March 2026; its deadline is Thursday 23 April 2026
  (Good Friday 3 April and Easter Monday 6 April are bank holidays).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import KpiReturn, ReturnState
from departments.periods import Period
from departments.rating import (
    TIMELINESS_LABELS,
    ReturnTimeliness,
    Timeliness,
    return_timeliness,
)
from departments.returns.services import save_return, send_back_return, submit_return
from tests.factories import IndicatorFactory

LONDON = ZoneInfo("Europe/London")
OCTOBER = Period.parse("2026-27-P07")
MAY = Period.parse("2026-27-P02")
Q2 = Period.parse("2026-27-Q2")
YEAR = Period.parse("2025-26")
OCTOBER_DEADLINE = date(2026, 11, 20)

NOT_DUE, DUE, MISSING = Timeliness.NOT_DUE, Timeliness.DUE, Timeliness.MISSING
ON_TIME, LATE = Timeliness.ON_TIME, Timeliness.LATE


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def kpi_return(state: str, submitted_at: datetime | None = None, **figures) -> KpiReturn:
    """An unsaved return: the rule reads only what it is given, with no query."""
    figures.setdefault("value", Decimal("91.5"))
    return KpiReturn(state=state, submitted_at=submitted_at, **figures)


def judge(kpi: KpiReturn | None, today: date, period: Period = OCTOBER, **indicator):
    return return_timeliness(
        indicator=IndicatorFactory.build(**indicator), kpi_return=kpi, period=period, today=today
    )


def test_the_deadlines_are_the_ones_counted_by_hand():
    assert OCTOBER.deadline() == OCTOBER_DEADLINE
    assert MAY.deadline() == date(2026, 6, 19)
    assert Q2.deadline() == date(2026, 10, 21)
    assert YEAR.deadline() == date(2026, 4, 23)


def test_the_vocabulary_is_one_word_for_each_state():
    assert {t.value: t.label for t in Timeliness} == {
        "not_due": "Not yet due",
        "due": "Due",
        "missing": "Missing",
        "on_time": "Submitted on time",
        "late": "Submitted late",
    }
    assert TIMELINESS_LABELS[MISSING] == MISSING.label == "Missing"
    # "Overdue" is not a state of its own: a return past its deadline is missing.
    assert "overdue" not in {t.value for t in Timeliness}


# --- never started and drafts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "today", "expected"),
    [
        (None, date(2026, 10, 31), NOT_DUE),  # the month's last day: still running
        (None, date(2026, 11, 1), DUE),
        (None, OCTOBER_DEADLINE, DUE),  # the deadline day itself
        (None, date(2026, 11, 21), MISSING),  # the day after
        (kpi_return(ReturnState.DRAFT), OCTOBER_DEADLINE, DUE),
        (kpi_return(ReturnState.DRAFT), date(2026, 11, 21), MISSING),  # a draft does not count
    ],
    ids=[
        "never-started-last-day",
        "never-started-next-day",
        "never-started-deadline-day",
        "never-started-day-after",
        "draft-deadline-day",
        "draft-day-after",
    ],
)
def test_a_return_not_submitted_is_due_until_the_deadline_then_missing(kpi, today, expected):
    judged = judge(kpi, today)

    assert judged == ReturnTimeliness(expected, OCTOBER_DEADLINE, None)
    assert judged.missing is (expected is MISSING)


# --- sent back ----------------------------------------------------------------------------


def test_sent_back_before_the_deadline_is_due_then_missing_until_submitted_again():
    # Submitted on 5 November, sent back on 9 November, not yet submitted again.
    sent_back = kpi_return(ReturnState.SENT_BACK, london(2026, 11, 5, 10))

    assert judge(sent_back, date(2026, 11, 12)).state is DUE
    assert judge(sent_back, OCTOBER_DEADLINE).state is DUE
    assert judge(sent_back, date(2026, 11, 23)).state is MISSING


def test_sent_back_after_the_deadline_is_missing_though_first_submitted_on_time():
    # Submitted on 18 November (on time), sent back on 25 November.
    sent_back = kpi_return(ReturnState.SENT_BACK, london(2026, 11, 18, 10))

    assert judge(sent_back, date(2026, 11, 26)) == ReturnTimeliness(MISSING, OCTOBER_DEADLINE, None)


# --- submitted ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", [ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.LOCKED])
def test_submitted_by_the_deadline_is_on_time_in_every_counted_state(state):
    judged = judge(kpi_return(state, london(2026, 11, 18, 10)), date(2026, 11, 28))

    assert judged == ReturnTimeliness(ON_TIME, OCTOBER_DEADLINE, date(2026, 11, 18))
    assert judged.label == "Submitted on time"


@pytest.mark.parametrize("state", [ReturnState.SUBMITTED, ReturnState.APPROVED, ReturnState.LOCKED])
def test_submitted_after_the_deadline_is_late_in_every_counted_state(state):
    judged = judge(kpi_return(state, london(2026, 11, 23, 9)), date(2026, 11, 28))

    assert judged == ReturnTimeliness(LATE, OCTOBER_DEADLINE, date(2026, 11, 23))
    assert (judged.late, judged.missing, judged.label) == (True, False, "Submitted late")


def test_a_late_submission_judged_before_it_was_made_is_missing():
    late = kpi_return(ReturnState.SUBMITTED, london(2026, 11, 23, 9))

    # As of 22 November the submission of the 23rd had not happened.
    assert judge(late, date(2026, 11, 22)).state is MISSING
    assert judge(late, date(2026, 11, 23)).state is LATE


def test_a_counted_return_without_a_submission_time_is_taken_as_on_time():
    # A record loaded without a submission time: lateness is never guessed.
    assert judge(kpi_return(ReturnState.APPROVED), date(2026, 11, 28)) == ReturnTimeliness(
        ON_TIME, OCTOBER_DEADLINE, None
    )


def test_a_return_submitted_before_its_period_ended_is_on_time():
    early = kpi_return(ReturnState.SUBMITTED, london(2026, 10, 30, 9))

    assert judge(early, date(2026, 10, 30)).state is ON_TIME


# --- figures ------------------------------------------------------------------------------


def test_a_ratio_return_without_its_numerator_and_denominator_is_missing():
    submitted = london(2026, 11, 18, 10)
    without = kpi_return(ReturnState.SUBMITTED, submitted, value=Decimal("91.5"))
    with_figures = kpi_return(
        ReturnState.SUBMITTED,
        submitted,
        value=Decimal("91.5"),
        numerator=Decimal("183"),
        denominator=Decimal("200"),
    )

    assert judge(without, OCTOBER_DEADLINE, year_to_date="ratio").state is DUE
    assert judge(without, date(2026, 11, 21), year_to_date="ratio").state is MISSING
    assert judge(with_figures, date(2026, 11, 21), year_to_date="ratio").state is ON_TIME
    # A mean indicator's return needs its value only.
    assert judge(without, date(2026, 11, 21), year_to_date="mean").state is ON_TIME


def test_a_submitted_return_without_a_value_is_missing():
    blank = kpi_return(ReturnState.SUBMITTED, london(2026, 11, 18, 10), value=None)

    assert judge(blank, date(2026, 11, 21)).state is MISSING


# --- quarters and years -------------------------------------------------------------------


def test_a_quarterly_return_is_judged_against_the_quarters_deadline():
    deadline = date(2026, 10, 21)

    assert judge(None, date(2026, 9, 30), Q2, frequency="quarterly").state is NOT_DUE
    assert judge(None, deadline, Q2, frequency="quarterly").state is DUE
    assert judge(None, date(2026, 10, 22), Q2, frequency="quarterly") == ReturnTimeliness(
        MISSING, deadline, None
    )
    on_deadline_day = kpi_return(ReturnState.SUBMITTED, london(2026, 10, 21, 17, 30))
    assert judge(on_deadline_day, date(2026, 11, 28), Q2, frequency="quarterly").state is ON_TIME


def test_an_annual_return_is_judged_against_the_years_deadline():
    deadline = date(2026, 4, 23)
    late = kpi_return(ReturnState.APPROVED, london(2026, 4, 24, 9))

    assert judge(None, date(2026, 3, 31), YEAR, frequency="annual").state is NOT_DUE
    assert judge(None, deadline, YEAR, frequency="annual").state is DUE
    assert judge(None, date(2026, 4, 24), YEAR, frequency="annual").state is MISSING
    assert judge(late, date(2026, 5, 1), YEAR, frequency="annual") == ReturnTimeliness(
        LATE, deadline, date(2026, 4, 24)
    )


# --- London time around midnight on the deadline day ---------------------------------------


@pytest.mark.parametrize(
    ("submitted_at", "expected", "on"),
    [
        # 23:59 in London (BST) on the deadline day, written in UTC: on time.
        (datetime(2026, 6, 19, 22, 59, tzinfo=UTC), ON_TIME, date(2026, 6, 19)),
        (london(2026, 6, 19, 23, 59, 59), ON_TIME, date(2026, 6, 19)),
        # 23:30 UTC on the deadline day is 00:30 on 20 June in London: late.
        (datetime(2026, 6, 19, 23, 30, tzinfo=UTC), LATE, date(2026, 6, 20)),
        (london(2026, 6, 20, 0, 0), LATE, date(2026, 6, 20)),
        # 23:30 UTC the day before is 00:30 on the deadline day in London: on time.
        (datetime(2026, 6, 18, 23, 30, tzinfo=UTC), ON_TIME, date(2026, 6, 19)),
    ],
    ids=["utc-2259", "london-235959", "utc-2330", "london-midnight", "utc-2330-day-before"],
)
def test_the_deadline_day_is_a_london_day(submitted_at, expected, on):
    judged = judge(kpi_return(ReturnState.SUBMITTED, submitted_at), date(2026, 7, 1), MAY)

    assert judged == ReturnTimeliness(expected, date(2026, 6, 19), on)


# --- the same through the workflow: sent back and submitted again ---------------------------


@pytest.mark.django_db
def test_a_return_sent_back_and_submitted_again_after_the_deadline_is_late(alice, harriet, housing):
    indicator = IndicatorFactory(department=housing, code="LPI-HOU-01")
    with time_machine.travel(london(2026, 11, 18, 10), tick=False):
        kpi = save_return(
            indicator=indicator, period_key=OCTOBER.key, actor=alice, value="95", submit=True
        )
    judged = return_timeliness(
        indicator=indicator, kpi_return=kpi, period=OCTOBER, today=date(2026, 11, 19)
    )
    assert judged.state is ON_TIME
    with time_machine.travel(london(2026, 11, 19, 10), tick=False):
        kpi = send_back_return(kpi_return=kpi, actor=harriet, reason="Check the September base")
    # Sent back before the deadline: due again, then missing once the deadline passes.
    for today, expected in ((date(2026, 11, 19), DUE), (date(2026, 11, 23), MISSING)):
        judged = return_timeliness(indicator=indicator, kpi_return=kpi, period=OCTOBER, today=today)
        assert judged.state is expected
    with time_machine.travel(london(2026, 11, 24, 9), tick=False):
        kpi = save_return(
            indicator=indicator,
            period_key=OCTOBER.key,
            actor=alice,
            value="96",
            expected_version=kpi.version,
        )
        kpi = submit_return(kpi_return=kpi, actor=alice)

    judged = return_timeliness(
        indicator=indicator, kpi_return=kpi, period=OCTOBER, today=date(2026, 11, 28)
    )
    # Judged on the submission in force (24 November), not the first one (18 November).
    assert judged == ReturnTimeliness(LATE, OCTOBER_DEADLINE, date(2026, 11, 24))
