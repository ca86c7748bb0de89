"""The partner's home as a to-do (issue 16, item 1): the latest closed month's SLA results
still missing, the deadline in words, an overdue flag once it has passed, and a link to
the entry form.

October 2025 ends on Friday 31 October; its results are due 10 working days later, on
Friday 14 November 2025 (no bank holiday between).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from partnerships.sla_results.services import enter_sla_result
from tests.factories import ServiceFactory, SlaFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
OCTOBER = "2025-26-P07"


@pytest.fixture
def slas(partnership):
    service = ServiceFactory(partnership=partnership, name="Desktop")
    return [SlaFactory(service=service, code=code) for code in ("AV-01", "AV-02")]


def _home(client, user, day: datetime) -> str:
    client.force_login(user)
    with time_machine.travel(day, tick=False):
        return " ".join(client.get("/").content.decode().split())


def test_after_the_deadline_the_missing_results_are_flagged_overdue_with_a_link(
    client, pat, partnership, slas
):
    html = _home(client, pat, datetime(2025, 11, 29, 9, tzinfo=LONDON))

    assert "Due by 14 November 2025 (10 working days after the month ends)." in html
    assert re.search(r'data-testid="sla_results_due-flag">Overdue by 15 days</strong>', html)
    entry = f"/partnerships/{partnership.pk}/sla-results/{OCTOBER}/"
    assert f'<a href="{entry}">Enter the 2 missing results for October 2025</a>' in html


def test_before_the_deadline_there_is_no_flag(client, pat, slas):
    html = _home(client, pat, datetime(2025, 11, 10, 9, tzinfo=LONDON))

    assert "Due by 14 November 2025" in html
    assert "Overdue" not in html
    assert "Enter the 2 missing results for October 2025" in html


def test_with_every_result_in_there_is_nothing_to_do(client, pat, slas):
    with time_machine.travel(datetime(2025, 11, 12, 9, tzinfo=LONDON), tick=False):
        for sla in slas:
            enter_sla_result(sla=sla, period_key=OCTOBER, actor=pat, value="99.9")

    html = _home(client, pat, datetime(2025, 11, 29, 9, tzinfo=LONDON))

    assert "Every result for this month is in." in html
    assert "Overdue" not in html and "missing result" not in html
