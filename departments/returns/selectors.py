"""Reads of the departments app. Callers pass what the user's scope allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from departments import periods
from departments.forecasts import Forecast, forecast_of, may_be_flagged
from departments.history import ValueChange, versions_of
from departments.models import (
    Department,
    ForecastConfidence,
    KpiReturn,
    PerformanceIndicator,
    PeriodSignOff,
    ReturnState,
    Target,
)
from departments.rating import (
    COUNTED_FIELDS,
    Rag,
    Timeliness,
    counted_value,
    forecast_target,
    period_target,
    rate_period_value,
    return_timeliness,
)


class _ReturnStanding:
    """Where one owed return stands, for a row holding ``indicator``, ``period``,
    ``kpi_return`` (None when none exists) and ``today``."""

    @property
    def state(self) -> str:
        """The workflow state, or "not_started" when no return exists. Whether it is
        missing is ``timeliness``'s answer, never the workflow state's."""
        return self.kpi_return.state if self.kpi_return is not None else NOT_STARTED

    @property
    def state_label(self) -> str:
        return ROW_STATE_LABELS[self.state]

    @property
    def timeliness(self) -> Timeliness:
        """Not yet due, due, missing, submitted on time or late: the one rule."""
        return return_timeliness(
            indicator=self.indicator,
            kpi_return=self.kpi_return,
            period=self.period,
            today=self.today,
        ).state


@dataclass(frozen=True)
class ReturnDue(_ReturnStanding):
    """One return a department owes for the latest closed period of its indicator's kind,
    as the home page shows it: its workflow state and its timeliness (the one rule)."""

    indicator: PerformanceIndicator
    period: periods.Period
    deadline: date
    kpi_return: KpiReturn | None
    today: date


def returns_due(
    *, department_ids: set[int] | frozenset[int], today: date | None = None
) -> list[ReturnDue]:
    """The returns the departments owe for the most recent closed period of each frequency.

    Two queries whatever the number of indicators: the indicators, then their returns.
    ``today`` (default: today in Europe/London) decides the periods and the timeliness.
    """
    today = today or timezone.localdate()
    indicators = list(
        PerformanceIndicator.objects.active()
        .filter(department__in=department_ids)
        .select_related("department")
        .order_by("department__name", "code")
    )
    latest = {kind: periods.latest_closed(kind, today) for kind in periods.PeriodKind}
    wanted = Q()
    for indicator in indicators:
        wanted |= Q(indicator=indicator, period=latest[indicator.period_kind].key)
    found = {}
    if indicators:
        found = {(r.indicator_id, r.period): r for r in KpiReturn.objects.filter(wanted)}
    rows = []
    for indicator in indicators:
        period = latest[indicator.period_kind]
        rows.append(
            ReturnDue(
                indicator,
                period,
                period.deadline(),
                found.get((indicator.pk, period.key)),
                today,
            )
        )
    return rows


def flagged_forecasts(
    returns: list[tuple[PerformanceIndicator, KpiReturn]],
) -> dict[int, Forecast]:
    """The flagged forecasts (``departments.forecasts.forecast_flag``) of ``returns``
    (each given with its indicator) that ``may_be_flagged``, by return id: each
    forecast rated against its annual target and checked against the return's current
    RAG. One query (the targets), none when no such return has a forecast."""
    with_forecast = [(i, r) for i, r in returns if r.has_forecast and may_be_flagged(i, r)]
    targets = targets_of([r for _, r in with_forecast])
    flagged = {}
    for indicator, kpi_return in with_forecast:
        target = targets.get((kpi_return.indicator_id, kpi_return.financial_year))
        value = counted_value(indicator, kpi_return)
        current = rate_period_value(indicator, target, kpi_return.period_obj, value)
        forecast = forecast_of(indicator, kpi_return, target, current)
        if forecast is not None and forecast.flagged:
            flagged[kpi_return.pk] = forecast
    return flagged


def forecasts_to_check(rows: list[ReturnDue]) -> list[tuple[ReturnDue, Forecast]]:
    """``flagged_forecasts`` of the returns of ``rows``, with their rows, in row order."""
    flagged = flagged_forecasts([(row.indicator, row.kpi_return) for row in rows if row.kpi_return])
    return [
        (row, flagged[row.kpi_return.pk])
        for row in rows
        if row.kpi_return is not None and row.kpi_return.pk in flagged
    ]


# --- returns pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRow(_ReturnStanding):
    """One return a department owes for a period, as "My returns" and the API show it."""

    indicator: PerformanceIndicator
    period: periods.Period
    kpi_return: KpiReturn | None
    target: Target | None
    rag: Rag
    deadline: date
    today: date

    @property
    def period_target(self):
        return period_target(self.indicator, self.target, self.period)

    @property
    def forecast(self) -> Forecast | None:
        """The year-end forecast beside the current status, with its flag; no query."""
        return forecast_of(self.indicator, self.kpi_return, self.target, self.rag)


# A row of an indicator whose return for the period nobody has begun.
NOT_STARTED = "not_started"
ROW_STATE_LABELS = {NOT_STARTED: "Not started", **dict(ReturnState.choices)}
# Heads of service see what waits for them first; then what needs the officer's work,
# the missing before the rest.
STATE_ORDER = {
    "submitted": 0,
    "sent_back": 1,
    "missing": 2,
    "draft": 3,
    NOT_STARTED: 4,
    "approved": 5,
    "locked": 6,
}


def _order(row: ReturnRow) -> int:
    if row.timeliness is Timeliness.MISSING and row.state != ReturnState.SENT_BACK:
        return STATE_ORDER["missing"]
    return STATE_ORDER[row.state]


def targets_of(returns) -> dict[tuple[int, int], Target]:
    """The targets that rate ``returns`` (KPI returns, e.g. a page of a list), by
    (indicator id, financial year): one query for those years only, where prefetching
    each indicator's targets would read every year it has."""
    wanted = {(r.indicator_id, r.financial_year) for r in returns}
    if not wanted:
        return {}
    found = Target.objects.filter(
        indicator_id__in={indicator for indicator, _ in wanted},
        financial_year__in={year for _, year in wanted},
    )
    return {(t.indicator_id, t.financial_year): t for t in found}


