"""Coordination metrics per department and council-wide (DESIGN.md section 3).

Read from the monthly summaries of referrals (``departments.models.referral_summaries``,
kept by every write of referrals), never from the referrals themselves, so a page costs
the same with a thousand referrals or a million: counts summed in SQL, the median from
the histogram of days to resolve (exact, and identical on SQLite and PostgreSQL, which
have no common MEDIAN), reach from the pairs of departments with referrals, and "late"
as the data stands on ``today`` from the open referrals counted by due date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum
from django.utils import timezone

from departments.models import (
    Council,
    Department,
    ReferralDaysMonth,
    ReferralOpenMonth,
    ReferralPairMonth,
)
from departments.numbers import score
from departments.periods import Period
from departments.rating import Rag
from reporting.metrics.scores import (
    Component,
    fraction_score,
    rag_for_score,
    share_fraction,
    share_score,
    weighted_exact,
)
from reporting.metrics.status import FigureStatus, coordination_status


def _open_late(summaries, today: date):
    """Open referrals past their due date on ``today`` (``querysets.overdue_on``), from
    the summaries of open referrals by due date."""
    return summaries.filter(due_on__lt=today)


@dataclass(frozen=True)
class Coordination:
    """One department's (or the council's) coordination in one period."""

    period: Period
    department_id: int | None  # None: council-wide
    received: int
    sent: int
    on_time: int
    late: int
    pending: int
    digital: int
    counterparts: int
    departments: int  # in the council, for reach
    # None without a referral resolved, or in a period read without its median
    # (``coordination_by_department``'s ``median_periods``).
    median_days: Decimal | None
    index: Decimal | None
    components: list[Component]
    status: FigureStatus  # not rated while the month runs or without referrals
    # The index unrounded, an exact fraction, for figures built from it (the lag
    # correlation: DESIGN.md 3).
    index_exact: Fraction | None = None

    @property
    def volume(self) -> int:
        """Referrals received and sent; council-wide, the number of referrals, each
        counted once (every referral is both sent and received within the council)."""
        if self.department_id is None:
            return self.received
        return self.received + self.sent

    @property
    def on_time_share(self) -> Decimal | None:
        return share_score(self.on_time, self.on_time + self.late)

    @property
    def rag(self) -> Rag:
        return rag_for_score(self.index)

    @property
    def rated(self) -> bool:
        return self.index is not None


def _median(histogram: dict[int, int]) -> Decimal | None:
    """The median of values given as {value: count}; the mean of the middle two when even."""
    total = sum(histogram.values())
    if not total:
        return None
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    seen, lower = 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen >= lower_rank:
            lower = value
        if seen >= upper_rank:
            return score(Decimal(lower + value) / 2) if total % 2 == 0 else score(Decimal(lower))
    return Decimal(lower)


def _counterparts(pairs, active: set[int]) -> dict[tuple[int, str], set[int]]:
    """The active departments each department worked with, keyed (department id, period
    key), from the pairs of departments with referrals (``ReferralPairMonth`` rows). A
    department with referrals either way is a key, even where none of its counterparts is
    active; a department without is not."""
    partners: dict[tuple[int, str], set[int]] = defaultdict(set)
    for a, b, key in pairs.values_list("from_department", "to_department", "period"):
        # Reach counts the active departments, as its denominator does.
        partners[(a, key)]
        partners[(b, key)]
        if b in active:
            partners[(a, key)].add(b)
        if a in active:
            partners[(b, key)].add(a)
    return partners


def _active_department_ids() -> list[int]:
    return list(Department.objects.filter(is_active=True).values_list("pk", flat=True))


def _reach(counterparts: int, departments: int) -> Fraction | None:
    """Reach (DESIGN.md section 3): the other departments worked with, as a share of the
    council's other active departments; unrounded, None in a council of one."""
    return share_fraction(counterparts, departments - 1)


def _mean_reach(counterparts: list[int], departments: int) -> Fraction | None:
    """The mean of the reaches of the departments with referrals, given how many other
    departments each worked with: Σ counterparts ÷ ((departments − 1) × how many), worked
    out as one division so that it is exact whatever order the departments come in (a sum
    of reaches already divided would differ in its last digits by order). None without a
    department with referrals, or in a council of one."""
    return share_fraction(sum(counterparts), (departments - 1) * len(counterparts))


def _weights(council: Council) -> dict[str, int]:
    return {
        "on_time": council.weight_on_time,
        "digital": council.weight_digital_share,
        "reach": council.weight_reach,
    }


