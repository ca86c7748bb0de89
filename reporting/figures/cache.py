"""Cached figures: one key builder, one generation, never stale (issue 15, point 4).

Figures of every month come from the cache (Redis when configured) until something they
read changes: a signed-off month's after its first reading, and a month still open too,
until the next write (a return saved, a result entered, a referral raised) retires it.
Until issue 17 only signed-off months were cached; but the key already holds today's
date and the generation that every write changes, so an open month's entry is as
trustworthy, and a council whose SMT reads the month's overview many times between
writes no longer pays for it each time. The page and its API endpoint call the same
cached builder, one module of ``reporting/figures/`` per page, so they share one entry
and answer alike:

- overview: /overview/ and metrics/overview/, ``overview.cached_overview_figures``;
- department: /departments/{id}/ and metrics/departments/{id}/,
  ``department.cached_department_figures``;
- coordination: /coordination/ and metrics/coordination/,
  ``coordination.cached_coordination_figures``;
- combined: /combined/ and metrics/combined/, ``combined.cached_combined_figures``, which
  the monthly pack's combined sections read too (the API under ``/api/v1/``).

Three pages also keep what they draw from those figures, under the same key builder and so
the same generation: the overview's charts ("overview-charts"), and the coordination
page's and the combined view's whole context ("coordination-page", per department in
focus, and "combined-page"), so that a reading from the cache draws no chart again. Their
keys are taken before the figures are read. They hold nothing that depends on the reader
beyond the scope in the key.

Their inputs, between them: KPI returns of the month, of every earlier month of the year
(year to date), of the same periods a year earlier (direction of travel) and of the 12
periods of each sparkline; sign-offs (which lock and reopen returns); indicators, targets
and tolerances; the council's coordination weights; departments, active or not (reach
divides by their number); partnerships (contract-health weights, annual value, contract
dates), services (charges, caps, the departments they serve), SLAs and SLA results;
milestones, escalations and risks; referrals of every month of the 24-month window; and
today's date in London (deadlines passed, referrals late).

Why no reader is ever served a stale figure. A key (``figure_cache_key``) holds the
figure's name, month and scope, today's date and the council's figures generation
(``departments/figures_generation.py``), and nothing is cached under any other key. Every
write of a row of an input model changes that generation, so no figure cached before the
write is reachable after it:

- a row saved or deleted, one by one, through a service, an importer that calls the
  services, the admin, an API ModelViewSet or ``loaddata``: the receivers below, connected
  once to every model in ``FIGURE_INPUTS`` (``tests/reporting/test_cache_freshness.py``
  fails when a model of ``departments`` or ``partnerships`` is in neither list);
- a service's departments changed: ``m2m_changed`` of ``Service.departments``;
- rows written in bulk, which send no signals: the referral importer, the demo seeding
  and the monthly summaries of referrals call ``figures_changed`` themselves (no other
  code writes an input in bulk or with ``QuerySet.update``);
- data migrations and ``flush``: ``post_migrate`` (and since a deploy runs ``migrate``,
  figures cached by the code it replaces are dropped too).

``figures_changed`` explains why the generation changes both at once and after the commit.
Figures are read and stored only on read paths, which run outside any transaction
(``ATOMIC_REQUESTS`` is off); a figure stored inside a writing transaction that then
rolled back would outlive it, so no service calls these builders.

Why one council-wide generation, not one per month as before: a figure draws on many
months (year to date, a year earlier, 24-month trends, 12 periods of a quarterly
indicator's sparkline) and on reference data that belongs to no month, and one list of
months per figure was exactly what went wrong. One generation is right whatever a figure
reads. The price is that any write, even to this month's drafts, recomputes cached months
on their next reading, which is never slower than reading them uncached.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone

from departments.figures_generation import figures_changed, figures_generation
from departments.periods import Period

T = TypeVar("T")
CACHE_SECONDS = 60 * 60 * 24

# Every model whose rows a cached figure reads, directly or through a related row.
FIGURE_INPUTS = (
    "departments.Council",
    "departments.Department",
    "departments.PerformanceIndicator",
    "departments.Target",
    "departments.KpiReturn",
    "departments.PeriodSignOff",
    "departments.Referral",
    # Written with the referrals, by raw counts that send no signals:
    # ``record_referral_changes`` and the rebuild call ``figures_changed`` themselves.
    "departments.ReferralPairMonth",
    "departments.ReferralOpenMonth",
    "departments.ReferralDaysMonth",
    # Written with the returns, targets and indicators, by raw deletes and bulk inserts:
    # ``recount_ratings`` calls ``figures_changed`` itself.
    "departments.IndicatorRating",
    "partnerships.Partner",
    "partnerships.Partnership",
    "partnerships.Service",
    "partnerships.Sla",
    "partnerships.SlaResult",
    # Written with the results, SLAs and services, by raw deletes and bulk inserts:
    # ``recount_service_months`` calls ``figures_changed`` itself.
    "partnerships.SlaServiceMonth",
    "partnerships.Milestone",
    "partnerships.Escalation",
    "partnerships.Risk",
)
# Models of the same apps that no cached figure reads: people and their roles (the scope
# of a reader is part of the key instead), tokens, import jobs and reminders (written
# often, so counting them would only empty the cache), warnings and report runs (shown
# beside the figures, never cached), the figures generation itself, and contract
# assessments.
NOT_FIGURE_INPUTS = (
    "departments.FiguresGeneration",
    "departments.Membership",
    "departments.ApiToken",
    "departments.ImportJob",
    "departments.ReminderLog",
    "departments.SignInTimes",
    "departments.SingleSignOnIdentity",
    "departments.DirectoryRoleMapping",
    # Benchmarking: its comparisons are worked out on each request, never cached.
    "departments.ComparatorGroup",
    "departments.ComparatorMember",
    "departments.BenchmarkMetric",
    "departments.BenchmarkValue",
    "reporting.EarlyWarning",
    "reporting.ReportRun",
    # Contract KPIs and their assessments keep their own evidence, read on their pages.
    "partnerships.ContractKpi",
    "partnerships.Assessment",
    "partnerships.KpiRating",
    "partnerships.RectificationPlan",
    "partnerships.PerformanceNotice",
    # Members' scrutiny is read on its own pages and the indicator page, never cached.
    "scrutiny.ScrutinyCommittee",
    "scrutiny.AgendaItem",
    "scrutiny.ScrutinyItem",
)


# The shape of what a cached figure holds, in its key: raised when that shape changes
# without a class moving (2: exact figures held as fractions, not 28-digit decimals), so
# that during a rolling deploy neither release reads the other's entries as its own.
FIGURES_FORMAT = 2


def figure_cache_key(name: str, *, month: Period, scope: Iterable[object] = ()) -> str:
    """The one key of a cached figure: ``name`` (such as "overview"), the month, the scope
    (what the figure is narrowed to: department ids, a partnership id), today's date in
    London, the figures generation and ``FIGURES_FORMAT``. A long scope is hashed, to keep
    keys short."""
    scope_text = "-".join(str(part) for part in scope)
    if len(scope_text) > 64:
        scope_text = hashlib.sha256(scope_text.encode()).hexdigest()[:32]
    today = timezone.localdate().isoformat()
    return (
        f"figures:v{FIGURES_FORMAT}:{name}:{month.key}:{scope_text}:{today}:{figures_generation()}"
    )


def cached_figures(
    name: str, *, month: Period, scope: Iterable[object] = (), build: Callable[[], T]
) -> tuple[T, bool]:
    """``build()``'s result, from the cache when it holds this figure (signed off or not,
    see above); also says whether it came from the cache. The key is taken before
    ``build`` runs, so a write during the build leaves its result under a generation no
    longer asked for."""
    key = figure_cache_key(name, month=month, scope=scope)
    try:
        found = cache.get(key, _NOT_CACHED)
    except UNREADABLE as error:
        # An entry pickled by other code: during a rolling deploy the workers of the old
        # release and the new share the cache and the generation, and a class the new one
        # moved or changed cannot be read back. Read as a miss, built and stored over.
        logger.warning("Cached figure %s could not be read, built again: %r", key, error)
        found = _NOT_CACHED
    if found is not _NOT_CACHED:
        return found, True
    built = build()
    cache.set(key, built, timeout=CACHE_SECONDS)
    return built, False


_NOT_CACHED = object()
# What unpickling an entry written by other code raises: a class gone from its module
# (AttributeError), a module gone (ImportError), a class whose fields changed (TypeError),
# or bytes pickle does not read.
UNREADABLE = (AttributeError, ImportError, TypeError, pickle.UnpicklingError, EOFError)
logger = logging.getLogger(__name__)


def _input_written(**kwargs) -> None:
    figures_changed()


def connect_figure_inputs() -> None:
    """Connect the receivers that change the figures generation (from ``ready()``).

    Signals are kept out of domain flow (STYLE.md point 13); this is cache bookkeeping,
    and a receiver that sees every save is the one place a new write path cannot forget.
    """
    for label in FIGURE_INPUTS:
        model = apps.get_model(label)
        post_save.connect(_input_written, sender=model, dispatch_uid=f"figures-save-{label}")
        post_delete.connect(_input_written, sender=model, dispatch_uid=f"figures-delete-{label}")
    service = apps.get_model("partnerships.Service")
    m2m_changed.connect(
        _input_written, sender=service.departments.through, dispatch_uid="figures-m2m-services"
    )
    post_migrate.connect(
        _input_written, sender=apps.get_app_config("reporting"), dispatch_uid="figures-migrate"
    )