def stored_return_rows(returns, *, today: date | None = None) -> list[ReturnRow]:
    """Rows for stored ``returns`` (a KPI return queryset, already scoped and filtered),
    whatever their periods: each rated on its own year's target (``targets_of``), ordered
    as ``return_rows`` orders one period's, the oldest period first within a department.
    Three queries: the returns with their indicators, departments and submitters, the
    targets."""
    today = today or timezone.localdate()
    chosen = list(
        returns.select_related("indicator__department", "submitted_by").order_by(
            "indicator__department__name", "period_start", "indicator__code"
        )
    )
    targets = targets_of(chosen)
    rows = []
    for kpi_return in chosen:
        period = kpi_return.period_obj
        target = targets.get((kpi_return.indicator_id, kpi_return.financial_year))
        rows.append(
            ReturnRow(
                kpi_return.indicator,
                period,
                kpi_return,
                target,
                rate_period_value(kpi_return.indicator, target, period, kpi_return.value),
                kpi_return.deadline,
                today,
            )
        )
    return rows


def periods_ending_with(period: periods.Period) -> dict[periods.PeriodKind, periods.Period]:
    """The periods of each kind that end when ``period`` ends.

    A month owes its monthly returns, and also the quarter's and the year's when it
    closes them (September closes Q2; March closes Q4 and the year). A quarter or a year
    chosen directly owes only returns of that kind.
    """
    if period.kind != periods.PeriodKind.MONTH:
        return {period.kind: period}
    owed = {periods.PeriodKind.MONTH: period}
    for kind in (periods.PeriodKind.QUARTER, periods.PeriodKind.YEAR):
        containing = periods.period_for_date(period.end, kind)
        if containing.end == period.end:
            owed[kind] = containing
    return owed


# What ordering and filtering a row needs: its indicator's department, code and kind, and
# its return's workflow state and figures (``return_timeliness``'s inputs). Everything
# else a row shows is read for the rows a page takes (``ReturnRows``).
ORDERING_INDICATOR_FIELDS = ("id", "code", "department_id", "frequency", "year_to_date")
ORDERING_RETURN_FIELDS = ("id", "indicator_id", "period", *COUNTED_FIELDS, "submitted_at")


