"""The partnership's monthly SLA results, milestones, escalations and risks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from demo.scale import Episode
from demo.timestamps import at
from departments import periods
from partnerships.models import (
    Escalation,
    Milestone,
    MilestoneState,
    RecordState,
    Risk,
    Sla,
    SlaResult,
    Verification,
)

TWO_PLACES = Decimal("0.01")


def _level(sla: Sla, outcome: str, rng: random.Random) -> Decimal:
    """A result value that is met, a minor failure or a serious failure for ``sla``."""
    expected, minimum = float(sla.expected_level), float(sla.minimum_level)
    gap = abs(expected - minimum) or 1.0
    sign = 1 if sla.polarity == "higher" else -1
    if outcome == "met":
        value = expected + sign * rng.uniform(0, gap * 0.6)
    elif outcome == "minor":
        value = expected - sign * rng.uniform(0.05, 0.95) * gap
    else:
        value = minimum - sign * rng.uniform(0.1, 1.0) * gap
    if sla.unit == "percent":
        value = min(value, 100.0)
    return Decimal(repr(max(value, 0.0))).quantize(TWO_PLACES)


def build_sla_results(
    *,
    rng: random.Random,
    slas: list[Sla],
    failing_service_ids: set[int],
    months: list[periods.Period],
    episode: Episode,
    partner_user,
    smt_user,
    today: date,
) -> Iterator[SlaResult]:
    """Every SLA's monthly result up to the month before the latest closed one.

    The latest closed month is left for the partner manager to enter.
    """
    latest = periods.latest_closed(periods.PeriodKind.MONTH, today)
    for month in months:
        if month >= latest:
            break
        failing = episode.services_failing(month)
        recent = month.next() == latest
        outcomes = _outcomes(
            rng,
            slas,
            failing_service_ids if failing else set(),
            episode.serious_share(month) if failing else 0.0,
        )
        for sla in slas:
            outcome = outcomes[sla.pk]
            deadline = month.deadline(periods.SLA_RESULT_DEADLINE_WORKING_DAYS)
            # In the episode the partner is late with the failing systems' results.
            late = (failing and sla.service_id in failing_service_ids) or rng.random() < 0.04
            entered = (
                deadline + timedelta(days=rng.randint(1, 9))
                if late
                else (deadline - timedelta(days=rng.randint(0, 8)))
            )
            result = SlaResult(
                sla=sla,
                period=month.key,
                reported_value=_level(sla, outcome, rng),
                entered_by=partner_user,
                entered_at=at(min(entered, today), rng),
                commentary=""
                if outcome == "met"
                else (
                    "Platform instability after the storage upgrade; root cause analysis under way."
                    if failing
                    else "Isolated incident, resolved the next day."
                ),
            )
            result.set_period_dates()
            if not recent:
                result.verification = Verification.VERIFIED
                result.verified_by = smt_user
                result.verified_at = at(deadline + timedelta(days=5))
            yield result


def _outcomes(
    rng: random.Random, slas: list[Sla], failing_service_ids: set[int], serious_share: float
) -> dict[int, str]:
    """Each SLA's outcome in one month.

    A failing service meets none of its SLAs in an episode month: ``serious_share`` of
    them fail seriously and the rest are minor failures, so it is red throughout.
    """
    outcomes: dict[int, str] = {}
    by_service: dict[int, list[Sla]] = {}
    for sla in slas:
        by_service.setdefault(sla.service_id, []).append(sla)
    for service_id, service_slas in by_service.items():
        if service_id in failing_service_ids:
            serious = int(serious_share * len(service_slas) + 1e-9)
            for index, sla in enumerate(rng.sample(service_slas, len(service_slas))):
                outcomes[sla.pk] = "serious" if index < serious else "minor"
            continue
        # The other services carry on as usual: the episode is the shared systems' alone,
        # so the departments that do not use them are a clean control.
        weights = (0.92, 0.06, 0.02)
        for sla in service_slas:
            outcomes[sla.pk] = rng.choices(("met", "minor", "serious"), weights)[0]
    return outcomes


def mark_disputes(results: list[SlaResult], rng: random.Random, smt_user) -> None:
    """A few verified results went through a dispute; two recent ones are still disputed."""
    verified = [r for r in results if r.verification == Verification.VERIFIED]
    recent = [r for r in results if r.verification == Verification.UNVERIFIED]
    for result in rng.sample(verified, min(3, len(verified))):
        result.verification = Verification.RESOLVED
        result.dispute_reason = "Outage on the 14th is missing from the availability figure."
        result.resolution_reason = "Agreed at the monthly contract meeting after log review."
        sign = Decimal(-1) if result.sla.polarity == "higher" else Decimal(1)
        result.agreed_value = result.reported_value + sign * Decimal("0.40")
        result.version = 3
    for result in rng.sample(recent, min(2, len(recent))):
        result.verification = Verification.DISPUTED
        result.dispute_reason = "Service desk tickets show more P1 breaches than reported."
        result.verified_by = smt_user
        result.verified_at = result.entered_at + timedelta(days=3)
        result.version = 2


MILESTONE_TITLES = [
    "Data centre consolidation",
    "Windows estate refresh",
    "Case-management upgrade",
    "Wi-Fi in libraries",
    "Finance system cloud migration",
    "Cyber Essentials Plus",
    "Telephony replacement",
    "Records digitisation",
    "Intranet redesign",
    "Disaster recovery test",
    "Mobile working for social care",
    "Network edge renewal",
]


def build_milestones(
    *, rng: random.Random, partnership, years: list[int], episode: Episode, today: date
) -> list[Milestone]:
    milestones = []
    for year in years:
        for index in range(4):
            due = date(year, 4, 1) + timedelta(days=45 + index * 85 + rng.randint(0, 20))
            title = f"{MILESTONE_TITLES[(year + index) % len(MILESTONE_TITLES)]} ({year})"
            in_episode = any(m.contains(due) for m in episode.service_months)
            milestone = Milestone(
                partnership=partnership,
                title=title,
                owner="Partner programme director",
                due_date=due,
                description="Contract deliverable under schedule 4.",
            )
            if due >= today:
                milestone.state = (
                    MilestoneState.IN_PROGRESS
                    if due - today < timedelta(90)
                    else MilestoneState.PLANNED
                )
            else:
                slip = (
                    rng.randint(20, 75)
                    if in_episode
                    else (rng.randint(1, 15) if rng.random() < 0.15 else -rng.randint(0, 10))
                )
                delivered = due + timedelta(days=slip)
                if delivered >= today:
                    milestone.state = MilestoneState.IN_PROGRESS
                else:
                    milestone.state = MilestoneState.DELIVERED
                    milestone.delivered_date = delivered
            milestones.append(milestone)
    return milestones


def build_escalations(
    *,
    rng: random.Random,
    partnership,
    months: list[periods.Period],
    episode: Episode,
    smt_user,
    today: date,
) -> list[Escalation]:
    escalations = []
    recover = episode.service_months[-1].end + timedelta(days=60)
    for month in months:
        failing = episode.services_failing(month)
        if not failing and rng.random() > 0.3:
            continue
        severity = rng.choice(["high", "medium"]) if failing else rng.choice(["low", "medium"])
        raised = month.start + timedelta(days=rng.randint(3, 20))
        if raised >= today:
            continue
        resolved = (
            (recover + timedelta(days=rng.randint(0, 20)))
            if failing
            else (raised + timedelta(days=rng.randint(7, 40)))
        )
        escalation = Escalation(
            partnership=partnership,
            severity=severity,
            raised_on=raised,
            raised_by=smt_user,
            title=(
                "Shared case-management system outages"
                if failing
                else "Slow response to service desk tickets"
            ),
            owner="Head of ICT client",
            due_date=raised + timedelta(days=30),
        )
        if resolved < today:
            escalation.state = RecordState.RESOLVED
            escalation.resolved_on = resolved
            escalation.resolution = "Service restored and stable for a full month."
        escalations.append(escalation)
    return escalations


RISKS = [
    ("Partner staff turnover in the service desk", 3, 3),
    ("Case-management system end of support", 4, 4),
    ("Ransomware attack on council systems", 3, 4),
    ("Budget pressure reduces change capacity", 4, 3),
    ("Network contract renewal delayed", 2, 3),
    ("Data protection breach through email", 2, 4),
]


def build_risks(
    *, rng: random.Random, partnership, first_day: date, episode: Episode, smt_user, today: date
) -> list[Risk]:
    risks = []
    for index, (title, likelihood, impact) in enumerate(RISKS):
        raised = first_day + timedelta(days=40 * index + rng.randint(0, 30))
        risk = Risk(
            partnership=partnership,
            title=title,
            likelihood=likelihood,
            impact=impact,
            owner="Chief digital officer",
            raised_on=raised,
            raised_by=smt_user,
            mitigation="Reviewed monthly at the partnership board.",
        )
        if index % 3 == 0 and raised + timedelta(days=300) < today:
            risk.state = RecordState.RESOLVED
            risk.resolved_on = raised + timedelta(days=300)
            risk.resolution = "Mitigation complete; closed by the partnership board."
        risks.append(risk)
    episode_start = episode.service_months[0].start
    risks.append(
        Risk(
            partnership=partnership,
            title="Shared systems instability disrupts referrals",
            likelihood=4,
            impact=5,
            owner="Chief digital officer",
            raised_on=episode_start + timedelta(days=20),
            raised_by=smt_user,
            mitigation="Daily stand-up with the partner; manual fallback for urgent referrals.",
        )
    )
    closed = episode.service_months[-1].end + timedelta(days=40)
    if closed < today:
        risks[-1].state, risks[-1].resolved_on = RecordState.RESOLVED, closed
        risks[-1].resolution = "Stability restored after the platform rebuild."
    return risks
