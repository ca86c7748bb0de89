"""The demo's scrutiny (issue 20, item 7): the Overview and Scrutiny Committee with the
two demo members, the latest signed-off month put to it, and their questions on Housing's
indicators and the partnership: two open (one of them overdue), one answered awaiting the
member, one closed.

Written through the scrutiny services, so each step is in the audit trail as it would be;
the overdue one is then dated back, with its history, as it would have been asked weeks
ago.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from demo.timestamps import on_the_day
from departments.models import Department, PerformanceIndicator
from partnerships.models import Partnership
from reporting.signed_off import latest_signed_off_month
from scrutiny import services
from scrutiny.models import ScrutinyCommittee, ScrutinyItem, Subject

COMMITTEE_NAME = "Overview and Scrutiny Committee"


def build_scrutiny(*, members: list, head, smt, today: date) -> int:
    """The committee, its agenda and four items; the number of items."""
    committee = ScrutinyCommittee.objects.create(name=COMMITTEE_NAME)
    committee.members.add(*members)
    housing = Department.objects.get(code="housing")
    # The council's latest month signed off for members (every page of it theirs to read).
    month = latest_signed_off_month(today=today)
    if month is None:  # a council too young to have a signed-off month asks nothing
        return 0
    indicators = list(PerformanceIndicator.objects.filter(department=housing).order_by("code")[:2])
    meeting = today + timedelta(days=14)
    # Every step as of the seeding's day, not the clock's: the same council whenever seeded.
    now = on_the_day(today)
    services.put_to_committee(
        now=now,
        actor=smt,
        committee=committee,
        meeting_on=meeting,
        period_key=month.key,
        note="The month's performance, as signed off by the SMT.",
    )
    for indicator in indicators:
        services.put_to_committee(
            now=now,
            actor=smt,
            committee=committee,
            meeting_on=meeting,
            period_key=month.key,
            indicator=indicator,
        )
    first, second = members

    def ask(member, text, **subject):
        return services.ask(
            now=now, actor=member, period_key=month.key, text=text, committee=committee, **subject
        )

    overdue = ask(
        first,
        f"Why is {indicators[0].code} where it is, and what is being done about it?",
        subject=Subject.INDICATOR,
        indicator=indicators[0],
    )
    # Asked five weeks ago: past its answer date now. Its history row is dated back with
    # it, so the audit trail shows it asked then, not someone changing its dates later.
    asked = now - timedelta(weeks=5)
    dates = {"asked_at": asked, "due_on": services.answer_due_on(timezone.localdate(asked))}
    ScrutinyItem.objects.filter(pk=overdue.pk).update(**dates)
    overdue.history.all().update(history_date=asked, **dates)
    ask(
        second,
        "Is the partnership's service credit regime enough of an incentive?",
        subject=Subject.PARTNERSHIP,
        partnership=Partnership.objects.order_by("pk").first(),
    )
    answered = ask(
        second,
        f"The commentary on {indicators[-1].code} reads well, but what do tenants say?",
        subject=Subject.INDICATOR,
        indicator=indicators[-1],
    )
    services.answer(
        now=now,
        item=answered,
        actor=head,
        text="The tenants' panel reviewed the figures in its last meeting; its notes are "
        "in the service plan's annex, and we will bring them to the committee.",
    )
    closed = ask(
        first,
        "Housing's month looks better: is that the new repairs contract?",
        subject=Subject.DEPARTMENT,
        department=housing,
    )
    services.answer(
        now=now,
        item=closed,
        actor=head,
        text="Partly: the contract started in the month, and the backlog fell by a third.",
    )
    services.close(item=closed, actor=first, now=now)
    return ScrutinyItem.objects.count()