def _index(
    weights, on_time: int, late: int, digital: int, volume: int, reach: Fraction | None
) -> tuple[Fraction | None, list[Component]]:
    if not volume:
        return None, [
            Component("on_time", "On time", None, weights["on_time"], "No referrals"),
            Component("digital", "Digital share", None, weights["digital"], "No referrals"),
            Component("reach", "Reach", None, weights["reach"], "No referrals"),
        ]
    components = [
        Component(
            "on_time",
            "On time",
            share_fraction(on_time, on_time + late),
            weights["on_time"],
            f"{on_time} on time of {on_time + late} decided",
        ),
        Component(
            "digital",
            "Digital share",
            share_fraction(digital, volume),
            weights["digital"],
            f"{digital} of {volume} through a partner service",
        ),
        Component("reach", "Reach", reach, weights["reach"], "Departments worked with"),
    ]
    return weighted_exact(components)


def coordination_by_department(
    *,
    periods: list[Period],
    today: date | None = None,
    department_ids: list[int] | None = None,
    median_periods: list[Period] | None = None,
) -> dict[tuple[int, str], Coordination]:
    """Every department's coordination in every period, keyed (department id, period key).

    Five queries whatever the number of referrals: departments, the council's weights,
    received counts, sent counts, the days histogram and the department pairs.

    ``median_periods``: the periods whose median days to resolve are wanted (default: all
    of ``periods``); in the others ``median_days`` is None. The days histogram behind the
    medians is most of the rows read (a council of forty departments: 24,000 of 26,000
    over 24 months), and pages that show a trend of the index show the median of one
    month at most.
    """
    today = today or timezone.localdate()
    keys = [p.key for p in periods]
    departments = _active_department_ids()
    council = Council.objects.first()
    weights = _weights(council) if council else {"on_time": 50, "digital": 25, "reach": 25}
    pairs = ReferralPairMonth.objects.filter(period__in=keys, referrals__gt=0).order_by()
    received = {
        (r["to_department"], r["period"]): r
        for r in pairs.values("to_department", "period").annotate(
            n=Sum("referrals"),
            on_time=Sum("resolved_on_time"),
            late=Sum("resolved_late"),
            digital=Sum("through_service"),
        )
    }
    for r in (
        _open_late(ReferralOpenMonth.objects.filter(period__in=keys), today)
        .order_by()
        .values("to_department", "period")
        .annotate(n=Sum("referrals"))
    ):
        received[(r["to_department"], r["period"])]["late"] += r["n"]
    sent = {
        (r["from_department"], r["period"]): r
        for r in pairs.values("from_department", "period").annotate(
            n=Sum("referrals"), digital=Sum("through_service")
        )
    }
    histograms: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for to_id, key, days, n in (
        ReferralDaysMonth.objects.filter(
            period__in=keys if median_periods is None else [p.key for p in median_periods]
        )
        .order_by()
        .values_list("to_department", "period", "days", "referrals")
    ):
        histograms[(to_id, key)][days] = n
    partners = _counterparts(pairs, set(departments))
    wanted = department_ids if department_ids is not None else departments
    result = {}
    for department_id in wanted:
        for period in periods:
            k = (department_id, period.key)
            r, s = received.get(k, {}), sent.get(k, {})
            volume = r.get("n", 0) + s.get("n", 0)
            counterparts = len(partners.get(k, ()))
            reach = _reach(counterparts, len(departments)) if volume else None
            on_time, late = r.get("on_time", 0), r.get("late", 0)
            digital = r.get("digital", 0) + s.get("digital", 0)
            exact, components = _index(weights, on_time, late, digital, volume, reach)
            index = None if exact is None else fraction_score(exact)
            status = coordination_status(
                month=period, index=index, referrals=r.get("n", 0) + s.get("n", 0), today=today
            )
            result[k] = Coordination(
                period,
                department_id,
                r.get("n", 0),
                s.get("n", 0),
                on_time,
                late,
                r.get("n", 0) - on_time - late,
                digital,
                counterparts,
                len(departments),
                _median(histograms.get(k, {})),
                index if status.has_figure else None,
                components,
                status,
                exact if status.has_figure else None,
            )
    return result


