"""Early warnings: evaluate the rules, record each warning once, tell the SMT, and let an
SMT member acknowledge one with a note (DESIGN.md sections 3 and 4).

Recording is idempotent: a warning is unique per rule, subject and starting period, so
evaluating the same period again raises nothing new; a run of bad figures that goes on
moves its warning's latest period and evidence forward instead of raising another.
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

from departments import periods, roles
from departments.models import KpiReturn, Referral, Role
from departments.numbers import text_problem
from departments.periods import Period, periods_between
from partnerships.models import SlaResult
from reporting.models import EarlyWarning
from reporting.warning_rules import RULES, Finding

logger = logging.getLogger(__name__)

# Months read before the first month evaluated: enough for a run to be traced back to
# its start and for three annual periods of a statutory indicator.
LOOKBACK_MONTHS = 36


@dataclass
class Evaluation:
    """What one evaluation did."""

    periods: list[str]
    raised: list[EarlyWarning] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    emailed: int = 0

    def as_dict(self) -> dict:
        return {
            "periods": self.periods,
            "raised": len(self.raised),
            "updated": self.updated,
            "unchanged": self.unchanged,
            "emailed": self.emailed,
        }


def evaluate(
    evaluated: list[Period], *, today: date | None = None, notify: bool = True
) -> Evaluation:
    """Evaluate every rule for each month in ``evaluated`` (oldest first) and record
    what fires; email the SMT about new warnings when ``notify``."""
    evaluated = sorted(evaluated, key=lambda p: p.start)
    first = evaluated[0]
    for _ in range(LOOKBACK_MONTHS):
        first = first.previous()
    window = periods_between(first, evaluated[-1])
    result = Evaluation(periods=[p.key for p in evaluated])
    for rule, detect in RULES.items():
        findings = list(detect(window, evaluated, today))
        # The warnings already recorded that these findings could continue: one query
        # per rule rather than one per finding.
        known = {
            (w.subject_key, w.starting_period): w
            for w in EarlyWarning.objects.filter(
                rule=rule, starting_period__in={f.starting_period for f in findings}
            )
        }
        for finding in findings:
            _record(finding, known, result)
    if notify and result.raised:
        result.emailed = notify_smt(result.raised)
    return result


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
) -> None:
    existing = known.get((finding.subject_key, finding.starting_period))
    if existing is not None:
        if Period.parse(finding.latest_period) > Period.parse(existing.latest_period):
            existing.latest_period = finding.latest_period
            existing.evidence = finding.evidence
            existing.save(update_fields=["latest_period", "evidence"])
            result.updated += 1
        else:
            result.unchanged += 1
        return
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
        return
    known[(finding.subject_key, finding.starting_period)] = warning
    result.raised.append(warning)


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
        subject=f"{count} new early warning{'s' if count != 1 else ''} on the partnership "
        "governance dashboard",
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
            who = locked.acknowledged_by.get_full_name() or locked.acknowledged_by.username
            raise ValidationError({"note": [f"This warning was already acknowledged by {who}."]})
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.acknowledgement_note = note
        locked.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    return locked
