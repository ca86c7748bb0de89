"""What residents may see, decided once (issue 20, items 4 to 6).

``public_returns`` is the one rule: a figure is public when its indicator is published
(not withdrawn, still in use), its return is locked, and a sign-off by the SMT of that
period, for its department or for the whole council, still stands and was given after
the return was approved: the SMT saw the figure it published. Reopening a period (or a
return) makes its figures private again at once; a return approved after the period's
sign-off (left open at sign-off, or reopened and approved again) locks, but stays
private until the SMT signs its period off again. ``build_portal`` builds every figure the
portal, the open-data files and the public API show from those returns alone, and every
one of them reads it; it is cached (``publication.cache``).

No staff name reaches these dataclasses: a public figure carries the period, value,
target, rating, direction of travel and the commentary as signed off, nothing of who
entered, approved or published it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models.functions import Coalesce
from django.utils import timezone

from departments.models import KpiReturn, PeriodSignOff, ReturnState, Target
from departments.numbers import round_half_up
from departments.periods import Period, date_in_words
from departments.rating import (
    COUNTED_FIELDS,
    Rag,
    counted_value,
    period_target,
    rate_period_value,
)
from publication.models import PublishedIndicator, Theme
from reporting.metrics.returns import Direction, direction_of_travel

RAG_SYMBOLS = {Rag.GREEN: "●", Rag.AMBER: "▲", Rag.RED: "■", Rag.NOT_RATED: "–"}
RAG_WORDS = {
    Rag.GREEN: "On target",
    Rag.AMBER: "Just off target",
    Rag.RED: "Off target",
    Rag.NOT_RATED: "No target set",
}
# How a figure of each unit is written for residents (a count, rate or score plainly).
UNITS_SHOWN = {"percent": "{}%", "gbp": "£{}", "days": "{} days", "kg": "{} kg"}
DIRECTION_WORDS = {
    Direction.IMPROVED: "Better than a year earlier",
    Direction.UNCHANGED: "The same as a year earlier",
    Direction.WORSE: "Worse than a year earlier",
    Direction.NO_COMPARISON: "No figure a year earlier to compare with",
}
DIRECTION_SYMBOLS = {
    Direction.IMPROVED: "↑",
    Direction.UNCHANGED: "→",
    Direction.WORSE: "↓",
    Direction.NO_COMPARISON: "–",
}


class PublicReturn(NamedTuple):
    """A return residents may see, with what its public figure reads of it (the counted
    fields ``departments.rating.counted_value`` reads, and the commentary) and
    ``public_since``: when the standing sign-off that published it was given."""

    indicator_id: int
    department_id: int
    period: str
    state: str
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    commentary: str
    public_since: datetime


# What a public figure reads of its return, in ``PublicReturn``'s order.
RETURN_FIELDS = ("indicator_id", "department_id", "period", *COUNTED_FIELDS, "commentary")


def public_returns() -> list[PublicReturn]:
    """The returns residents may see, oldest period first: the one rule every public
    page, file and endpoint goes through (see the module's docstring). Two queries
    whatever the number of returns: the standing sign-offs, then the locked returns of
    published indicators in the periods they cover.

    The sign-offs are few (one per period and department at most, and one per period for
    the whole council), so each return's covering sign-off is found here in Python rather
    than by a subquery per return, which PostgreSQL ran twice (once to filter, once to
    read) over every sign-off for each of some 1,200 returns."""
    standing: dict[str, list[tuple[int | None, datetime]]] = defaultdict(list)
    for period, department_id, signed_off_at in (
        PeriodSignOff.objects.active()
        .order_by("signed_off_at", "pk")
        .values_list("period", "department_id", "signed_off_at")
    ):
        standing[period].append((department_id, signed_off_at))
    if not standing:
        return []
    published = PublishedIndicator.objects.published().values("indicator_id")
    candidates = (
        KpiReturn.objects.filter(
            state=ReturnState.LOCKED, indicator__in=published, period__in=list(standing)
        )
        # A return locked without an approval time (stored before approvals were
        # timed) counts from when it was locked.
        .annotate(approved_on=Coalesce("approved_at", "locked_at"))
        .order_by("period_start", "pk")
        .values_list(*RETURN_FIELDS, "approved_on")
    )
    public = []
    for *fields, approved_on in candidates:
        since = _covering_sign_off(standing[fields[2]], fields[1], approved_on)
        if since is not None:
            public.append(PublicReturn(*fields, since))
    return public


def _covering_sign_off(
    sign_offs: list[tuple[int | None, datetime]], department_id: int, approved_on: datetime | None
) -> datetime | None:
    """When the earliest standing sign-off of a return's period that covers it was given:
    one for its department or for the whole council, given at or after the return was
    approved (so the SMT saw the figure it published); None when none does, or when the
    return has neither an approval nor a locking time (nothing shows the SMT saw it).
    ``sign_offs``: the period's standing sign-offs, (department id or None, time), in
    the order they were given."""
    if approved_on is None:
        return None
    for covered, signed_off_at in sign_offs:
        if (covered is None or covered == department_id) and signed_off_at >= approved_on:
            return signed_off_at
    return None


@dataclass(frozen=True)
class PublicFigure:
    """One signed-off period of a published indicator, rounded once to its places.
    ``target`` is the period target (None without one)."""

    period: Period
    value: Decimal
    target: Decimal | None
    rag: Rag
    direction: Direction
    commentary: str
    signed_off_on: date

    @property
    def rag_words(self) -> str:
        return RAG_WORDS[self.rag]

    @property
    def rag_symbol(self) -> str:
        return RAG_SYMBOLS[self.rag]

    @property
    def direction_words(self) -> str:
        return DIRECTION_WORDS[self.direction]

    @property
    def direction_symbol(self) -> str:
        return DIRECTION_SYMBOLS[self.direction]


@dataclass(frozen=True)
class PublicIndicator:
    """A published indicator with its public figures, oldest first (never empty)."""

    code: str
    title: str
    description: str
    theme: str
    department: str
    unit: str
    unit_label: str
    polarity_label: str
    decimal_places: int
    figures: list[PublicFigure]

    @property
    def latest(self) -> PublicFigure:
        return self.figures[-1]

    @property
    def theme_label(self) -> str:
        return Theme(self.theme).label

    @property
    def last_updated(self) -> date:
        return max(figure.signed_off_on for figure in self.figures)

    @property
    def last_updated_in_words(self) -> str:
        return date_in_words(self.last_updated)

    def shown(self, value: Decimal | None) -> str:
        """A figure as residents read it: already rounded, with separators and its unit
        ("92.0%", "£1,250.00", "12.5 days"); "No target" for None."""
        if value is None:
            return "No target"
        return UNITS_SHOWN.get(self.unit, "{}").format(f"{value:,.{self.decimal_places}f}")


@dataclass(frozen=True)
class Portal:
    """Every public indicator, by theme, then department, then title."""

    indicators: list[PublicIndicator]

    def by_code(self, code: str) -> PublicIndicator | None:
        return next((i for i in self.indicators if i.code == code), None)

    def by_theme(self) -> list[tuple[str, list[PublicIndicator]]]:
        grouped: dict[str, list[PublicIndicator]] = defaultdict(list)
        for indicator in self.indicators:
            grouped[indicator.theme].append(indicator)
        return [(Theme(t).label, grouped[t]) for t in Theme.values if t in grouped]

    def search(self, words: str) -> list[PublicIndicator]:
        """Indicators whose title, description, department, theme or code hold every word."""
        wanted = words.lower().split()
        return [
            i
            for i in self.indicators
            if all(
                w in f"{i.title} {i.description} {i.department} {i.theme_label} {i.code}".lower()
                for w in wanted
            )
        ]


def build_portal() -> Portal:
    """The portal from the database: four queries whatever the number of indicators (the
    standing sign-offs and the public returns, ``public_returns``; the publications with
    their indicators and departments; the targets). Call
    ``publication.cache.cached_portal`` instead, which every reader does.

    Thousands of returns make the portal, so each is read as a plain row of only the
    columns its figure needs, not a model instance; each indicator, its department and
    each period key are read once."""
    returns = public_returns()
    publications = {
        p.indicator_id: p
        for p in PublishedIndicator.objects.published()
        .filter(indicator_id__in={r.indicator_id for r in returns})
        .select_related("indicator__department")
    }
    targets = {
        (t.indicator_id, t.financial_year): t
        for t in Target.objects.filter(indicator_id__in=publications)
    }
    periods: dict[str, Period] = {}
    by_indicator: dict[int, list[tuple[Period, PublicReturn]]] = defaultdict(list)
    for kpi_return in returns:
        if (period := periods.get(kpi_return.period)) is None:
            period = periods[kpi_return.period] = Period.parse(kpi_return.period)
        # A quarterly or annual indicator shows its own periods only, as its page does.
        if period.kind == publications[kpi_return.indicator_id].indicator.period_kind:
            by_indicator[kpi_return.indicator_id].append((period, kpi_return))
    # A sign-off publishes many returns at once: each one's day in London is found once.
    days = {when: timezone.localdate(when) for when in {r.public_since for r in returns}}
    indicators = []
    for indicator_id, own in by_indicator.items():
        publication = publications[indicator_id]
        figures = _figures(publication.indicator, own, targets, days)
        if figures:
            indicators.append(_public_indicator(publication.indicator, publication, figures))
    indicators.sort(key=lambda i: (Theme.values.index(i.theme), i.department, i.title))
    return Portal(indicators)


def _figures(
    indicator, own: list[tuple[Period, PublicReturn]], targets: dict, days: dict
) -> list[PublicFigure]:
    """The public figures of one indicator's returns (each with its period), in order;
    ``days``: each sign-off time's day in London."""
    values = {period.key: counted_value(indicator, r) for period, r in own}
    figures = []
    for period, kpi_return in own:
        value = values[period.key]
        if value is None:
            continue
        target = targets.get((indicator.pk, period.year))
        goal = period_target(indicator, target, period)
        figures.append(
            PublicFigure(
                period=period,
                value=value,
                target=None if goal is None else round_half_up(goal, indicator.decimal_places),
                rag=rate_period_value(indicator, target, period, value),
                direction=direction_of_travel(
                    indicator, value, values.get(period.same_period_last_year().key)
                ),
                commentary=kpi_return.commentary,
                signed_off_on=days[kpi_return.public_since],
            )
        )
    return figures


def _public_indicator(
    indicator, publication: PublishedIndicator, figures: list[PublicFigure]
) -> PublicIndicator:
    return PublicIndicator(
        code=indicator.code,
        title=publication.public_title,
        description=publication.public_description,
        theme=publication.theme,
        department=indicator.department.name,
        unit=indicator.unit,
        unit_label=indicator.get_unit_display(),
        polarity_label=indicator.get_polarity_display(),
        decimal_places=indicator.decimal_places,
        figures=figures,
    )
