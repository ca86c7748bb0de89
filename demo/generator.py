"""Builds the demo council at a chosen scale, reproducibly from a seed number.

Rows are produced by generators and written in batches (``demo.writing``: COPY on
PostgreSQL, bulk inserts elsewhere), so the large council (a million referrals) seeds
with bounded memory; referrals stream as tuples, never as a million model instances.
"""

from __future__ import annotations

import itertools
import random
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from demo import assessments, benchmarks, contract, reference, writing
from demo import referrals as referral_rows
from demo.publication import publish_demo_indicators
from demo.referrals import Pair, build_referrals
from demo.returns import ReturnFigures, Staff, build_returns, build_sign_offs, target_for
from demo.scale import DEMO, Episode, Scale
from demo.scrutiny import build_scrutiny
from departments import periods
from departments.figures_generation import figures_changed
from departments.models import (
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
    Council,
    Department,
    IndicatorRating,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    ReferralDaysMonth,
    ReferralOpenMonth,
    ReferralPairMonth,
    Target,
)
from departments.referrals.summaries import rebuild_referral_summaries
from departments.returns.ratings import rebuild_indicator_ratings
from departments.roles import Role
from partnerships.contracts.models import Assessment, ContractKpi, KpiRating, RectificationPlan
from partnerships.models import (
    Escalation,
    Milestone,
    Partner,
    Partnership,
    Risk,
    Service,
    Sla,
    SlaResult,
    SlaServiceMonth,
)
from partnerships.sla_results.summaries import rebuild_sla_service_months
from publication.models import PublishedIndicator
from reporting.metrics.dependency import dependency_health
from reporting.metrics.health import service_months
from reporting.models import EarlyWarning
from reporting.warnings.evaluation import evaluate_history
from scrutiny.models import AgendaItem, ScrutinyCommittee, ScrutinyItem

# username, first name, last name, role, department code (officer and head are in Housing)
DEMO_USERS = [
    ("officer", "Priya", "Shah", Role.OFFICER, "housing"),
    ("head", "Marcus", "Bell", Role.HEAD, "housing"),
    ("smt", "Helen", "Carter", Role.SMT, None),
    ("partner", "Tom", "Reeves", Role.PARTNER, None),
    ("auditor", "Grace", "Okafor", Role.AUDITOR, None),
    ("admin", "Alex", "Morgan", Role.ADMIN, None),
    # Elected members of the Overview and Scrutiny Committee (demo/scrutiny.py).
    ("member", "Rosa", "Lindqvist", Role.MEMBER, None),
    ("member2", "Dev", "Kapoor", Role.MEMBER, None),
]
STAFF_PREFIX = "staff-"


@dataclass
class SeedReport:
    scale: str
    seed: int
    created: bool
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def seed_council(
    *,
    scale: Scale = DEMO,
    seed: int = 2025,
    today: date | None = None,
    reset: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> SeedReport:
    """Create the demo council unless it exists (idempotent); ``reset`` rebuilds it."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    if reset:
        delete_everything(log)
    exists = Council.objects.filter(name=reference.COUNCIL_NAME).exists()
    if not exists:
        _Builder(scale=scale, seed=seed, today=today, log=log).build()
    if reset or not exists:
        # Raw deletes and bulk inserts send no signals: retire every cached figure here.
        figures_changed()
        writing.statistics_for_the_planner()
    ensure_demo_passwords()
    return SeedReport(
        scale=scale.name,
        seed=seed,
        created=not exists,
        seconds=time.perf_counter() - started,
        counts=row_counts(),
    )


def ensure_demo_passwords() -> None:
    """Demo users always sign in with DEMO_PASSWORD (or the README's demo-only default)."""
    for user in get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS]):
        if not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])


COUNTED_MODELS = [
    Council,
    Department,
    Membership,
    PerformanceIndicator,
    Target,
    KpiReturn,
    PeriodSignOff,
    Referral,
    Partner,
    Partnership,
    Service,
    Sla,
    SlaResult,
    Milestone,
    Escalation,
    Risk,
    EarlyWarning,
    PublishedIndicator,
]


def row_counts() -> dict[str, int]:
    return {model._meta.verbose_name_plural: model.objects.count() for model in COUNTED_MODELS}


