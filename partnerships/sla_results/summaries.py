"""Keeping the monthly summary of SLA results (``SlaServiceMonth``) equal to the results,
SLAs and services it is counted from.

A service's month is recounted whole, in the same transaction as the write that changed
it: a result's save or deletion recounts its service's month; an SLA's save recounts
every month of its service (its levels, polarity or credit percentage change outcomes
and credits; a move to another service changes both services); a service's save
recounts all its months (its monthly charge prices the credits). These writes come from
the results' services (entry, correction, resolution of a dispute), the SLA results
import, the admin and the API's model viewsets alike, so the receivers on the models'
saves and deletions are the one place that hears every one (``connect_sla_summaries``).
Bulk writes send no signals: the demo seeding calls ``rebuild_sla_service_months``, as
does ``manage.py rebuild_sla_service_months`` and the migration that made the table.

``count_service_months`` is the one computation from the base rows: outcomes and
punctuality counted in SQL (exact on every database), credits priced in Python with
``Decimal`` (``partnerships.outcomes.serious_failure_credit``), so SQLite gives the same
pence as PostgreSQL (DESIGN.md section 3, "SLA").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Count, DateTimeField, F, Q, Value, When

from core.copying import analyze
from departments.figures_generation import figures_changed
from departments.periods import Period
from partnerships.models import Service, Sla, SlaResult
from partnerships.outcomes import (
    NO_CREDIT,
    Outcome,
    deadline_cutoff,
    outcome_expression,
    serious_failure_credit,
    value_in_force,
)
from partnerships.sla_results.models import SlaServiceMonth

COUNTS = ("entered", "met", "minor", "serious", "on_time")
# Services per query: well under SQLite's limit on bound parameters.
_BATCH = 500
EVERY_MONTH = None


def count_service_months(
    charges: dict[int, Decimal], keys: Iterable[str] | None = EVERY_MONTH
) -> list[SlaServiceMonth]:
    """The unsaved summary rows of the services ``charges`` (service id → monthly charge
    in GBP, which prices their credits) in the months ``keys`` (period keys;
    ``EVERY_MONTH``: every month with a result), one per service and month with at least
    one result, from the results themselves.

    One grouped query (a second, for the months, with ``EVERY_MONTH``): results counted by
    service, month and SLA credit percentage; every serious failure of an SLA with the
    same percentage earns the same rounded credit, so the credits are the counts times
    ``serious_failure_credit`` of each percentage, added up here in ``Decimal``.
    """
    results = SlaResult.objects.filter(sla__service__in=list(charges))
    if keys is EVERY_MONTH:
        keys = results.order_by().values_list("period", flat=True).distinct()
    months = [Period.parse(key) for key in sorted(set(keys))]
    if not charges or not months:
        return []
    cutoff = Case(
        *[When(period=m.key, then=Value(deadline_cutoff(m))) for m in months],
        output_field=DateTimeField(),
    )
    grouped = (
        results.filter(period__in=[m.key for m in months])
        .annotate(in_force=value_in_force(), outcome=outcome_expression(), cutoff=cutoff)
        .values("sla__service", "period", "sla__credit_percent")
        .annotate(
            entered=Count("pk"),
            met=Count("pk", filter=Q(outcome=Outcome.MET)),
            minor=Count("pk", filter=Q(outcome=Outcome.MINOR)),
            serious=Count("pk", filter=Q(outcome=Outcome.SERIOUS)),
            on_time=Count("pk", filter=Q(entered_at__lt=F("cutoff"))),
        )
        # A model's default ordering is dropped from a grouped query: ordered here so
        # that the rows come in the same order on every database and plan.
        .order_by("sla__service", "period", "sla__credit_percent")
    )
    rows: dict[tuple[int, str], SlaServiceMonth] = {}
    for group in grouped:
        key = (group["sla__service"], group["period"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = SlaServiceMonth(
                service_id=key[0],
                period=key[1],
                credits_uncapped=NO_CREDIT,
                **dict.fromkeys(COUNTS, 0),
            )
        for name in COUNTS:
            setattr(row, name, getattr(row, name) + group[name])
        row.credits_uncapped += group["serious"] * serious_failure_credit(
            credit_percent=group["sla__credit_percent"], monthly_charge=charges[key[0]]
        )
    return list(rows.values())


def recount_service_months(
    *, service_months: Iterable[tuple[int, str]] = (), services: Iterable[int] = ()
) -> int:
    """Recount the summary rows of ``service_months`` (pairs of service id and month key)
    and of every month of ``services`` (ids); returns the rows written.

    Call it inside the transaction that wrote the results, SLAs or services, after
    writing them. It locks the services' rows first, in id order: two writers recounting
    the same service's month at once then take turns, the second reading the first's
    committed results, so neither leaves a row counted from a state that no longer
    holds."""
    whole = set(services)
    months: dict[int, set[str]] = {}
    for service_id, key in service_months:
        if service_id not in whole:
            months.setdefault(service_id, set()).add(key)
    ids = sorted(whole | set(months))
    if not ids:
        return 0
    written = 0
    with transaction.atomic():
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            # Locked, and their charges read, in one query.
            charges = dict(
                Service.objects.select_for_update()
                .filter(pk__in=batch)
                .order_by("pk")
                .values_list("pk", "monthly_charge")
            )
            if not charges:
                continue
            # Services asking for the same months share one count and one condition of
            # the delete (usually all of them: every month, or one month).
            asking: dict[frozenset[str] | None, dict[int, Decimal]] = defaultdict(dict)
            for service_id, charge in charges.items():
                wanted = None if service_id in whole else frozenset(months[service_id])
                asking[wanted][service_id] = charge
            stale, rows = Q(), []
            for wanted, asked in asking.items():
                condition = Q(service__in=list(asked))
                if wanted is not None:
                    condition &= Q(period__in=sorted(wanted))
                stale |= condition
                rows += count_service_months(asked, wanted)
            # A delete without the ORM's collector: no signal for each row (nothing listens).
            old = SlaServiceMonth.objects.filter(stale)
            old._raw_delete(old.db)
            SlaServiceMonth.objects.bulk_create(rows, batch_size=_BATCH)
            written += len(rows)
        # Raw deletes and bulk inserts send no signals: cached figures are retired here.
        figures_changed()
    return written


@transaction.atomic
def rebuild_sla_service_months() -> int:
    """Recount every summary row from the results; returns the rows written. Then
    ANALYZEs the table on PostgreSQL (``core.copying.analyze``)."""
    everything = SlaServiceMonth.objects.all()
    everything._raw_delete(everything.db)
    rows = count_service_months(
        dict(Service.objects.order_by("pk").values_list("pk", "monthly_charge"))
    )
    SlaServiceMonth.objects.bulk_create(rows, batch_size=_BATCH)
    analyze(SlaServiceMonth)
    figures_changed()
    return len(rows)


# --- the receivers ------------------------------------------------------------------------


# What a result counts by: its SLA (and so service), month, figures and entry time.
_COUNTED_FIELDS = ("sla", "period", "reported_value", "agreed_value", "entered_at")


def _remember_stored_result(sender, instance: SlaResult, raw: bool = False, **kwargs) -> None:
    # What the stored row counted by, with its service: a result moved to another SLA or
    # month leaves its old service's month to recount.
    instance._counted_before = (
        SlaResult.objects.filter(pk=instance.pk)
        .values_list("sla__service", *_COUNTED_FIELDS)
        .first()
        if instance.pk and not raw
        else None
    )


def _result_written(sender, instance: SlaResult, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata: the fixture's other rows may not be there yet
        return
    before = getattr(instance, "_counted_before", None)
    now = (instance.sla_id, instance.period, instance.reported_value, instance.agreed_value)
    if before is not None and before[1:] == (*now, instance.entered_at):
        # A verification or a dispute changes nothing the summary counts: no recount, so
        # a bulk verification never takes the services' locks while it holds results'.
        return
    pairs = {(instance.sla.service_id, instance.period)}
    if before is not None:
        pairs.add((before[0], before[2]))  # its service and month as stored
    recount_service_months(service_months=pairs)


def _result_deleted(sender, instance: SlaResult, **kwargs) -> None:
    # Always recounted: what an earlier save remembered on the instance says nothing of
    # a deletion (a result verified, then deleted, would otherwise look unchanged).
    recount_service_months(service_months=[(instance.sla.service_id, instance.period)])


def _remember_stored_sla(sender, instance: Sla, raw: bool = False, **kwargs) -> None:
    # An SLA moved to another service leaves the old service's months to recount.
    instance._service_before = (
        Sla.objects.filter(pk=instance.pk).values_list("service", flat=True).first()
        if instance.pk and not raw
        else None
    )


def _sla_written(sender, instance: Sla, created: bool = False, raw: bool = False, **kwargs) -> None:
    # A new SLA has no results yet: nothing to count.
    if raw or created:
        return
    services = {instance.service_id}
    if before := getattr(instance, "_service_before", None):
        services.add(before)
    recount_service_months(services=services)


def _service_written(
    sender, instance: Service, created: bool = False, raw: bool = False, **kwargs
) -> None:
    if not (raw or created):
        recount_service_months(services=[instance.pk])


def connect_sla_summaries() -> None:
    """Connect the receivers that recount the summary when a result is saved or deleted,
    or an SLA or a service saved (from ``PartnershipsConfig.ready``). An SLA or a service
    with results cannot be deleted (``on_delete=PROTECT``); a service's rows go with it."""
    from django.db.models.signals import post_delete, post_save, pre_save

    pre_save.connect(_remember_stored_result, sender=SlaResult, dispatch_uid="sla-months-pre")
    post_save.connect(_result_written, sender=SlaResult, dispatch_uid="sla-months-save")
    post_delete.connect(_result_deleted, sender=SlaResult, dispatch_uid="sla-months-delete")
    pre_save.connect(_remember_stored_sla, sender=Sla, dispatch_uid="sla-months-sla-pre")
    post_save.connect(_sla_written, sender=Sla, dispatch_uid="sla-months-sla")
    post_save.connect(_service_written, sender=Service, dispatch_uid="sla-months-service")
