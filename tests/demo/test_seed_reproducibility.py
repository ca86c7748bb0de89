"""Seeding the demo council from an empty database: the command is idempotent, and a seed
number always gives the same figures. Each test seeds its own councils; the figures to
compare with may come from the copy of an earlier real seeding (tests/demo_council.py)."""

from datetime import date

import pytest
from django.core.management import call_command

from demo.generator import delete_everything, row_counts, seed_council
from demo.scale import DEMO
from departments.models import KpiReturn, Referral, Target
from partnerships.models import SlaResult
from tests.demo_council import demo_council

TODAY = date(2026, 11, 28)  # latest closed month: October 2026 (2026-27-P07)

pytestmark = pytest.mark.slow


def test_the_command_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = row_counts()
    call_command("seed_demo")
    assert row_counts() == first
    assert "already exists" in capsys.readouterr().out


def _fingerprint() -> tuple:
    return (
        sorted(KpiReturn.objects.values_list("indicator__code", "period", "value", "state")),
        sorted(SlaResult.objects.values_list("sla__code", "period", "reported_value")),
        sorted(
            Referral.objects.values_list(
                "from_department__code",
                "to_department__code",
                "raised_on",
                "resolved_on",
                "channel",
            ),
            key=repr,  # an unresolved referral's None does not compare with a date
        ),
        sorted(Target.objects.values_list("indicator__code", "financial_year", "annual_value")),
    )


def test_the_same_seed_gives_the_same_figures(db):
    demo_council(seed=2025, today=TODAY)
    first = _fingerprint()
    seed_council(scale=DEMO, seed=2025, today=TODAY, reset=True)
    assert _fingerprint() == first
    delete_everything(lambda message: None)
    demo_council(seed=1, today=TODAY)
    assert _fingerprint() != first
