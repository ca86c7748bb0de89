"""The early-warning rules: the four of DESIGN.md section 3, read from the metric functions,
and a contract performance notice overdue (issue 18).

Each rule looks at the months it is asked about and yields a ``Finding`` for every month
where it fires, keyed by rule, subject and the period the run of bad figures started in.
A run that goes on keeps its starting period, so it is one warning however long it lasts;
its latest period and evidence move on. Fixed queries per rule whatever the data size.

Evidence keeps period keys and ISO dates for the API; its summary and the subject label
are for people, so they write periods and dates in words ("October 2026", "20 November
2026"), as the pages do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from core.words import plural
from departments.models import Department, KpiReturn, PerformanceIndicator, Target
from departments.periods import Period, date_in_words, period_for_date, periods_between
from departments.rating import Rag
from partnerships.contracts.selectors import notices_due_for
from partnerships.models import Partnership, Service
from reporting.metrics.coordination import council_coordination
from reporting.metrics.health import contract_health_series, service_months, trailing_months
from reporting.metrics.returns import (
    counted_value,
    indicator_period_for,
    return_standings,
    stored_ratings,
)
from reporting.metrics.scores import rag_for_score
from reporting.models import WarningRule

FALLING_MONTHS = 3  # rule 1: both fell in each of the last three months
SERVICE_RED_MONTHS = 2  # rule 2: red two months running
STATUTORY_RED_PERIODS = 3  # rule 3: red three periods running


@dataclass(frozen=True)
class Finding:
    rule: WarningRule
    subject_key: str
    subject_label: str
    starting_period: str
    latest_period: str
    evidence: dict
    department_id: int | None = None
    indicator_id: int | None = None
    partnership_id: int | None = None
    service_id: int | None = None


def _figure(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def run_start(holds: Callable[[Period], bool], at: Period) -> Period:
    """The first period of the unbroken run of ``holds`` ending at ``at`` (each rule's
    test is false outside the months it read, so the walk ends there)."""
    start = at
    while holds(start.previous()):
        start = start.previous()
    return start


# Rule 1 ---------------------------------------------------------------------------------
def falling_together(
    months: list[Period], evaluate: list[Period], today: date | None = None
) -> Iterator[Finding]:
    """Council coordination and a partnership's contract health both fell, month on
    month, in each of the last three months."""
    coordination = {
        c.period: c.index
        for c in council_coordination(periods=months, today=today, median_periods=[])
    }
    for partnership in Partnership.objects.order_by("pk"):
        health = {
            h.period: h.score
            for h in contract_health_series(partnership=partnership, months=months, today=today)
        }

        def fell(month: Period, health=health) -> bool:
            before = month.previous()
            if before not in health or before not in coordination:
                return False
            pairs = ((health[before], health[month]), (coordination[before], coordination[month]))
            return all(a is not None and b is not None and b < a for a, b in pairs)

        for at in evaluate:
            if not all(fell(m) for m in trailing_months(at, FALLING_MONTHS)):
                continue
            start = run_start(fell, at)
            shown = periods_between(start.previous(), at)
            yield Finding(
                rule=WarningRule.FALLING_TOGETHER,
                subject_key=f"partnership:{partnership.pk}",
                subject_label=f"{partnership.name} and council coordination",
                starting_period=start.key,
                latest_period=at.key,
                partnership_id=partnership.pk,
                evidence={
                    "months": [
                        {
                            "period": m.key,
                            "contract_health": _figure(health[m]),
                            "coordination_index": _figure(coordination[m]),
                        }
                        for m in shown
                    ],
                    "summary": (
                        f"Contract health fell from {_figure(health[start.previous()])} to "
                        f"{_figure(health[at])} and the council coordination index from "
                        f"{_figure(coordination[start.previous()])} to "
                        f"{_figure(coordination[at])}, in each month from "
                        f"{start.in_words} to {at.in_words}."
                    ),
                },
            )


# Rule 2 ---------------------------------------------------------------------------------
def service_red(
    months: list[Period], evaluate: list[Period], today: date | None = None
) -> Iterator[Finding]:
    """A service a department depends on was red two months running. (Service health
    does not depend on the date, so ``today`` is not read.)"""
    services = list(Service.objects.select_related("partnership").prefetch_related("departments"))
    figures = service_months(partnership_ids=Partnership.objects.values("pk"), months=months)

    for service in services:

        def red(month: Period, service=service) -> bool:
            figure = figures.get((service.pk, month.key))
            return figure is not None and rag_for_score(figure.health) == Rag.RED

        for at in evaluate:
            if not all(red(m) for m in trailing_months(at, SERVICE_RED_MONTHS)):
                continue
            start = run_start(red, at)
            run = periods_between(start, at)
            evidence = {
                "months": [
                    {
                        "period": m.key,
                        "service_health": _figure(figures[(service.pk, m.key)].health),
                        "results": figures[(service.pk, m.key)].entered,
                    }
                    for m in run
                ],
                "summary": (
                    f"{service.name} was red in each month from {start.in_words} to "
                    f"{at.in_words} (health "
                    + ", ".join(_figure(figures[(service.pk, m.key)].health) for m in run)
                    + ")."
                ),
            }
            for department in sorted(service.departments.all(), key=lambda d: d.name):
                yield Finding(
                    rule=WarningRule.SERVICE_RED,
                    subject_key=f"department:{department.pk}/service:{service.pk}",
                    subject_label=f"{department.name}: {service.name}",
                    starting_period=start.key,
                    latest_period=at.key,
                    department_id=department.pk,
                    partnership_id=service.partnership_id,
                    service_id=service.pk,
                    evidence=evidence,
                )


# Rule 3 ---------------------------------------------------------------------------------
def statutory_red(
    months: list[Period], evaluate: list[Period], today: date | None = None
) -> Iterator[Finding]:
    """A statutory indicator red three periods running (periods of its own kind), on
    counted returns, so ``today`` is not read."""
    indicators = list(
        PerformanceIndicator.objects.active()
        .filter(statutory=True)
        .select_related("department")
        .order_by("code")
    )
    if not indicators:
        return
    # Every period of each indicator's kind that has ended within the window.
    keys = {
        period.key
        for indicator in indicators
        for month in months
        if (period := indicator_period_for(indicator, month)) is not None
    }
    returns = defaultdict(dict)
    for kpi_return in KpiReturn.objects.filter(
        indicator__in=[i.pk for i in indicators], period__in=keys
    ):
        returns[kpi_return.indicator_id][kpi_return.period] = kpi_return
    targets = {
        (t.indicator_id, t.financial_year): t
        for t in Target.objects.filter(indicator__in=[i.pk for i in indicators])
    }

    # The RAGs from the read model of ratings, as every page reads them.
    rated = stored_ratings(indicators, keys)

    for indicator in indicators:
        own = returns[indicator.pk]

        def rag(period: Period, rated=rated[indicator.pk]) -> Rag:
            return rated[period.key].rag if period.key in rated else Rag.NOT_RATED

        def red(period: Period, rag=rag) -> bool:
            return period.key in keys and rag(period) == Rag.RED

        seen: set[str] = set()
        for at_month in evaluate:
            at = indicator_period_for(indicator, at_month)
            if at is None or at.key in seen:
                continue
            seen.add(at.key)
            if not all(red(p) for p in trailing_months(at, STATUTORY_RED_PERIODS)):
                continue
            start = run_start(red, at)
            shown = periods_between(start, at)
            yield Finding(
                rule=WarningRule.STATUTORY_RED,
                subject_key=f"indicator:{indicator.pk}",
                subject_label=f"{indicator.code} {indicator.title} ({indicator.department.name})",
                starting_period=start.key,
                latest_period=at.key,
                department_id=indicator.department_id,
                indicator_id=indicator.pk,
                evidence={
                    "periods": [
                        {
                            "period": p.key,
                            "value": _plain(counted_value(indicator, own.get(p.key))),
                            "target": _plain(
                                targets[(indicator.pk, p.year)].annual_value
                                if (indicator.pk, p.year) in targets
                                else None
                            ),
                            "return_id": own[p.key].pk if p.key in own else None,
                        }
                        for p in shown
                    ],
                    "summary": (
                        f"{indicator.code} was red in each period from {start.in_words} "
                        f"to {at.in_words}."
                    ),
                },
            )


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# Rule 4 ---------------------------------------------------------------------------------
def missing_returns(
    months: list[Period], evaluate: list[Period], today: date | None = None
) -> Iterator[Finding]:
    """Returns missing past their deadline, one warning per department and period.

    "Missing" is the one rule's answer (``departments.rating.return_timeliness``, read
    through ``return_standings``, which gives the dashboards' ``indicator_rows`` answer,
    as of ``today``), so a warning names only returns that every page also calls
    missing: a return submitted since drops out of the evidence at the next evaluation."""
    del months  # read month by month: "missing" is the dashboards' own reading
    departments = {d.pk: d for d in Department.objects.all()}
    for at in evaluate:
        missing: dict[tuple[int, Period], list] = defaultdict(list)
        for row in return_standings(
            indicators=PerformanceIndicator.objects.all(), month=at, today=today
        ):
            if row.missing:
                missing[(row.department_id, row.period)].append(row)
        for (department_id, period), rows in sorted(
            missing.items(), key=lambda item: (departments[item[0][0]].name, item[0][1].start)
        ):
            department = departments[department_id]
            yield Finding(
                rule=WarningRule.MISSING_RETURNS,
                subject_key=f"department:{department_id}",
                subject_label=f"{department.name}: returns for {period.in_words}",
                starting_period=period.key,
                latest_period=period.key,
                department_id=department_id,
                evidence={
                    "deadline": rows[0].deadline.isoformat(),
                    "indicators": [
                        {
                            "code": r.indicator.code,
                            "title": r.indicator.title,
                            # The workflow state behind "missing": not started, a
                            # draft, sent back, or submitted without its figures.
                            "state": r.kpi_return.state if r.kpi_return else "not_started",
                            "timeliness": r.timeliness.state.value,
                        }
                        for r in rows
                    ],
                    "summary": (
                        f"{plural(len(rows), 'return')} for "
                        f"{period.in_words} missing past the deadline of "
                        f"{date_in_words(rows[0].deadline)}: "
                        + ", ".join(r.indicator.code for r in rows)
                        + "."
                    ),
                },
            )


# Rule 5 ---------------------------------------------------------------------------------
def notice_overdue(
    months: list[Period], evaluate: list[Period], today: date | None = None
) -> Iterator[Finding]:
    """A contract's next performance notice is past its due date (Procurement Act 2023,
    section 71: ``notices_due_for``), as of ``today`` (default today in London), for each
    partnership whose contract KPIs are set (the contracts the council assesses). The
    warning starts in the month of the first day overdue; each month evaluated from the
    one before it carries it on, so a notice that falls overdue after the latest closed
    month is warned of at once."""
    del months  # the due date is read as the data stands today
    as_of = today or timezone.localdate()
    assessed = list(
        Partnership.objects.filter(contract_kpis__active=True).distinct().order_by("pk")
    )
    owed_by_partnership = notices_due_for(assessed, as_of, drafts=True)
    for partnership in assessed:
        owed = owed_by_partnership[partnership.pk]
        # The partner sees its partnership's warnings and must never learn of a draft: the
        # deadline it may see is warned of under the partnership; one owed only for a
        # draft record, under no partnership, so council-wide roles alone see it.
        public = next((d for d in owed if d.overdue and not d.draft), None)
        draft = next((d for d in owed if d.overdue and d.draft), None)
        for due, key, partnership_id in (
            (public, "notice", partnership.pk),
            (draft, "draft-notice", None),
        ):
            if due is not None:
                yield from _notice_findings(
                    partnership,
                    due,
                    as_of,
                    evaluate,
                    f"partnership:{partnership.pk}/{key}",
                    partnership_id,
                )


def _notice_findings(
    partnership, due, as_of: date, evaluate: list[Period], subject_key: str, partnership_id
) -> Iterator[Finding]:
    start = period_for_date(due.due_on + timedelta(days=1))
    days = (as_of - due.due_on).days
    evidence = {
        "due_on": due.due_on.isoformat(),
        "reason": due.reason,
        "days_overdue": days,
        "summary": (
            f"The contract performance notice of {partnership.name} was due on "
            f"{date_in_words(due.due_on)} ({due.reason}) and is "
            f"{plural(days, 'day')} overdue on {date_in_words(as_of)}."
        ),
    }
    for at in evaluate:
        if at < start.previous():
            continue
        yield Finding(
            rule=WarningRule.NOTICE_OVERDUE,
            subject_key=subject_key,
            subject_label=f"{partnership.name}: contract performance notice",
            starting_period=start.key,
            latest_period=max(at, start).key,
            partnership_id=partnership_id,
            evidence=evidence,
        )


def evidence_when_resolved(warning, *, on: date) -> dict:
    """The evidence of a warning whose condition no longer holds, as of ``on`` (a London
    date). A missing-returns warning names no return any more, since none is missing; the
    other rules keep the figures of the last evaluation that found the condition, and
    say so."""
    resolved = f"resolved by the data on {date_in_words(on)}"
    if warning.rule == WarningRule.MISSING_RETURNS:
        period = Period.parse(warning.starting_period)
        return {
            **warning.evidence,
            "indicators": [],
            "summary": f"No return for {period.in_words} is missing any more: {resolved}.",
        }
    summary = warning.evidence.get("summary", "")
    return {
        **warning.evidence,
        "summary": f"{summary} The condition no longer holds: {resolved}; these are the "
        "figures of the last evaluation that found it.".strip(),
    }


# Each rule: (months read, months evaluated, today) → findings.
RULES: dict[WarningRule, Callable[..., Iterator[Finding]]] = {
    WarningRule.FALLING_TOGETHER: falling_together,
    WarningRule.SERVICE_RED: service_red,
    WarningRule.STATUTORY_RED: statutory_red,
    WarningRule.MISSING_RETURNS: missing_returns,
    WarningRule.NOTICE_OVERDUE: notice_overdue,
}
