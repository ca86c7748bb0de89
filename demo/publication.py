"""The demo's published indicators: a dozen, in residents' words (issue 20, item 7)."""

from __future__ import annotations

from datetime import date

from simple_history.utils import bulk_create_with_history

from demo.timestamps import on_the_day
from departments.models import PerformanceIndicator
from publication.models import PublishedIndicator, Theme

# Indicator code: (title, description, theme), as a resident would look for them.
PUBLISHED = {
    "BV8": (
        "Bills the council pays on time",
        "The share of local businesses' invoices the council paid within 30 days.",
        Theme.MONEY,
    ),
    "BV9": (
        "How much council tax is collected",
        "The share of this year's council tax collected so far.",
        Theme.MONEY,
    ),
    "BV78a": (
        "How quickly new benefit claims are dealt with",
        "The average number of days to process a new housing or council tax benefit claim.",
        Theme.MONEY,
    ),
    "BV82a": (
        "How much household waste is recycled",
        "The share of household waste sent for recycling.",
        Theme.ENVIRONMENT,
    ),
    "BV84a": (
        "How much household waste is collected per person",
        "Kilograms of household waste collected for each resident.",
        Theme.ENVIRONMENT,
    ),
    "BV109a": (
        "How quickly major planning applications are decided",
        "The share of major planning applications decided within 13 weeks.",
        Theme.PLANNING,
    ),
    "BV109b": (
        "How quickly minor planning applications are decided",
        "The share of minor planning applications decided within 8 weeks.",
        Theme.PLANNING,
    ),
    "BV212": (
        "How quickly empty council homes are let again",
        "The average number of days between a council home becoming empty and being let.",
        Theme.HOMES,
    ),
    "BV195": (
        "Adults assessed for care without a long wait",
        "The share of new assessments for adult social care started within the target time.",
        Theme.COMMUNITY,
    ),
    "BV196": (
        "Care arranged without a long wait",
        "The share of care packages in place within the target time after assessment.",
        Theme.COMMUNITY,
    ),
    "BV12": (
        "Days lost to staff sickness",
        "Working days lost to sickness absence for each full-time member of staff.",
        Theme.COUNCIL,
    ),
    "BV3": (
        "Residents satisfied with the council",
        "The share of residents who say they are satisfied with the council overall.",
        Theme.COUNCIL,
    ),
}


def publish_demo_indicators(smt_user, today: date) -> int:
    """Publish the dozen in bulk, with their history rows (one insert each way, rather
    than ``set_publication`` a dozen times: the seeding stays fast, and the rows are the
    same the service would write), at 10:00 on ``today`` (``on_the_day``: never after the
    seeding): the same seed gives the same rows on every run and database."""
    now = on_the_day(today)
    indicators = PerformanceIndicator.objects.filter(code__in=PUBLISHED)
    rows = [
        PublishedIndicator(
            indicator=indicator,
            public_title=PUBLISHED[indicator.code][0],
            public_description=PUBLISHED[indicator.code][1],
            theme=PUBLISHED[indicator.code][2],
            published_by=smt_user,
            published_at=now,
        )
        for indicator in indicators
    ]
    bulk_create_with_history(rows, PublishedIndicator, default_user=smt_user, default_date=now)
    return len(rows)
