"""The read model of return ratings agrees with the returns, through every write path.

Random indicators (every frequency, year-to-date rule and polarity, 0 to 2 decimal places)
get random returns and targets (a fixed seed per case), written through every path that
writes them: the save (form and API), submission, approval, sending back, SMT's sign-off
and reopening of a period and of a return, the bulk import, and the reference data (a
target created, changed, moved and deleted through the API and saved in the admin's way;
an indicator's polarity, decimal places, year-to-date rule and frequency changed). Then:

- the rows kept by those writes are, row for row, what ``manage.py
  rebuild_indicator_ratings`` writes from scratch;
- every figure the pages, API, exports and warnings read from the read model
  (``indicator_rows``, ``return_standings``, ``rag_counts``) equals the base-row
  computation (``tests/rating_reference.py``, today's code before the read model), to
  the decimal place (compared as text, so 91.5 is not 91.50), for every month of two
  years, on several days (missing and late move with "today").

Runs on SQLite here and on PostgreSQL in CI.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from departments.models import IndicatorRating, KpiReturn, PerformanceIndicator, ReturnState, Target
from departments.periods import Period, periods_between, periods_of_year
from departments.returns.services import (
    approve_return,
    reopen_return,
    save_return,
    send_back_return,
    submit_return,
)
from departments.returns.sign_off import reopen_period, sign_off_period
from departments.roles import Role
from reporting.metrics.returns import (
    counts_by_department,
    indicator_rows,
    rag_counts,
    return_standings,
)
from tests.factories import IndicatorFactory, MembershipFactory, TargetFactory, UserFactory
from tests.rating_reference import reference_indicator_rows, reference_return_standings

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
YEARS = (2025, 2026)
MONTHS = periods_between(Period.parse("2025-26-P01"), Period.parse("2026-27-P07"))
# Days the rows are judged on: the deadline of October 2026 not yet passed, and passed.
DAYS = (date(2026, 11, 28), date(2026, 12, 1), date(2025, 10, 10))
SHAPES = [
    # unit, year-to-date rule, frequency
    ("percent", "mean", "monthly"),
    ("count", "sum", "monthly"),
    ("days", "latest", "monthly"),
    ("percent", "ratio", "monthly"),
    ("rate", "ratio", "quarterly"),
    ("count", "sum", "quarterly"),
    ("score", "mean", "annual"),
    ("gbp", "sum", "annual"),
]


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(housing, finance, alice, harriet, sam, ada):
    # A second officer, so that Harriet can approve a return that was not her own.
    bea = UserFactory(username="bea")
    MembershipFactory(user=bea, role=Role.HEAD, department=finance)
    return {"officer": alice, "head": harriet, "smt": sam, "admin": ada, "finance_head": bea}


def _indicators(rng: random.Random, housing, finance) -> list[PerformanceIndicator]:
    chosen = []
    for n, (unit, rule, frequency) in enumerate(SHAPES * 2):
        indicator = IndicatorFactory(
            department=rng.choice([housing, finance]),
            code=f"RM-{n:02d}",
            unit=unit,
            year_to_date=rule,
            frequency=frequency,
            polarity=rng.choice(["higher", "lower"]),
            decimal_places=rng.choice([0, 1, 2]),
            statutory=rng.random() < 0.5,
            dimension=rng.choice(["economy", "efficiency", "effectiveness"]),
        )
        for year in YEARS:
            if rng.random() < 0.8:
                TargetFactory(
                    indicator=indicator,
                    financial_year=year,
                    annual_value=Decimal(rng.randint(300, 700)) / 7,  # many places
                    tolerance=Decimal(rng.randint(0, 60)) / 3,
                )
        chosen.append(indicator)
    return chosen


def _figures(rng: random.Random, indicator: PerformanceIndicator) -> dict:
    if indicator.is_ratio:
        denominator = rng.randint(1, 400)
        return {
            "numerator": Decimal(rng.randint(0, denominator)),
            "denominator": Decimal(denominator),
        }
    top = 100  # about the targets, so every RAG comes up
    scale = 10**indicator.decimal_places  # a return has at most the indicator's places
    return {"value": Decimal(rng.randint(0, top * scale)) / scale}


def _explained() -> dict:
    # Every save carries an explanation, so a red figure is never refused.
    return {"commentary": "Staff shortage in the team", "improvement_action": "Agency cover"}


def _periods_of(indicator: PerformanceIndicator) -> list[Period]:
    today = NOW.date()
    return [
        p for year in YEARS for p in periods_of_year(year, indicator.period_kind) if p.end < today
    ]


def _write_through_every_path(rng, indicators, people, client, capture) -> None:
    officer, head, smt, admin = (people[k] for k in ("officer", "head", "smt", "admin"))
    # Saves and submissions through the service, some submitted on the first save, some
    # left in draft; a few months submitted late (the clock moved past their deadline).
    for indicator in indicators:
        actor = officer if indicator.department.code == "housing" else admin
        for period in _periods_of(indicator):
            if rng.random() < 0.2:
                continue  # never started
            when = (
                datetime.combine(period.deadline(), datetime.min.time(), tzinfo=UTC)
                if rng.random() < 0.5
                else NOW
            )
            with time_machine.travel(when, tick=False):
                save_return(
                    indicator=indicator,
                    period_key=period.key,
                    actor=actor,
                    submit=rng.random() < 0.7,
                    **_figures(rng, indicator),
                    **_explained(),
                )
    returns = list(KpiReturn.objects.select_related("indicator", "department"))
    # Approve, send back, submit again.
    for kpi_return in rng.sample(returns, len(returns) // 2):
        kpi_return.refresh_from_db()
        if kpi_return.state == ReturnState.DRAFT and kpi_return.value is not None:
            submit_return(kpi_return=kpi_return, actor=admin)
        elif kpi_return.state == ReturnState.SUBMITTED:
            if rng.random() < 0.3:
                send_back_return(kpi_return=kpi_return, actor=smt, reason="Check the figure")
            else:
                approve_return(kpi_return=kpi_return, actor=smt)
    # Sign two months off for the council, reopen one of them, and reopen locked returns.
    for key in ("2025-26-P03", "2026-27-P02"):
        sign_off_period(period_key=key, actor=smt)
    reopen_period(period_key="2025-26-P03", actor=smt, reason="A late correction")
    for kpi_return in KpiReturn.objects.filter(state=ReturnState.LOCKED)[:1]:
        reopen_return(kpi_return=kpi_return, actor=smt, reason="Figure was wrong")

    # The API: a save and a submission.
    client.force_login(admin)
    for kpi_return in KpiReturn.objects.filter(state=ReturnState.SENT_BACK).select_related(
        "indicator"
    )[:4]:
        body = {k: str(v) for k, v in _figures(rng, kpi_return.indicator).items()}
        body["version"] = kpi_return.version
        response = client.patch(
            f"/api/v1/returns/{kpi_return.pk}/", body, content_type="application/json"
        )
        assert response.status_code == 200, response.json()
        response = client.post(
            f"/api/v1/returns/{kpi_return.pk}/submit/",
            {"version": response.json()["version"]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.json()

    # The bulk import: drafts for months never started, and changed drafts.
    lines = ["indicator_code,period,value,numerator,denominator,commentary,improvement_action"]
    stored = set(KpiReturn.objects.values_list("indicator", "period"))
    drafts = KpiReturn.objects.filter(state=ReturnState.DRAFT).values_list("indicator", "period")
    for indicator in indicators:
        for period in _periods_of(indicator):
            if (indicator.pk, period.key) in stored and (
                indicator.pk,
                period.key,
            ) not in set(drafts):
                continue
            if rng.random() < 0.5:
                continue
            f = _figures(rng, indicator)
            lines.append(
                f"{indicator.code},{period.key},{f.get('value', '')},{f.get('numerator', '')},"
                f"{f.get('denominator', '')},Imported,Imported"
            )
    with capture(execute=True):  # the import runs once its job is committed
        response = client.post(
            "/api/v1/returns/import/",
            {"file": SimpleUploadedFile("returns.csv", "\n".join(lines).encode())},
        )
    assert response.status_code == 202, response.json()
    job = client.get(response.json()["url"]).json()
    assert job["status"] == "succeeded", job["errors"]
    # Submit some of the imported drafts.
    for kpi_return in KpiReturn.objects.filter(state=ReturnState.DRAFT)[:10]:
        submit_return(kpi_return=kpi_return, actor=admin)

    # Reference data through the API: a target changed, one created, one deleted.
    targets = list(Target.objects.order_by("pk"))
    changed = targets[0]
    response = client.patch(
        f"/api/v1/targets/{changed.pk}/",
        {"annual_value": "55.55", "tolerance": "2.5"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    response = client.delete(f"/api/v1/targets/{targets[1].pk}/")
    assert response.status_code == 204
    without = next(
        (i, y)
        for i in indicators
        for y in YEARS
        if not Target.objects.filter(indicator=i, financial_year=y).exists()
    )
    response = client.post(
        "/api/v1/targets/",
        {
            "indicator": without[0].pk,
            "financial_year": without[1],
            "annual_value": "40",
            "tolerance": "4",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    # A target moved to another year (saved as the admin saves it: the model's save).
    moved = targets[2]
    if not Target.objects.filter(indicator=moved.indicator, financial_year=2024).exists():
        moved.financial_year = 2024
        moved.save()
    # Indicators' definitions: polarity, decimal places, year-to-date rule, frequency.
    for indicator, change in zip(
        indicators[:4],
        [
            {"polarity": "lower" if indicators[0].polarity == "higher" else "higher"},
            {"decimal_places": 3},
            {"year_to_date": "latest"} if not indicators[2].is_ratio else {"decimal_places": 0},
            {"frequency": "quarterly"},
        ],
        strict=True,
    ):
        response = client.patch(
            f"/api/v1/indicators/{indicator.pk}/", change, content_type="application/json"
        )
        assert response.status_code == 200, response.json()


def _rating_rows() -> list[tuple]:
    return sorted(
        (
            indicator,
            period,
            year,
            *(None if d is None else d.normalize() for d in (value, target, ytd, ytd_target)),
            rag,
            ytd_rag,
            counted,
        )
        for indicator, period, year, value, target, ytd, ytd_target, rag, ytd_rag, counted in (
            IndicatorRating.objects.values_list(
                "indicator",
                "period",
                "financial_year",
                "value",
                "period_target",
                "year_to_date",
                "year_to_date_target",
                "rag",
                "year_to_date_rag",
                "periods_counted",
            )
        )
    )


def _text(value) -> str | None:
    return None if value is None else str(value)


def _row_figures(row) -> tuple:
    """Everything an indicator row shows, decimals as text (to the decimal place)."""
    ytd = row.year_to_date
    return (
        row.indicator.pk,
        row.period and row.period.key,
        row.kpi_return and row.kpi_return.pk,
        _text(row.value),
        _text(row.period_target),
        row.rag,
        row.timeliness,
        row.deadline,
        ytd and (_text(ytd.value), _text(ytd.target), ytd.rag, ytd.incomplete),
        ytd and (ytd.periods_counted, ytd.periods_in_range),
        _text(row.previous_value),
        _text(row.previous_year_to_date),
        row.direction,
        row.year_to_date_direction,
        row.commentary,
        row.improvement_action,
        [(p.key, _text(v)) for p, v in row.series],
    )


def _standing_figures(s) -> tuple:
    return (s.indicator.pk, s.period.key, s.kpi_return and s.kpi_return.pk, _text(s.value))


@pytest.mark.parametrize("seed", [17, 2026])
def test_read_model_agrees_with_the_returns_through_every_write_path(
    seed, people, housing, finance, client, django_capture_on_commit_callbacks
):
    rng = random.Random(seed)
    indicators = _indicators(rng, housing, finance)
    _write_through_every_path(rng, indicators, people, client, django_capture_on_commit_callbacks)

    # The writes touched every kind of figure (else the comparison proves little).
    kept = _rating_rows()
    rags = {row[7] for row in kept}
    assert {"green", "amber", "red", "not_rated"} <= rags
    assert KpiReturn.objects.filter(state=ReturnState.SENT_BACK).exists()
    assert KpiReturn.objects.filter(state=ReturnState.LOCKED).exists()

    # 1. Incremental maintenance equals a rebuild from scratch, row for row.
    out = io.StringIO()
    call_command("rebuild_indicator_ratings", stdout=out)
    assert _rating_rows() == kept
    assert f"Recomputed: {len(kept):,} indicator ratings by period." in out.getvalue()

    # 2. The figures read from the read model equal the base-row computation.
    everything = PerformanceIndicator.objects.all()
    compared = 0
    for today in DAYS:
        for month in MONTHS:
            if month.end >= today:
                continue
            shown = indicator_rows(indicators=everything, month=month, today=today)
            reference = reference_indicator_rows(indicators=everything, month=month, today=today)
            assert [_row_figures(r) for r in shown] == [_row_figures(r) for r in reference]
            standings = return_standings(indicators=everything, month=month, today=today)
            expected = reference_return_standings(indicators=everything, month=month, today=today)
            assert [(_standing_figures(s), s.rag, s.timeliness) for s in standings] == [
                (_standing_figures(s), s.rag, s.timeliness) for s in expected
            ]
            assert rag_counts(indicators=everything, month=month, today=today) == (
                counts_by_department(reference)
            )
            compared += len(shown)
    assert compared > 500


def test_a_year_to_date_past_fifteen_digits_reads_back_exactly(housing, alice):
    """A variant of shared case 11 (huge values): each month's count has 15 significant
    digits, the most a stored figure may have, but the year to date worked out from them
    has 16. The read model keeps it exactly on both databases, as the returns give it."""
    indicator = IndicatorFactory(
        department=housing,
        unit="count",
        year_to_date="sum",
        frequency="monthly",
        polarity="higher",
        decimal_places=2,
    )
    TargetFactory(indicator=indicator, financial_year=2025, annual_value=Decimal("12345678901234"))
    with time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC)):
        for month in periods_of_year(2025, "month"):
            save_return(
                indicator=indicator,
                period_key=month.key,
                actor=alice,
                value="1000000000000.01",
                commentary="Counted in bulk.",  # a red month needs both
                improvement_action="Recount next month.",
                submit=True,
            )
        march = Period.parse("2025-26-P12")
        everything = PerformanceIndicator.objects.filter(pk=indicator.pk)
        (row,) = indicator_rows(indicators=everything, month=march)
        (reference,) = reference_indicator_rows(indicators=everything, month=march)

    assert row.year_to_date.value == Decimal("12000000000000.12") == reference.year_to_date.value
    assert row.year_to_date.target == Decimal("12345678901234.00")
    stored = IndicatorRating.objects.get(indicator=indicator, period="2025-26-P01")
    assert stored.period_target == Decimal("1028806575102.83")


def test_a_target_changed_through_the_api_is_stored_with_its_ratings_or_not_at_all(
    housing, ada, monkeypatch
):
    """The target's row and the ratings recounted from it are one write: when the recount
    fails, the API's change leaves the target as it was (AtomicWritesMixin)."""
    from rest_framework.test import APIClient

    from departments.returns import ratings

    indicator = IndicatorFactory(department=housing)
    target = TargetFactory(indicator=indicator, financial_year=2025, annual_value=Decimal("90"))

    def failing(**kwargs):
        raise RuntimeError("the recount failed")

    monkeypatch.setattr(ratings, "recount_ratings", failing)
    client = APIClient()
    client.force_authenticate(ada)
    with pytest.raises(RuntimeError, match="the recount failed"):
        client.patch(f"/api/v1/targets/{target.pk}/", {"annual_value": "95"}, format="json")

    target.refresh_from_db()
    assert target.annual_value == Decimal("90")