def council_coordination(
    *,
    periods: list[Period],
    today: date | None = None,
    by_department: dict[tuple[int, str], Coordination] | None = None,
    median_periods: list[Period] | None = None,
) -> list[Coordination]:
    """Council-wide coordination per period: on time and digital share over all referrals,
    reach as the mean over the departments that had referrals (DESIGN.md section 3).

    ``by_department``: every active department's figures for ``periods``
    (``coordination_by_department``), where the caller has them already; the reaches are
    read from them. Without, they are read from the pairs of departments (one query), not
    worked out for every department. Six queries, or four with ``by_department``; one
    fewer when ``median_periods`` is empty.

    ``median_periods``: the periods whose median days to resolve are wanted (default: all
    of ``periods``); in the others ``median_days`` is None. As for
    ``coordination_by_department``: the pages that show the council's trend show no
    median, or the median of one month."""
    today = today or timezone.localdate()
    keys = [p.key for p in periods]
    council = Council.objects.first()
    weights = _weights(council) if council else {"on_time": 50, "digital": 25, "reach": 25}
    totals = {
        r["period"]: r
        for r in ReferralPairMonth.objects.filter(period__in=keys)
        .order_by()
        .values("period")
        .annotate(
            n=Sum("referrals"),
            on_time=Sum("resolved_on_time"),
            late=Sum("resolved_late"),
            digital=Sum("through_service"),
        )
    }
    for r in (
        _open_late(ReferralOpenMonth.objects.filter(period__in=keys), today)
        .order_by()
        .values("period")
        .annotate(n=Sum("referrals"))
    ):
        totals[r["period"]]["late"] += r["n"]
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    # Django sends no query for an empty list of periods.
    for row in (
        ReferralDaysMonth.objects.filter(
            period__in=keys if median_periods is None else [p.key for p in median_periods]
        )
        .order_by()
        .values("period", "days")
        .annotate(n=Sum("referrals"))
    ):
        histograms[row["period"]][row["days"]] = row["n"]
    # Each active department with referrals in a period, by period key: how many other
    # active departments it worked with.
    with_referrals: dict[str, list[int]] = defaultdict(list)
    if by_department is None:
        # Only the reaches are wanted: read from the pairs, not every department's figures.
        active = _active_department_ids()
        pairs = ReferralPairMonth.objects.filter(period__in=keys, referrals__gt=0).order_by()
        for (department_id, key), partners in _counterparts(pairs, set(active)).items():
            if department_id in active:
                with_referrals[key].append(len(partners))
        departments = len(active)
    else:
        for (_, key), c in by_department.items():
            if c.volume:
                with_referrals[key].append(c.counterparts)
        departments = next(iter(by_department.values())).departments if by_department else 0
    series = []
    for period in periods:
        t = totals.get(period.key, {})
        rated = with_referrals[period.key]
        reach = _mean_reach(rated, departments)
        n, on_time, late = t.get("n", 0), t.get("on_time", 0), t.get("late", 0)
        exact, components = _index(weights, on_time, late, t.get("digital", 0), n, reach)
        index = None if exact is None else fraction_score(exact)
        status = coordination_status(month=period, index=index, referrals=n, today=today)
        series.append(
            Coordination(
                period,
                None,
                n,
                n,
                on_time,
                late,
                n - on_time - late,
                t.get("digital", 0),
                len(rated),
                departments,
                _median(histograms.get(period.key, {})),
                index if status.has_figure else None,
                components,
                status,
                exact if status.has_figure else None,
            )
        )
    return series


@dataclass(frozen=True)
class PairCell:
    from_id: int
    to_id: int
    volume: int
    on_time: int
    late: int

    @property
    def on_time_share(self) -> Decimal | None:
        return share_score(self.on_time, self.on_time + self.late)


def department_matrix(
    *, period: Period, today: date | None = None
) -> dict[tuple[int, int], PairCell]:
    """Referrals between each pair of departments in the period (two queries)."""
    today = today or timezone.localdate()
    late = defaultdict(int)
    for r in (
        _open_late(ReferralOpenMonth.objects.filter(period=period.key), today)
        .order_by()
        .values("from_department", "to_department")
        .annotate(n=Sum("referrals"))
    ):
        late[(r["from_department"], r["to_department"])] = r["n"]
    return {
        (a, b): PairCell(a, b, n, on_time, resolved_late + late[(a, b)])
        for a, b, n, on_time, resolved_late in ReferralPairMonth.objects.filter(
            period=period.key, referrals__gt=0
        ).values_list(
            "from_department", "to_department", "referrals", "resolved_on_time", "resolved_late"
        )
    }
