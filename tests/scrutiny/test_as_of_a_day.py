"""Each scrutiny step may be taken as of a moment the caller names (the demo seeds a
council as of its own day, whatever the clock says): every date the step checks and
writes, the audit trail's included, follows that moment."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from scrutiny import services
from scrutiny.models import Subject
from tests.scrutiny.conftest import SIGNED

pytestmark = pytest.mark.django_db

# The council's September 2025 is signed off on 20 November 2025 (tests/scrutiny/conftest.py);
# the steps below are taken as of 5 January 2026, while the clock is back in October 2025.
LATER = datetime(2026, 1, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))
CLOCK = datetime(2025, 10, 15, 12, tzinfo=ZoneInfo("Europe/London"))


def test_a_question_asked_answered_and_closed_as_of_a_named_moment(
    signed_council, mo, harriet, committee
):
    with time_machine.travel(CLOCK, tick=False):
        item = services.ask(
            actor=mo,
            subject=Subject.INDICATOR,
            indicator=signed_council,
            period_key=SIGNED,
            text="Why is it where it is?",
            now=LATER,
        )
        services.answer(item=item, actor=harriet, text="Because of the winter.", now=LATER)
        services.close(item=item, actor=mo, now=LATER + timedelta(hours=1))

    item.refresh_from_db()
    # Ten working days after Monday 5 January 2026.
    assert (item.asked_at, item.due_on) == (LATER, date(2026, 1, 19))
    assert (item.answered_at, item.closed_at) == (LATER, LATER + timedelta(hours=1))
    assert [(h.history_change_reason, h.history_date) for h in item.history.order_by("pk")] == [
        ("Asked", LATER),
        ("Answered", LATER),
        ("Closed", LATER + timedelta(hours=1)),
    ]


def test_an_agenda_item_is_checked_against_the_named_moment(signed_council, sam, committee):
    with time_machine.travel(CLOCK, tick=False):
        item = services.put_to_committee(
            actor=sam,
            committee=committee,
            meeting_on=date(2026, 1, 12),
            period_key=SIGNED,
            now=LATER,
        )
        # As of a moment after the meeting, the same date is in the past (by the clock
        # it would still be to come).
        with pytest.raises(ValidationError) as refused:
            services.put_to_committee(
                actor=sam,
                committee=committee,
                meeting_on=date(2026, 1, 12),
                period_key=SIGNED,
                now=LATER + timedelta(days=30),
            )
    assert refused.value.message_dict == {
        "meeting_on": ["Give a meeting date today or later, not 12 January 2026."]
    }
    assert item.history.get().history_date == LATER