def delete_everything(log: Callable[[str], None]) -> None:
    """Remove the demo council and its history, children before parents."""
    log("Removing the existing demo council")
    ordered = [
        ScrutinyItem,
        AgendaItem,
        ScrutinyCommittee.members.through,
        # django-simple-history's copy of each committee's members, before its own history.
        apps.get_model("scrutiny", "HistoricalScrutinyCommittee_members"),
        ScrutinyCommittee,
        PublishedIndicator,
        RectificationPlan,
        KpiRating,
        Assessment,
        ContractKpi.slas.through,
        # django-simple-history's copy of each KPI's SLAs, before the KPIs' own history.
        apps.get_model("partnerships", "HistoricalContractKpi_slas"),
        ContractKpi,
        EarlyWarning,
        BenchmarkValue,
        BenchmarkMetric,
        ComparatorMember,
        ComparatorGroup,
        IndicatorRating,
        ReferralPairMonth,
        ReferralOpenMonth,
        ReferralDaysMonth,
        Referral,
        SlaServiceMonth,
        SlaResult,
        KpiReturn,
        PeriodSignOff,
        Target,
        Membership,
        Escalation,
        Risk,
        Milestone,
        Sla,
        Service,
        Partnership,
        Partner,
        PerformanceIndicator,
        Department,
        Council,
    ]
    # TRUNCATE is far faster for a million rows, but PostgreSQL refuses it inside a
    # transaction with pending foreign-key checks (as in tests): delete row by row there.
    truncate = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if truncate:
            tables = [m._meta.db_table for m in ordered]
            tables += [h._meta.db_table for m in ordered if (h := _history_of(m))]
            tables.append(Service.departments.through._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            # Raw deletes, children first: a plain delete() would write a history row
            # for each of the thousands of rows removed, and take minutes.
            Service.departments.through.objects.all()._raw_delete(connection.alias)
            for model in ordered:
                model.objects.all()._raw_delete(connection.alias)
                if history := _history_of(model):
                    history.objects.all()._raw_delete(connection.alias)
        get_user_model().objects.filter(username__in=[u[0] for u in DEMO_USERS]).delete()
        get_user_model().objects.filter(username__startswith=STAFF_PREFIX).delete()


def _history_of(model):
    """The django-simple-history model of ``model``, or None. A historical many-to-many
    row has a ``history`` foreign key of its own, which is not one."""
    return getattr(getattr(model, "history", None), "model", None)


def _batched(rows: Iterable, size: int) -> Iterable[list]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class _Builder:
    def __init__(self, *, scale: Scale, seed: int, today: date, log: Callable[[str], None]):
        self.scale, self.today, self.log = scale, today, log
        self.rng = random.Random(seed)
        latest = periods.latest_closed(periods.PeriodKind.MONTH, today)
        self.years = list(range(latest.year - scale.years + 1, latest.year + 1))
        self.episode = Episode(year=latest.year - 1)
        self.months = [
            m for y in self.years for m in periods.periods_of_year(y, "month") if m.has_ended(today)
        ]

    def build(self) -> None:
        with transaction.atomic():
            self._reference_data()
            self._people()
            self._contract()
            self._indicators()
        self._step("returns", self._returns)
        self._step("SLA results", self._sla_results)
        self._step("referrals", self._referrals)
        self._step("early warnings", self._early_warnings)
        self._step("contract assessments", self._contract_assessments)
        self._step("benchmarking", self._benchmarks)
        self._step("published indicators", self._publication)
        self._step("scrutiny", self._scrutiny)

    def _step(self, name: str, action: Callable[[], int]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            written = action()
        seconds = time.perf_counter() - started
        # The process's peak so far (resident, KiB on Linux), as manage.py bench reports it.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.log(f"  {name}: {written:,} rows in {seconds:.1f} s (peak memory {peak:.0f} MiB)")

    # reference data -------------------------------------------------------------------
    def _reference_data(self) -> None:
        self.council = Council.objects.create(name=reference.COUNCIL_NAME)
        names = list(reference.DEPARTMENTS)
        for extra in reference.LARGE_EXTRA_DEPARTMENT_NAMES[: self.scale.departments - 8]:
            names.append(
                (extra, extra.lower().replace(" & ", "-").replace(" ", "-").replace("'", ""))
            )
        self.departments = {
            code: Department.objects.create(council=self.council, name=name, code=code)
            for name, code in names[: self.scale.departments]
        }
        self.log(f"  {len(self.departments)} departments")

    def _people(self) -> None:
        users = get_user_model().objects
        self.demo_users = {}
        self.members = []
        for username, first, last, role, department in DEMO_USERS:
            user = users.create_user(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@borsetshire.example",
                password=settings.DEMO_PASSWORD,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            self.demo_users[role] = user
            if role == Role.MEMBER:
                self.members.append(user)
            if role != Role.PARTNER:  # the partner's membership needs the partnership first
                Membership.objects.create(
                    user=user,
                    role=role,
                    department=self.departments[department] if department else None,
                )
        self.staff: dict[int, Staff] = {}
        for code, department in self.departments.items():
            if code == "housing":
                officer, head = self.demo_users[Role.OFFICER], self.demo_users[Role.HEAD]
            else:
                officer = users.create_user(
                    username=f"{STAFF_PREFIX}{code}-officer",
                    first_name="Officer",
                    last_name=department.name,
                )
                head = users.create_user(
                    username=f"{STAFF_PREFIX}{code}-head",
                    first_name="Head of",
                    last_name=department.name,
                )
                Membership.objects.bulk_create(
                    [
                        Membership(user=officer, role=Role.OFFICER, department=department),
                        Membership(user=head, role=Role.HEAD, department=department),
                    ]
                )
            self.staff[department.pk] = Staff(officer, head, self.demo_users[Role.SMT])

    def _contract(self) -> None:
        partner = Partner.objects.create(name=reference.PARTNER_NAME, company_number="08123456")
        first_year = self.years[0]
        self.partnerships = []
        self.services: dict[str, Service] = {}
        all_departments = list(self.departments.values())
        for number in range(self.scale.partnerships):
            partnership = Partnership.objects.create(
                council=self.council,
                partner=partner,
                name="ICT Strategic Service Partnership"
                if number == 0
                else f"Digital Transformation Partnership {number + 1}",
                start_date=date(first_year - 2, 4, 1),
                end_date=date(first_year + 12, 3, 31),
                annual_value=Decimal("14500000.00") if number == 0 else Decimal("6200000.00"),
            )
            self.partnerships.append(partnership)
            for spec in reference.SERVICES:
                service = Service.objects.create(
                    partnership=partnership,
                    code=spec.code,
                    name=spec.name,
                    monthly_charge=spec.monthly_charge,
                    credit_cap_percent=spec.cap_percent,
                )
                served = (
                    all_departments
                    if spec.departments == ("*",)
                    else [self.departments[c] for c in spec.departments if c in self.departments]
                )
                if spec.referral_channel and self.scale.departments > 8:
                    served += all_departments[8 + number :: 3]  # extra departments share systems
                service.departments.set(served)
                if number == 0:
                    self.services[spec.code] = service
        Membership.objects.create(
            user=self.demo_users[Role.PARTNER], role=Role.PARTNER, partnership=self.partnerships[0]
        )
        self._slas()

    def _slas(self) -> None:
        services = list(
            Service.objects.filter(partnership__in=self.partnerships).order_by(
                "partnership_id", "pk"
            )
        )
        counts = reference.SLAS_PER_SERVICE
        plan = [(s, counts[s.code]) for s in services if s.partnership == self.partnerships[0]]
        if self.scale.slas > sum(n for _, n in plan):  # the large council: spread the rest
            plan = [(s, 0) for s in services]
            for index in range(self.scale.slas):
                service, n = plan[index % len(plan)]
                plan[index % len(plan)] = (service, n + 1)
        rows = []
        for service, count in plan:
            for index in range(count):
                suffix, title, unit, polarity, expected, minimum, credit = reference.SLA_TEMPLATES[
                    index % len(reference.SLA_TEMPLATES)
                ]
                rows.append(
                    Sla(
                        service=service,
                        code=f"{service.code.upper()[:8].rstrip('-')}-{suffix}-{index + 1:02d}",
                        title=title,
                        unit=unit,
                        polarity=polarity,
                        expected_level=Decimal(expected),
                        minimum_level=Decimal(minimum),
                        credit_percent=Decimal(credit),
                    )
                )
        self.slas = bulk_create_with_history(rows, Sla)
        self.slas = list(Sla.objects.select_related("service").order_by("pk"))

    def _indicators(self) -> None:
        codes = list(self.departments)
        specs = reference.bvpi_specs()
        specs += reference.local_specs(codes, self.scale.indicators - len(specs))
        rows = [
            PerformanceIndicator(
                council=self.council,
                code=s.code,
                title=s.title,
                definition=s.definition,
                unit=s.unit,
                polarity=s.polarity,
                frequency=s.frequency,
                year_to_date=s.year_to_date,
                dimension=s.dimension,
                statutory=s.statutory,
                department=self.departments[s.department],
                decimal_places=reference.DECIMAL_PLACES[s.unit],
            )
            for s in specs
        ]
        bulk_create_with_history(rows, PerformanceIndicator, batch_size=self.scale.batch_size)
        by_code = {i.code: i for i in PerformanceIndicator.objects.all()}
        self.indicators = [(s, by_code[s.code]) for s in specs]
        self.targets = {}
        target_rows = []
        for spec, indicator in self.indicators:
            for index, year in enumerate(self.years):
                annual = target_for(spec, index)
                self.targets[(indicator.pk, year)] = (annual, spec.tolerance)
                target_rows.append(
                    Target(
                        indicator=indicator,
                        financial_year=year,
                        annual_value=annual,
                        tolerance=spec.tolerance,
                    )
                )
        for batch in _batched(target_rows, self.scale.batch_size):
            writing.write_instances(Target, batch, history=True)
        self.log(f"  {len(self.indicators)} indicators, {len(target_rows)} targets")

    # figures ---------------------------------------------------------------------------
    def _dependent_department_codes(self) -> set[str]:
        return {
            d.code
            for code in reference.EPISODE_SERVICES
            for d in self.services[code].departments.all()
        }

    def _returns(self) -> int:
        figures = ReturnFigures(self.rng, self.episode, self._dependent_department_codes())
        rows = build_returns(
            rng=self.rng,
            figures=figures,
            indicators=self.indicators,
            targets=self.targets,
            years=self.years,
            today=self.today,
            staff=self.staff,
        )
        written = 0
        keys: set[str] = set()
        with writing.indexes_and_foreign_keys_after(KpiReturn, KpiReturn.history.model):
            for batch in _batched(rows, self.scale.batch_size):
                writing.write_instances(KpiReturn, batch, history=True)
                keys.update(r.period for r in batch)
                written += len(batch)
        PeriodSignOff.objects.bulk_create(
            build_sign_offs(keys, self.demo_users[Role.SMT], self.today)
        )
        # Rated once at the end from the rows, as ``manage.py rebuild_indicator_ratings``
        # does: the returns, targets and indicators are all written by now.
        rebuild_indicator_ratings()
        return written

    def _publication(self) -> int:
        return publish_demo_indicators(self.demo_users[Role.SMT], self.today)

    def _sla_results(self) -> int:
        failing = {self.services[c].pk for c in reference.EPISODE_SERVICES}
        failing |= set(
            Service.objects.filter(code__in=reference.EPISODE_SERVICES).values_list("pk", flat=True)
        )
        results = list(
            contract.build_sla_results(
                rng=self.rng,
                slas=self.slas,
                failing_service_ids=failing,
                months=self.months,
                episode=self.episode,
                partner_user=self.demo_users[Role.PARTNER],
                smt_user=self.demo_users[Role.SMT],
                today=self.today,
            )
        )
        contract.mark_disputes(results, self.rng, self.demo_users[Role.SMT])
        with writing.indexes_and_foreign_keys_after(SlaResult, SlaResult.history.model):
            for batch in _batched(results, self.scale.batch_size):
                writing.write_instances(SlaResult, batch, history=True)
        # Counted once at the end from the rows, as ``manage.py rebuild_sla_service_months``
        # does: bulk writes send none of the signals that keep the summary.
        rebuild_sla_service_months()
        smt = self.demo_users[Role.SMT]
        for partnership in self.partnerships:
            Milestone.objects.bulk_create(
                contract.build_milestones(
                    rng=self.rng,
                    partnership=partnership,
                    years=self.years,
                    episode=self.episode,
                    today=self.today,
                )
            )
            Escalation.objects.bulk_create(
                contract.build_escalations(
                    rng=self.rng,
                    partnership=partnership,
                    months=self.months,
                    episode=self.episode,
                    smt_user=smt,
                    today=self.today,
                )
            )
            Risk.objects.bulk_create(
                contract.build_risks(
                    rng=self.rng,
                    partnership=partnership,
                    first_day=self.months[0].start,
                    episode=self.episode,
                    smt_user=smt,
                    today=self.today,
                )
            )
        return len(results)

    def _contract_assessments(self) -> int:
        """The first partnership's KPIs, its approved assessment of the episode's contract
        year and a draft of this year (demo/assessments.py)."""
        return assessments.build_contract_assessments(
            partnership=self.partnerships[0],
            episode_services=reference.EPISODE_SERVICES,
            episode_year=self.episode.year,
            today=self.today,
            admin=self.demo_users[Role.ADMIN],
            smt=self.demo_users[Role.SMT],
            partner=self.demo_users[Role.PARTNER],
        )

    def _scrutiny(self) -> int:
        return build_scrutiny(
            members=self.members,
            head=self.demo_users[Role.HEAD],
            smt=self.demo_users[Role.SMT],
            today=self.today,
        )

    def _benchmarks(self) -> int:
        last_ended = periods.latest_closed(periods.PeriodKind.YEAR, self.today).year
        return benchmarks.seed_benchmarks(council=self.council, rng=self.rng, last_year=last_ended)

    def _early_warnings(self) -> int:
        """Every past month evaluated, as the daily task would have; the SMT has already
        acknowledged the warnings that ended more than three months ago."""
        result = evaluate_history(today=self.today, notify=False)
        recent = periods.latest_closed(periods.PeriodKind.MONTH, self.today)
        for _ in range(3):
            recent = recent.previous()
        old = [
            w.pk
            for w in EarlyWarning.objects.only("pk", "latest_period")
            if periods.Period.parse(w.latest_period).end < recent.start
        ]
        EarlyWarning.objects.filter(pk__in=old).update(
            acknowledged_by=self.demo_users[Role.SMT],
            acknowledged_at=timezone.make_aware(datetime.combine(recent.start, clock(9, 30))),
            acknowledgement_note="Reviewed at the SMT meeting; actions agreed with the partner.",
        )
        return len(result.raised)

    def _referrals(self) -> int:
        channel_services = [self.services[c] for c in reference.EPISODE_SERVICES]
        serves = {s.pk: {d.pk for d in s.departments.all()} for s in channel_services}
        ids = {code: d.pk for code, d in self.departments.items()}

        def channel_for(from_id: int, to_id: int) -> int | None:
            for service in channel_services:
                if to_id in serves[service.pk]:
                    return service.pk
            for service in channel_services:
                if from_id in serves[service.pk]:
                    return service.pk
            return channel_services[0].pk

        pairs = [
            Pair(ids[a], ids[b], w, channel_for(ids[a], ids[b]))
            for a, b, w in reference.REFERRAL_PAIRS
        ]
        extra = [d.pk for d in self.departments.values()][8:]
        for index, department_id in enumerate(extra):  # the large council's other pairs
            partner_id = list(ids.values())[(index * 7 + 3) % len(ids)]
            if partner_id != department_id:
                pairs.append(
                    Pair(department_id, partner_id, 3, channel_for(department_id, partner_id))
                )
                pairs.append(
                    Pair(partner_id, department_id, 2, channel_for(partner_id, department_id))
                )
        health = service_months(
            partnership_ids=[p.pk for p in self.partnerships], months=self.months
        )
        rows = build_referrals(
            rng=self.rng,
            pairs=pairs,
            months=self.months,
            total=self.scale.referrals,
            service_health={
                key: float(month.health) / 100
                for key, month in health.items()
                if month.health is not None
            },
            dependency_health={
                key: float(figure.score) / 100
                for key, figure in dependency_health(months=self.months, today=self.today).items()
                if figure.score is not None
            },
            served=serves,
            today=self.today,
        )
        stored_at = timezone.now()
        with writing.indexes_and_foreign_keys_after(Referral):
            written = writing.write_rows(
                Referral,
                (*referral_rows.COLUMNS, "reference", "created_at"),
                (row + ("", stored_at) for row in rows),
            )
        # Counted once at the end from the rows, as ``manage.py rebuild_referral_summaries``
        # does: faster than counting every batch, and the same rows.
        rebuild_referral_summaries()
        return written


def episode_for(today: date | None = None) -> Episode:
    """The episode of a council seeded ``today``: the previous financial year's autumn."""
    latest = periods.latest_closed(periods.PeriodKind.MONTH, today or timezone.localdate())
    return Episode(year=latest.year - 1)


__all__ = ["seed_council", "episode_for", "SeedReport", "DEMO_USERS"]
