"""Keeping the read model of return ratings (``departments.models.ratings``) equal to the
returns, targets and indicators it is computed from.

Every write of those inputs recomputes, in the same transaction, the rows of the
indicators and financial years it touched (``recount_ratings``): the return services
(save, submit, approve, send back, reopen, sign-off and reopening of a period), the bulk
import (``departments.returns.bulk``), and a change of reference data (a target, or an
indicator's definition: polarity, decimal places, frequency, year-to-date rule), which
has no service of its own and is written by the admin and the API's model viewsets, so
it is recounted from their saves (``connect_reference_data``). ``rebuild_indicator_ratings``
recomputes every row from scratch (``manage.py rebuild_indicator_ratings``, the seeding of
the demo and large councils, and the migration that created the table).

The rows are computed by ``rating_rows``, from the same rule functions the reference
computation of ``reporting.metrics.returns`` and the tests use
(``departments.rating``), so the read model cannot drift from DESIGN.md's definitions.

Recomputing an indicator-year whole (at most twelve periods of at most twelve returns)
rather than adjusting the rows a return touches keeps the code one path: a return in P03
changes the year to date of P03 to P12, and a target changes every row of its year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from core.copying import analyze
from departments.figures_generation import figures_changed
from departments.models import IndicatorRating, KpiReturn, PerformanceIndicator, Target
from departments.numbers import round_half_up
from departments.periods import periods_of_year
from departments.rating import (
    counted_value,
    is_counted,
    period_target,
    rate_period_value,
    year_to_date,
)

# Indicators per query: well under SQLite's limit on bound parameters.
_BATCH = 500
# The columns of a return that a rating reads.
_RETURN_FIELDS = ("indicator", "period", "state", "value", "numerator", "denominator")
ALL_YEARS = None


def rating_rows(
    indicator: PerformanceIndicator,
    returns_by_period: dict[str, KpiReturn],
    targets_by_year: dict[int, Target],
    year: int,
) -> list[IndicatorRating]:
    """The unsaved rows of ``indicator`` for every period of its kind in financial year
    ``year`` (12 months, 4 quarters or the year), from its returns keyed by period key
    (any state: only counted ones count) and its targets keyed by financial year.

    Each row holds the period's counted value, the period target and the RAG of the one
    against the other, and the year to date with its target and RAG, all rounded half-up
    to the indicator's places, exactly as ``departments.rating`` rates them."""
    target = targets_by_year.get(year)
    places = indicator.decimal_places
    rows = []
    for period in periods_of_year(year, indicator.period_kind):
        value = counted_value(indicator, returns_by_period.get(period.key))
        this_target = period_target(indicator, target, period)
        ytd = year_to_date(indicator, returns_by_period, period, target=target)
        rows.append(
            IndicatorRating(
                indicator_id=indicator.pk,
                period=period.key,
                financial_year=year,
                value=value,
                period_target=None if this_target is None else round_half_up(this_target, places),
                rag=rate_period_value(indicator, target, period, value).value,
                year_to_date=ytd.value,
                year_to_date_target=ytd.target,
                year_to_date_rag=ytd.rag.value,
                periods_counted=ytd.periods_counted,
            )
        )
    return rows


def recount_ratings(
    *, indicator_years: Iterable[tuple[int, int]] = (), indicators: Iterable[int] = ()
) -> int:
    """Recompute the rating rows of ``indicator_years`` (pairs of indicator id and
    financial year, such as 2025 for 2025-26) and of every year of ``indicators`` (ids:
    a change to an indicator's definition changes all its years); returns the rows
    written.

    Call it inside the transaction that writes the inputs, after writing them. It locks
    the indicators' rows first, in id order: two writers recounting the same indicator at
    once then take turns, the second reading the first's committed returns, so neither
    leaves rows computed from a state that no longer holds. Four queries per 500
    indicators (the lock with the indicators, their returns, their targets, the delete)
    and the inserts.
    """
    wanted: dict[int, set[int] | None] = defaultdict(set)
    for indicator_id in indicators:
        wanted[indicator_id] = ALL_YEARS
    for indicator_id, year in indicator_years:
        if wanted[indicator_id] is not ALL_YEARS:
            wanted[indicator_id].add(year)
    ids = sorted(wanted)
    written = 0
    if not ids:
        return 0
    with transaction.atomic():
        for start in range(0, len(ids), _BATCH):
            written += _recount_batch({i: wanted[i] for i in ids[start : start + _BATCH]})
        # Raw deletes and bulk inserts send no signals: cached figures are retired here.
        figures_changed()
    return written