def return_rows(
    *, indicators, period: periods.Period, state: str | None = None, today: date | None = None
) -> ReturnRows:
    """Rows for the indicators (an already scoped queryset) in ``period``, ordered by
    department name, then what needs doing first (``STATE_ORDER``), then code.

    ``state`` keeps the rows in that workflow state ("draft", "not_started") or, for a
    ``Timeliness`` value ("missing", "late"), with that timeliness as of ``today``.

    Counted, filtered and ordered from two light queries whatever the number of
    indicators (their departments' names, codes and kinds; their returns' states and
    figures), by the same rules as every other page (``return_timeliness``); the rows
    taken from the result (a page: ``rows[start:end]``) are then read in full, four more
    queries (``ReturnRows``). A page of a council's thousand returns costs what a
    department's dozen cost.
    """
    today = today or timezone.localdate()
    owed = periods_ending_with(period)
    frequencies = [frequency for frequency, kind in periods.FREQUENCY_KINDS.items() if kind in owed]
    owing = indicators.active().filter(frequency__in=frequencies)
    chosen = list(
        owing.only(*ORDERING_INDICATOR_FIELDS).annotate(department_name=F("department__name"))
    )
    # The returns are found by a subquery, not by the chosen ids: a list of a thousand
    # ids costs PostgreSQL more to read and plan than the subquery costs to run.
    returns = {
        (r.indicator_id, r.period): r
        for r in KpiReturn.objects.filter(
            indicator__in=owing.order_by().values("pk"), period__in={p.key for p in owed.values()}
        ).only(*ORDERING_RETURN_FIELDS)
    }
    rows = []
    for indicator in chosen:
        indicator_period = owed[indicator.period_kind]
        rows.append(
            ReturnRow(
                indicator,
                indicator_period,
                returns.get((indicator.pk, indicator_period.key)),
                None,
                Rag.NOT_RATED,  # rated when read in full
                indicator_period.deadline(),
                today,
            )
        )
    if state in ROW_STATE_LABELS:
        rows = [row for row in rows if row.state == state]
    elif state:
        rows = [row for row in rows if row.timeliness == state]
    rows.sort(key=lambda row: (row.indicator.department_name, _order(row), row.indicator.code))
    return ReturnRows(rows, period.year)


class ReturnRows:
    """``return_rows``' rows in order: its length known at once, the rows themselves read
    in full (indicators with their departments, returns with their submitters, targets,
    each rated: four queries) only for the slice taken, so a paginator's page of a hundred
    reads a hundred. Iterating reads them all at once. Deliberately not a
    ``collections.abc.Sequence``: its ``in``, ``index`` and ``count`` would read the rows
    one at a time."""

    def __init__(self, ordered: list[ReturnRow], financial_year: int):
        self._ordered = ordered
        self._year = financial_year

    def __len__(self) -> int:
        return len(self._ordered)

    def __getitem__(self, index: int | slice):
        if isinstance(index, slice):
            return self._in_full(self._ordered[index])
        rows = self._in_full([self._ordered[index]])
        if not rows:
            raise IndexError("that row's indicator was deleted a moment ago")
        return rows[0]

    def __iter__(self):
        return iter(self._in_full(self._ordered))

    def _in_full(self, ordered: list[ReturnRow]) -> list[ReturnRow]:
        if not ordered:
            return []
        indicator_ids = [row.indicator.pk for row in ordered]
        indicators = PerformanceIndicator.objects.select_related("department").in_bulk(
            indicator_ids
        )
        returns = KpiReturn.objects.prefetch_related("submitted_by").in_bulk(
            [row.kpi_return.pk for row in ordered if row.kpi_return is not None]
        )
        targets = {
            t.indicator_id: t
            for t in Target.objects.filter(indicator__in=indicator_ids, financial_year=self._year)
        }
        rows = []
        for row in ordered:
            # Read a moment after the ordering: a row whose indicator was deleted since is
            # left out, and one whose return was deleted shows none, as it now stands.
            indicator = indicators.get(row.indicator.pk)
            if indicator is None:
                continue
            kpi_return = returns.get(row.kpi_return.pk) if row.kpi_return is not None else None
            target = targets.get(indicator.pk)
            value = kpi_return.value if kpi_return else None
            rows.append(
                ReturnRow(
                    indicator,
                    row.period,
                    kpi_return,
                    target,
                    rate_period_value(indicator, target, row.period, value),
                    row.deadline,
                    row.today,
                )
            )
        return rows


@dataclass(frozen=True)
class PastFigure:
    period: periods.Period
    value: object
    state: str
    rag: Rag


