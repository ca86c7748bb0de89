"""Early warnings: evaluate the rules, record each warning once, tell the SMT, and let an
SMT member acknowledge one with a note (DESIGN.md sections 3 and 4).

Recording is idempotent: a warning is unique per rule, subject and starting period, so
evaluating the same period again raises nothing new; a run of bad figures that goes on
moves its warning's latest period and evidence forward instead of raising another.

Warnings follow the data (issue 15): every evaluation reads each warning not yet resolved
by the data again in its latest period, updates its evidence, and marks the ones whose
condition no longer holds resolved by the data, with the date. Periods and dates in the
evidence's words are written as people read them ("October 2026", "20 November 2026").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.words import plural
from departments import periods, roles
from departments.history import person_name
from departments.models import KpiReturn, Referral, Role
from departments.numbers import text_problem
from departments.periods import Period, periods_between
from partnerships.models import SlaResult
from reporting.models import EarlyWarning
from reporting.warnings.rules import RULES, Finding, evidence_when_resolved

logger = logging.getLogger(__name__)

# Months read before the first month evaluated: enough for a run to be traced back to
# its start and for three annual periods of a statutory indicator.
LOOKBACK_MONTHS = 36


@dataclass
class Evaluation:
    """What one evaluation did. ``updated``, ``unchanged`` and ``resolved`` count
    warnings recorded before the evaluation, each once."""

    periods: list[str]
    raised: list[EarlyWarning] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    resolved: int = 0
    emailed: int = 0

    def as_dict(self) -> dict:
        return {
            "periods": self.periods,
            "raised": len(self.raised),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "resolved": self.resolved,
            "emailed": self.emailed,
        }


def _month_of(key: str) -> Period:
    """The month a warning's latest period is read in: a quarter or a year is read in
    its last month, which is where the rules meet it."""
    return Period.parse(key).months()[-1]


def _with_lookback(months: list[Period]) -> list[Period]:
    first = months[0]
    for _ in range(LOOKBACK_MONTHS):
        first = first.previous()
    return periods_between(first, months[-1])


def evaluate(
    evaluated: list[Period], *, today: date | None = None, notify: bool = True
) -> Evaluation:
    """Evaluate every rule for each month in ``evaluated`` and record what fires; email
    the SMT about new warnings when ``notify``.

    Each rule also looks again at its warnings not yet resolved by the data whose latest
    period ended within ``LOOKBACK_MONTHS`` of the last month evaluated (acknowledged
    ones too: a warning never goes on naming a record the data no longer bears out). It
    re-reads each in its latest period: a warning found again takes the new evidence; one
    not found again no longer holds and is marked resolved by the data with the day of
    the evaluation (``today``, default today in Europe/London). So a missing-returns
    warning drops a return as soon as it is submitted, and is resolved when none is left.
    """
    evaluated = sorted(set(evaluated))
    as_of = today or timezone.localdate()
    oldest_rechecked = _with_lookback(evaluated[-1:])[0]
    result = Evaluation(periods=[p.key for p in evaluated])
    for rule, detect in RULES.items():
        # One query per rule: the warnings the data may have changed since.
        standing = [
            w
            for w in EarlyWarning.objects.filter(rule=rule, resolved_by_data_on__isnull=True)
            if _month_of(w.latest_period) >= oldest_rechecked
        ]
        months = sorted(set(evaluated) | {_month_of(w.latest_period) for w in standing})
        findings = list(detect(_with_lookback(months), months, today))
        # The warnings these findings could continue, resolved ones included (a
        # condition that holds again reopens its warning): one query per rule.
        known = {
            (w.subject_key, w.starting_period): w
            for w in EarlyWarning.objects.filter(
                rule=rule, starting_period__in={f.starting_period for f in findings}
            )
        }
        before = {w.pk: _recorded(w) for w in known.values()}
        touched: set[int] = set()
        holding: set[int] = set()
        for finding in findings:
            warning, holds = _record(finding, known, result)
            if warning is not None:
                touched.add(warning.pk)
                if holds:
                    holding.add(warning.pk)
        gone = {w.pk for w in standing if w.pk not in holding}
        for warning in known.values():
            if warning.pk in before and warning.pk in touched - gone:
                if _recorded(warning) != before[warning.pk]:
                    result.updated += 1
                else:
                    result.unchanged += 1
        for warning in standing:
            if warning.pk in gone:
                warning.resolved_by_data_on = as_of
                warning.evidence = evidence_when_resolved(warning, on=as_of)
                warning.save(update_fields=["resolved_by_data_on", "evidence"])
                result.resolved += 1
    if notify and result.raised:
        result.emailed = notify_smt(result.raised)
    return result


def _recorded(warning: EarlyWarning) -> tuple:
    """What an evaluation may change in a warning, to tell updated from unchanged."""
    return (
        warning.latest_period,
        warning.evidence,
        warning.subject_label,
        warning.resolved_by_data_on,
    )


def evaluate_latest(today: date | None = None, notify: bool = True) -> Evaluation:
    """The daily run: the latest closed month."""
    return evaluate([periods.latest_closed(today=today)], today=today, notify=notify)


def evaluate_history(today: date | None = None, notify: bool = False) -> Evaluation:
    """Every month from the first with any data to the latest closed one."""
    latest = periods.latest_closed(today=today)
    # Returns carry months, quarters and years, whose keys do not sort by date as text
    # ("2025-26-P03" < "2025-26-Q1"), so each distinct key is read; SLA results and
    # referrals carry months only, so their first key by text is their first month.
    keys = list(KpiReturn.objects.order_by().values_list("period", flat=True).distinct())
    keys += [
        model.objects.order_by("period").values_list("period", flat=True).first()
        for model in (SlaResult, Referral)
    ]
    months = [Period.parse(key).months()[0] for key in keys if key]
    first = min(months, key=lambda p: p.start) if months else latest
    return evaluate(periods_between(first, latest) or [latest], today=today, notify=notify)


def _record(
    finding: Finding, known: dict[tuple[str, str], EarlyWarning], result: Evaluation
) -> tuple[EarlyWarning | None, bool]:
    """Record a finding: raise a new warning, or bring a recorded one up to date (a later
    latest period, or the same one with new evidence; a resolved one is reopened, as its
    condition holds again). A finding for an earlier period than the warning's latest
    leaves it as it is.

    Returns the warning the finding belongs to (None when a concurrent run recorded it
    first) and whether the finding bears the warning out as recorded: it reaches the
    warning's latest period.
    """
    existing = known.get((finding.subject_key, finding.starting_period))
    if existing is not None:
        if Period.parse(finding.latest_period) < Period.parse(existing.latest_period):
            return existing, False
        changed = {
            name: value
            for name, value in (
                ("latest_period", finding.latest_period),
                ("evidence", finding.evidence),
                ("subject_label", finding.subject_label[:255]),
                ("resolved_by_data_on", None),
            )
            if getattr(existing, name) != value
        }
        if changed:
            for name, value in changed.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(changed))
        return existing, True
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(
                rule=finding.rule,
                subject_key=finding.subject_key,
                subject_label=finding.subject_label[:255],
                starting_period=finding.starting_period,
                latest_period=finding.latest_period,
                department_id=finding.department_id,
                indicator_id=finding.indicator_id,
                partnership_id=finding.partnership_id,
                service_id=finding.service_id,
                evidence=finding.evidence,
            )
    except IntegrityError:  # a concurrent run recorded it first: still one warning
        result.unchanged += 1
        return None, False
    known[(finding.subject_key, finding.starting_period)] = warning
    result.raised.append(warning)
    return warning, True


def smt_recipients() -> list[str]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.SMT)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def notify_smt(warnings: list[EarlyWarning]) -> int:
    """One email to the SMT listing the new warnings, each with a link to it."""
    recipients = smt_recipients()
    if not recipients:
        return 0
    site = settings.SITE_URL.rstrip("/")
    body = render_to_string(
        "email/early_warnings.txt",
        {
            "warnings": warnings,
            "site_url": site,
            "link": site + reverse("reporting:early-warnings"),
        },
    )
    count = len(warnings)
    send_mail(
        subject=f"{plural(count, 'new early warning')} on the partnership governance dashboard",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)


def acknowledge(warning: EarlyWarning, *, user, note: str) -> EarlyWarning:
    """An SMT member (or an administrator) acknowledges a warning with a note."""
    if not roles.may_acknowledge_warnings(user):
        raise PermissionDenied("Only the SMT can acknowledge early warnings.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Enter a note saying what the SMT will do."]})
    if problem := text_problem(note, label="Note"):
        raise ValidationError({"note": [problem]})
    with transaction.atomic():
        locked = EarlyWarning.objects.select_for_update().get(pk=warning.pk)
        if locked.acknowledged_at is not None:
            who = person_name(locked.acknowledged_by)
            raise ValidationError({"note": [f"This warning was already acknowledged by {who}."]})
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.acknowledgement_note = note
        locked.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    return locked