def _recount_batch(wanted: dict[int, set[int] | None]) -> int:
    chosen = list(
        PerformanceIndicator.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    )
    years = set().union(*(y for y in wanted.values() if y is not ALL_YEARS))
    everything = any(y is ALL_YEARS for y in wanted.values())

    def of_years(query):
        return query if everything else query.filter(financial_year__in=years)

    returns: dict[int, dict[int, dict[str, KpiReturn]]] = defaultdict(lambda: defaultdict(dict))
    for kpi_return in of_years(KpiReturn.objects.filter(indicator__in=wanted)).only(
        *_RETURN_FIELDS, "financial_year"
    ):
        returns[kpi_return.indicator_id][kpi_return.financial_year][kpi_return.period] = kpi_return
    targets: dict[int, dict[int, Target]] = defaultdict(dict)
    for target in of_years(Target.objects.filter(indicator__in=wanted)):
        targets[target.indicator_id][target.financial_year] = target

    # Delete by year set: the indicators asking for the same years share one condition.
    by_years: dict[frozenset | None, list[int]] = defaultdict(list)
    for indicator_id, asked in wanted.items():
        by_years[None if asked is ALL_YEARS else frozenset(asked)].append(indicator_id)
    stale = Q()
    for asked, indicator_ids in by_years.items():
        condition = Q(indicator__in=indicator_ids)
        if asked is not None:
            condition &= Q(financial_year__in=asked)
        stale |= condition
    # A delete without the ORM's collector: the figures cache listens for deletes of this
    # model, and would be told once per row; ``recount_ratings`` tells it once.
    stale_rows = IndicatorRating.objects.filter(stale)
    stale_rows._raw_delete(stale_rows.db)

    rows = []
    for indicator in chosen:
        own_returns, own_targets = returns[indicator.pk], targets[indicator.pk]
        asked = wanted[indicator.pk]
        # A year has rows when the indicator has a counted return or a target in it;
        # elsewhere no row is the rules' answer (no value, no target, not rated). Drafts
        # alone make no rows, so writing one (an import) changes no row.
        counted_years = {
            year
            for year, by_period in own_returns.items()
            if any(is_counted(indicator, r) for r in by_period.values())
        }
        for year in sorted(counted_years | set(own_targets)):
            if asked is ALL_YEARS or year in asked:
                rows += rating_rows(indicator, own_returns[year], own_targets, year)
    IndicatorRating.objects.bulk_create(rows, batch_size=_BATCH)
    return len(rows)


def recount_ratings_of_returns(kpi_returns: Iterable[KpiReturn]) -> int:
    """``recount_ratings`` of the indicator-years of returns just written (with their
    indicators loaded, as the services hold them)."""
    return recount_ratings(
        indicator_years={(r.indicator_id, r.financial_year) for r in kpi_returns}
    )


@transaction.atomic
def rebuild_indicator_ratings() -> int:
    """Recompute every rating row from the returns, targets and indicators; returns the
    rows written. Reads each indicator's returns and targets once (some 36,000 returns
    and 10,000 targets on the large council), then ANALYZEs the table on PostgreSQL
    (``core.copying.analyze``)."""
    everything = IndicatorRating.objects.all()
    everything._raw_delete(everything.db)  # as in ``_recount_batch``: no signal per row
    ids = list(PerformanceIndicator.objects.order_by("pk").values_list("pk", flat=True))
    written = recount_ratings(indicators=ids)
    analyze(IndicatorRating)  # the planner's statistics of the table just filled
    return written


def rated_as(value: Decimal | None, places: int) -> Decimal | None:
    """A stored figure as the rules give it: rounded to the indicator's places (rows
    are stored rounded, as text; this keeps a figure stored before a change of places
    shown with the indicator's places now)."""
    return None if value is None else round_half_up(value, places)


# --- reference data ----------------------------------------------------------------------
# Targets and indicators have no service: the admin and the API's model viewsets save them
# as plain rows. A receiver on their saves is the one place that hears every such write, so
# a changed target or definition recounts the years it affects. A model's save sends
# post_save after its own write, so the caller's transaction is what keeps the two
# together: the admin's change form is atomic, and so are the API's writes
# (departments.api.views.AtomicWritesMixin). Bulk writes (the demo seeding) send no signals
# and rebuild the ratings themselves.


def _remember_stored_indicator(sender, instance: Target, raw: bool = False, **kwargs) -> None:
    # A target moved to another indicator or year leaves the old one's rows to recount.
    instance._rated_before = (
        Target.objects.filter(pk=instance.pk).values_list("indicator", "financial_year").first()
        if instance.pk and not raw
        else None
    )


def _target_written(sender, instance: Target, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the fixture's other rows may not be there yet
        return
    pairs = {(instance.indicator_id, instance.financial_year)}
    if before := getattr(instance, "_rated_before", None):
        pairs.add(before)
    recount_ratings(indicator_years=pairs)


def _indicator_written(
    sender, instance: PerformanceIndicator, created: bool = False, raw: bool = False, **kwargs
) -> None:
    # A new indicator has no returns or targets yet, so no rows to count.
    if not (raw or created):
        recount_ratings(indicators=[instance.pk])


def connect_reference_data() -> None:
    """Connect the receivers that recount ratings when a target or an indicator is saved
    or a target deleted (from ``DepartmentsConfig.ready``). An indicator's deletion takes
    its rows with it (``on_delete=CASCADE``)."""
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_remember_stored_indicator, sender=Target, dispatch_uid="ratings-target-pre")
    post_save.connect(_target_written, sender=Target, dispatch_uid="ratings-target-save")
    post_delete.connect(_target_written, sender=Target, dispatch_uid="ratings-target-delete")
    post_save.connect(_indicator_written, sender=PerformanceIndicator, dispatch_uid="ratings-ind")
