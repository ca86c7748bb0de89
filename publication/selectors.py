"""What residents may see, decided once (issue 20, items 4 to 6).

``public_returns`` is the one rule: a figure is public when its indicator is published
(not withdrawn, still in use), its return is locked, and the SMT's sign-off of that period
for its department, or for the whole council, still stands. Reopening a period (or a
return) makes its figures private again at once. ``public_portal`` builds every figure the
portal, the open-data files and the public API show from those returns alone, and every
one of them reads it; it is cached (``publication.cache``).

No staff name reaches these dataclasses: a public figure carries the period, value,
target, rating, direction of travel and the commentary as signed off, nothing of who
entered, approved or published it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from departments.models import KpiReturn, PeriodSignOff, ReturnState, Target
from departments.numbers import round_half_up
from departments.periods import Period, date_in_words
from departments.rating import Rag, counted_value, period_target, rate_period_value
from publication.models import PublishedIndicator, Theme
from reporting.metrics.returns import Direction, direction_of_travel

RAG_SYMBOLS = {Rag.GREEN: "●", Rag.AMBER: "▲", Rag.RED: "■", Rag.NOT_RATED: "–"}
RAG_WORDS = {
    Rag.GREEN: "On target",
    Rag.AMBER: "Just off target",
    Rag.RED: "Off target",
    Rag.NOT_RATED: "No target set",
}
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


def public_returns() -> QuerySet:
    """The returns residents may see: the one rule every public page, file and endpoint
    goes through (see the module's docstring)."""
    standing = PeriodSignOff.objects.active()
    signed_off = Q(period__in=standing.filter(department__isnull=True).values("period")) | Q(
        Exists(standing.filter(period=OuterRef("period"), department=OuterRef("department")))
    )
    published = PublishedIndicator.objects.published().values("indicator_id")
    return KpiReturn.objects.filter(signed_off, state=ReturnState.LOCKED, indicator__in=published)


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
        """A figure as residents read it: already rounded, with separators."""
        return "No target" if value is None else f"{value:,.{self.decimal_places}f}"


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
    """The portal from the database: three queries whatever the number of indicators (the
    public returns with their indicators and departments, the publications, the targets).
    Call ``publication.cache.cached_portal`` instead, which every reader does."""
    returns = list(
        public_returns()
        .select_related("indicator", "indicator__department")
        .order_by("period_start")
    )
    publications = {
        p.indicator_id: p
        for p in PublishedIndicator.objects.published().filter(
            indicator_id__in={r.indicator_id for r in returns}
        )
    }
    targets = {
        (t.indicator_id, t.financial_year): t
        for t in Target.objects.filter(indicator_id__in=publications)
    }
    by_indicator: dict[int, list[KpiReturn]] = defaultdict(list)
    for kpi_return in returns:
        # A quarterly or annual indicator shows its own periods only, as its page does.
        if kpi_return.period_obj.kind == kpi_return.indicator.period_kind:
            by_indicator[kpi_return.indicator_id].append(kpi_return)
    indicators = []
    for indicator_id, own in by_indicator.items():
        figures = _figures(own, targets)
        if figures:
            indicators.append(
                _public_indicator(own[0].indicator, publications[indicator_id], figures)
            )
    indicators.sort(key=lambda i: (Theme.values.index(i.theme), i.department, i.title))
    return Portal(indicators)


def _figures(own: list[KpiReturn], targets: dict) -> list[PublicFigure]:
    indicator = own[0].indicator
    values = {r.period: counted_value(indicator, r) for r in own}
    figures = []
    for kpi_return in own:
        value = values[kpi_return.period]
        if value is None:
            continue
        period = kpi_return.period_obj
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
                signed_off_on=timezone.localdate(kpi_return.locked_at)
                if kpi_return.locked_at
                else period.end,
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
