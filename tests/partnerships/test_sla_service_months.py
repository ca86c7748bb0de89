"""The monthly summary of SLA results agrees with the results, whatever writes them.

Random SLAs and results are written through every path that can change a service's
month: the partner's entry and correction, a dispute resolved with an agreed figure, a
result saved or deleted directly (the admin, a factory), an SLA's levels or credit
percentage changed, an SLA moved to another service, a service's charge changed. After
each, the stored summary equals the figures worked out here in plain Python from the
results (``outcome_of``, ``credit_earned``, ``deadline_cutoff``), to the penny, and
``rebuild_sla_service_months`` gives the same rows as the incremental upkeep. Run on
SQLite and on PostgreSQL (CI).
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from departments.periods import Period
from partnerships.models import Service, Sla, SlaResult, SlaServiceMonth
from partnerships.outcomes import credit_earned, deadline_cutoff, outcome_of
from partnerships.sla_results import services
from partnerships.sla_results.summaries import rebuild_sla_service_months
from reporting.metrics.health import service_months
from tests.factories import ServiceFactory, SlaFactory, SlaResultFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONTHS = [Period.parse(key) for key in ("2025-26-P04", "2025-26-P05", "2025-26-P06")]
TODAY = datetime(2025, 11, 20, 12, tzinfo=LONDON)


def _from_the_results() -> dict[tuple[int, str], tuple]:
    """Each service's months worked out from the results row by row, in Python:
    (entered, met, minor, serious, on time, credits before the cap)."""
    figures: dict[tuple[int, str], list] = {}
    for result in SlaResult.objects.select_related("sla__service"):
        sla = result.sla
        outcome = outcome_of(
            result.value_in_force,
            polarity=sla.polarity,
            expected=sla.expected_level,
            minimum=sla.minimum_level,
        )
        tally = figures.setdefault((sla.service_id, result.period), [0, 0, 0, 0, 0, Decimal(0)])
        tally[0] += 1
        tally[{"met": 1, "minor": 2, "serious": 3}[outcome.value]] += 1
        tally[4] += result.entered_at < deadline_cutoff(Period.parse(result.period))
        tally[5] += credit_earned(
            outcome, credit_percent=sla.credit_percent, monthly_charge=sla.service.monthly_charge
        )
    return {key: tuple(tally) for key, tally in figures.items()}


def _stored() -> dict[tuple[int, str], tuple]:
    return {
        (row.service_id, row.period): (
            row.entered,
            row.met,
            row.minor,
            row.serious,
            row.on_time,
            row.credits_uncapped,
        )
        for row in SlaServiceMonth.objects.all()
    }


def _assert_agrees(step: str) -> None:
    stored = _stored()
    assert stored == _from_the_results(), step
    # Credits are pounds and pence, exactly: never a float's tail, never more places.
    assert all(row[5].as_tuple().exponent == -2 for row in stored.values()), step
    # The readers' view: every service's month, with zeros where nothing was entered.
    read = service_months(partnership_ids=Service.objects.values("partnership"), months=MONTHS)
    for (service_id, key), month in read.items():
        expected = stored.get((service_id, key), (0, 0, 0, 0, 0, Decimal("0.00")))
        assert (
            month.entered,
            month.met,
            month.minor,
            month.serious,
            month.on_time,
            month.credits_uncapped,
        ) == expected, step


@pytest.mark.parametrize("seed", [7, 2026])
def test_the_summary_equals_the_results_after_every_kind_of_write(seed, pat, sam, partnership):
    rng = random.Random(seed)
    charges = ("1001.00", "12345.67", "250000.00")
    services_ = [
        ServiceFactory(partnership=partnership, monthly_charge=Decimal(charge))
        for charge in charges
    ]
    slas = []
    for n in range(9):
        higher = rng.random() < 0.7
        expected = Decimal(rng.choice(("99.5", "98", "95.25"))) if higher else Decimal("4")
        slas.append(
            SlaFactory(
                service=services_[n % 3],
                code=f"S-{n}",
                polarity="higher" if higher else "lower",
                expected_level=expected,
                minimum_level=expected - 2 if higher else expected + 2,
                credit_percent=Decimal(rng.choice(("0.5", "1.25", "3", "4"))),
            )
        )

    def value_for(sla: Sla) -> Decimal:
        moved = sla.expected_level + Decimal(rng.choice(("-3", "-1.5", "0", "0.5", "2.5")))
        return min(moved, Decimal(100))  # percentages

    with time_machine.travel(TODAY, tick=False):
        # The partner enters most results (needing commentary when one misses).
        for month in MONTHS:
            for sla in slas:
                if rng.random() < 0.8:
                    services.enter_sla_result(
                        sla=sla,
                        period_key=month.key,
                        actor=pat,
                        value=value_for(sla),
                        commentary="Explained",
                    )
        _assert_agrees("entered")
        entered = list(SlaResult.objects.order_by("pk"))
        # Corrections before verification.
        for result in rng.sample(entered, 5):
            services.enter_sla_result(
                sla=result.sla,
                period_key=result.period,
                actor=pat,
                value=value_for(result.sla),
                commentary="Corrected",
            )
        _assert_agrees("corrected")
        # Disputes, resolved with an agreed figure or the partner's confirmed.
        for n, result in enumerate(rng.sample(entered, 4)):
            disputed = services.dispute_sla_result(result=result, actor=sam, reason="Query")
            services.resolve_sla_dispute(
                result=disputed,
                actor=sam,
                reason="Agreed",
                agreed_value=value_for(result.sla) if n % 2 == 0 else None,
            )
        _assert_agrees("disputes resolved")
    # A result entered late, straight into the table (as a factory or a fix-up does).
    late_sla = SlaFactory(service=services_[2], code="S-late", credit_percent=Decimal("2"))
    SlaResultFactory(
        sla=late_sla,
        period=MONTHS[0].key,
        reported_value=Decimal("90"),  # a serious failure of 99.5 expected, 98 at least
        entered_at=deadline_cutoff(MONTHS[0]) + timedelta(minutes=1),
    )
    _assert_agrees("entered late directly")
    # Moved to another month directly (a fix-up): both months are recounted.
    fixed = late_sla.results.get()
    fixed.period = MONTHS[1].key
    fixed.save()
    _assert_agrees("moved to another month")
    # Moved to another service's SLA and another month at once: each service's own
    # month is recounted, not every month of either.
    fixed.sla = SlaFactory(service=services_[0], code="S-other", credit_percent=Decimal("1"))
    fixed.period = MONTHS[2].key
    fixed.save()
    _assert_agrees("moved to another service and month")
    # A result deleted (the admin), a result's own figures saved directly.
    SlaResult.objects.order_by("?").first().delete()
    _assert_agrees("deleted")
    edited = SlaResult.objects.order_by("pk").last()
    edited.reported_value = edited.sla.minimum_level - 5 if edited.sla.polarity == "higher" else 99
    edited.entered_at = deadline_cutoff(Period.parse(edited.period)) - timedelta(seconds=1)
    edited.save()
    _assert_agrees("saved directly")
    # Reference data: an SLA's levels and credit percentage, an SLA moved, a charge.
    sla = slas[1]
    sla.polarity = "higher"
    sla.expected_level, sla.minimum_level = Decimal("99.99"), Decimal("99.9")
    sla.credit_percent = Decimal("7.5")
    sla.save()
    _assert_agrees("levels changed")
    moved = slas[2]
    moved.service = services_[0]
    moved.save()
    _assert_agrees("SLA moved to another service")
    service = services_[1]
    service.monthly_charge = Decimal("999999.99")
    service.save()
    _assert_agrees("charge changed")

    incremental = _stored()
    assert incremental, "the test wrote results"
    assert rebuild_sla_service_months() == len(incremental)
    assert _stored() == incremental
    call_command("rebuild_sla_service_months", stdout=io.StringIO())
    assert _stored() == incremental


def test_a_month_without_results_has_no_row_and_reads_as_nothing_entered(partnership):
    service = ServiceFactory(partnership=partnership)
    SlaFactory(service=service)
    assert not SlaServiceMonth.objects.exists()
    month = service_months(partnership_ids=[partnership.pk], months=MONTHS[:1])[
        (service.pk, MONTHS[0].key)
    ]
    assert (month.expected, month.entered, month.credits) == (1, 0, Decimal("0.00"))


def test_a_verification_changes_nothing_counted_and_recounts_nothing(pat, sam, partnership):
    """A verification (or a dispute) writes the result but nothing the summary counts
    by, so it neither recounts nor locks the service: a bulk verification, holding many
    results' locks, never waits on a service's while a correction holds it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    with time_machine.travel(TODAY, tick=False):
        result = services.enter_sla_result(
            sla=sla, period_key=MONTHS[0].key, actor=pat, value="99.9"
        )
        with CaptureQueriesContext(connection) as captured:
            services.verify_sla_results(versions={result.pk: result.version}, actor=sam)
    assert not any("slaservicemonth" in q["sql"] for q in captured.captured_queries)
    assert (
        _stored()
        == _from_the_results()
        # Met, and entered late: in November for July.
        == {(sla.service_id, MONTHS[0].key): (1, 1, 0, 0, 0, Decimal("0.00"))}
    )


def test_a_result_verified_then_deleted_is_no_longer_counted(pat, sam, partnership):
    """A deletion is recounted whatever an earlier save of the same instance remembered:
    a verification changes nothing counted, and the deletion after it still does."""
    sla = SlaFactory(service=ServiceFactory(partnership=partnership))
    with time_machine.travel(TODAY, tick=False):
        result = services.enter_sla_result(
            sla=sla, period_key=MONTHS[0].key, actor=pat, value="99.9"
        )
        result = services.verify_sla_result(result=result, actor=sam)
    assert _stored() == {(sla.service_id, MONTHS[0].key): (1, 1, 0, 0, 0, Decimal("0.00"))}
    result.delete()  # the same instance the verification saved
    assert _stored() == _from_the_results() == {}
