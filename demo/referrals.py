"""Cross-department referrals between departments that really work together.

Most travel through the partner's shared systems; while those fail (the episode),
dependent departments resolve fewer on time and fall back on email and phone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from demo.reference import REFERRAL_CATEGORIES
from demo.scale import Episode
from departments import periods
from departments.models import Channel, Referral

OFFLINE = (Channel.EMAIL, Channel.PHONE, Channel.PAPER)


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
    episode: Episode,
    dependent_department_ids: set[int],
    today: date,
) -> Iterator[Referral]:
    """Yield ``total`` referrals spread over ``months`` (roughly evenly, with noise)."""
    per_month = total / len(months)
    weights = [pair.weight for pair in pairs]
    produced = 0
    for index, month in enumerate(months):
        target = round(per_month * (index + 1)) if index < len(months) - 1 else total
        count = target - produced
        produced = target
        falling = episode.coordination_falling(month)
        last_day = min(month.end, today - timedelta(days=1))
        span = (last_day - month.start).days
        if span < 0:
            continue
        chosen = rng.choices(pairs, weights, k=count)
        for pair in chosen:
            yield _referral(rng, pair, month, span, falling, dependent_department_ids, today)


def _referral(
    rng: random.Random,
    pair: Pair,
    month: periods.Period,
    span: int,
    falling: bool,
    dependent: set[int],
    today: date,
) -> Referral:
    category, agreed = REFERRAL_CATEGORIES[rng.randrange(len(REFERRAL_CATEGORIES))]
    raised = month.start + timedelta(days=rng.randint(0, span))
    hit = falling and pair.to_id in dependent
    on_time = rng.random() < (0.5 if hit else 0.88)
    digital = pair.channel_service_id is not None and rng.random() < (0.5 if hit else 0.82)
    days = rng.randint(0, agreed) if on_time else agreed + rng.randint(1, 12)
    resolved = raised + timedelta(days=days)
    acknowledged = raised + timedelta(days=min(rng.randint(0, 2), days))
    referral = Referral(
        from_department_id=pair.from_id,
        to_department_id=pair.to_id,
        category=category,
        raised_on=raised,
        agreed_days=agreed,
        acknowledged_on=acknowledged if acknowledged < today else None,
        resolved_on=resolved if resolved < today else None,
        channel=Channel.SERVICE if digital else rng.choice(OFFLINE),
        service_id=pair.channel_service_id if digital else None,
    )
    referral.set_derived_fields()
    return referral