def indicator_context(indicator: PerformanceIndicator, period: periods.Period) -> dict:
    """What the return form shows beside the fields: target, last year, recent periods.

    Two queries: the targets of this and last year, and the recent returns.
    """
    last_year = period.same_period_last_year()
    recent_periods = [period.previous()]
    for _ in range(2):
        recent_periods.append(recent_periods[-1].previous())
    keys = [last_year.key] + [p.key for p in recent_periods]
    targets = {
        t.financial_year: t
        for t in Target.objects.filter(
            indicator=indicator,
            financial_year__in={period.year, last_year.year, *[p.year for p in recent_periods]},
        )
    }
    past = {r.period: r for r in KpiReturn.objects.filter(indicator=indicator, period__in=keys)}

    def figure(p: periods.Period) -> PastFigure:
        found = past.get(p.key)
        value = found.value if found else None
        return PastFigure(
            p,
            value,
            found.get_state_display() if found else "No return",
            rate_period_value(indicator, targets.get(p.year), p, value),
        )

    target = targets.get(period.year)
    return {
        "target": target,
        "period_target": period_target(indicator, target, period),
        "forecast_target": forecast_target(indicator, target),
        "confidence_choices": ForecastConfidence.choices,
        "last_year": figure(last_year),
        "recent": [figure(p) for p in recent_periods],
    }


@dataclass(frozen=True)
class HistoryEntry:
    when: object
    who: str
    reason: str
    action: str  # "Created", "Changed" or "Deleted"
    changes: tuple[ValueChange, ...]  # each changed field, before and after


def return_history(kpi_return: KpiReturn) -> list[HistoryEntry]:
    """Every saved version of the return, newest first: who, when, why, and each changed
    field's value before and after (``departments.history``, as on the audit trail)."""
    rows = kpi_return.history.select_related("history_user", "indicator", "department").order_by(
        "-history_date", "-history_id"
    )
    return [
        HistoryEntry(
            version.row.history_date,
            version.who,
            version.row.history_change_reason or version.action,
            version.action,
            version.changes,
        )
        for version in versions_of(list(rows), complete=True)
    ]


@dataclass(frozen=True)
class DepartmentSignOffRow:
    department: Department
    counts: dict[str, int]
    signed_off: bool

    @property
    def being_prepared(self) -> int:
        """Returns still with the department: drafts and those sent back."""
        return self.counts.get("draft", 0) + self.counts.get("sent_back", 0)


@dataclass(frozen=True)
class SignOffPreview:
    """What a sign-off would do, for the page to confirm before it does it: the approved
    returns it locks now, and those still open (submitted, drafts, sent back), which lock
    when they are approved."""

    department: Department | None  # None: the whole council
    locks_now: int
    still_open: int

    @property
    def scope(self) -> str:
        return self.department.name if self.department else "the whole council"


def sign_off_preview(
    rows: list[DepartmentSignOffRow], department: Department | None
) -> SignOffPreview:
    """The preview of signing off for ``department`` (None: every row) from the page's
    ``sign_off_summary`` rows, so the confirmation and the table agree."""
    chosen = [row for row in rows if department is None or row.department.pk == department.pk]
    return SignOffPreview(
        department,
        sum(row.counts.get("approved", 0) for row in chosen),
        sum(row.counts.get("submitted", 0) + row.being_prepared for row in chosen),
    )


def sign_off_summary(period: periods.Period, departments) -> list[DepartmentSignOffRow]:
    """Per department: its returns of exactly this period key by state, and whether it is
    signed off (a quarter or a year is signed off under its own key, as the service does).

    Three queries: departments, returns grouped by department and state, sign-offs.
    """
    counts: dict[int, dict[str, int]] = {}
    for department_id, state, n in (
        KpiReturn.objects.filter(
            period=period.key,
            department__in=departments,
        )
        .values_list("department", "state")
        .annotate(n=Count("id"))
        .values_list("department", "state", "n")
    ):
        counts.setdefault(department_id, {})[state] = n
    active = PeriodSignOff.objects.active().filter(period=period.key)
    council = any(s.department_id is None for s in active)
    signed = {s.department_id for s in active}
    return [
        DepartmentSignOffRow(d, counts.get(d.pk, {}), council or d.pk in signed)
        for d in departments.order_by("name")
    ]


# --- referrals ----------------------------------------------------------------------------
