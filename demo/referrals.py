"""Cross-department referrals between departments that really work together.

Most travel through the partner's shared systems. A receiving department resolves fewer on
time the month after the partner services it depends on weaken (its dependency health),
and more so when the system the referral travels through is the one failing, when it also
falls back on email and phone. So coordination follows the services a department relies
on, in the episode and after any ordinary bad month, as it would in life.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from demo.reference import REFERRAL_CATEGORIES
from departments import periods
from departments.models import Channel
from departments.models.referrals import derived_fields

OFFLINE = (Channel.EMAIL, Channel.PHONE, Channel.PAPER)
# What ``build_referrals`` yields for each referral: its columns, in this order (the rest
# are the table's: the id, no reference, no one who raised it, the time it is stored).
COLUMNS = (
    "from_department_id",
    "to_department_id",
    "category",
    "raised_on",
    "agreed_days",
    "acknowledged_on",
    "resolved_on",
    "channel",
    "service_id",
    "period",
    "due_on",
    "resolution_days",
)


@dataclass(frozen=True)
class Pair:
    from_id: int
    to_id: int
    weight: int
    channel_service_id: int | None  # the shared system this pair's referrals go through


def build_referrals(
    *,
    rng: random.Random,
    pairs: list[Pair],
    months: list[periods.Period],
    total: int,
    service_health: dict[tuple[int, str], float],
    dependency_health: dict[tuple[int, str], float],
    served: dict[int, set[int]],
    today: date,
) -> Iterator[tuple]:
    """Yield ``total`` referrals spread over ``months`` (roughly evenly, with noise), each
    as a tuple of its ``COLUMNS``: a million model instances would cost more to build
    than to write.

    ``service_health`` is each service's health (0 to 1) by (service id, month key),
    ``dependency_health`` each department's by (department id, month key), ``served``
    the departments each channel service serves.
    """
    per_month = total / len(months)
    weights = [pair.weight for pair in pairs]
    produced = 0
    for index, month in enumerate(months):
        target = round(per_month * (index + 1)) if index < len(months) - 1 else total
        count = target - produced
        produced = target
        before = month.previous().key
        last_day = min(month.end, today - timedelta(days=1))
        span = (last_day - month.start).days
        if span < 0:
            continue
        chosen = rng.choices(pairs, weights, k=count)
        for pair in chosen:
            service = pair.channel_service_id
            relies = service is not None and pair.to_id in served.get(service, ())
            channel = 1.0 - service_health.get((service, before), 1.0) if relies else 0.0
            weaker = 1.0 - dependency_health.get((pair.to_id, before), 1.0)
            yield _referral(rng, pair, month, span, channel, weaker, today)


def _referral(
    rng: random.Random,
    pair: Pair,
    month: periods.Period,
    span: int,
    channel_shortfall: float,
    dependency_shortfall: float,
    today: date,
) -> tuple:
    # The draws from ``rng`` stay in this order: the same seed gives the same referrals.
    category, agreed = REFERRAL_CATEGORIES[rng.randrange(len(REFERRAL_CATEGORIES))]
    raised = month.start + timedelta(days=rng.randint(0, span))
    # Usual months: about 88% on time; the channel failing outright (the episode): about half.
    on_time = rng.random() < 0.95 - 0.45 * channel_shortfall - dependency_shortfall
    digital = pair.channel_service_id is not None and rng.random() < 0.82 - 0.38 * channel_shortfall
    days = rng.randint(0, agreed) if on_time else agreed + rng.randint(1, 12)
    resolved = raised + timedelta(days=days)
    acknowledged = raised + timedelta(days=min(rng.randint(0, 2), days))
    resolved_on = resolved if resolved < today else None
    return (
        pair.from_id,
        pair.to_id,
        category,
        raised,
        agreed,
        acknowledged if acknowledged < today else None,
        resolved_on,
        Channel.SERVICE if digital else rng.choice(OFFLINE),
        pair.channel_service_id if digital else None,
        *derived_fields(raised, agreed, resolved_on),
    )
