"""A small council with one month's evidence in every family, for the report tests.

September 2025 (2025-26-P06), signed off for the council on 25 October 2025 at 10:00
(London); "now" is 28 November 2025, past every deadline of the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from departments.models import PeriodSignOff
from departments.periods import Period
from tests.factories import (
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    ReferralFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
SIGNED_OFF_AT = datetime(2025, 10, 25, 10, tzinfo=LONDON)
MONTH = Period.parse("2025-26-P06")
INJECTION = '=HYPERLINK("http://example.invalid","x")'


@dataclass
class Evidence:
    housing_green: object
    housing_red: object
    finance_green: object
    finance_missing: object
    service: object
    serious_sla: object


def indicator(department, code: str, value: str | None, *, statutory=False, **returned):
    made = IndicatorFactory(department=department, code=code, statutory=statutory)
    for year in (2024, 2025):
        TargetFactory(
            indicator=made, financial_year=year, annual_value=Decimal("90"), tolerance=Decimal("5")
        )
    if value is not None:
        KpiReturnFactory(
            indicator=made,
            period=MONTH.key,
            value=Decimal(value),
            state="locked",
            submitted_at=datetime(2025, 10, 10, 9, tzinfo=LONDON),
            **returned,
        )
        KpiReturnFactory(indicator=made, period="2024-25-P06", value=Decimal("88"), state="locked")
    return made


def build_evidence(*, housing, finance, partnership, signer) -> Evidence:
    housing_green = indicator(housing, "HOU-01", "95", statutory=True)
    housing_red = indicator(
        housing,
        "HOU-02",
        "70",
        commentary=INJECTION,
        improvement_action="Recruit two caseworkers",
    )
    finance_green = indicator(finance, "FIN-01", "91")
    finance_missing = indicator(finance, "FIN-02", None)
    service = ServiceFactory(partnership=partnership, name="Shared case management")
    service.departments.add(housing)
    met_sla = SlaFactory(service=service, code="SLA-01")
    serious_sla = SlaFactory(service=service, code="SLA-02")
    entered = datetime(2025, 10, 3, 9, tzinfo=LONDON)
    SlaResultFactory(
        sla=met_sla, period=MONTH.key, reported_value=Decimal("99.7"), entered_at=entered
    )
    SlaResultFactory(
        sla=serious_sla, period=MONTH.key, reported_value=Decimal("95"), entered_at=entered
    )
    MilestoneFactory(
        partnership=partnership,
        due_date=date(2025, 9, 30),
        delivered_date=date(2025, 10, 5),
        state="delivered",
    )
    EscalationFactory(partnership=partnership, severity="high", raised_on=date(2025, 9, 1))
    ReferralFactory(
        from_department=housing,
        to_department=finance,
        raised_on=date(2025, 9, 10),
        resolved_on=date(2025, 9, 12),
        channel="service",
        service=service,
    )
    ReferralFactory(
        from_department=finance,
        to_department=housing,
        raised_on=date(2025, 9, 15),
        resolved_on=date(2025, 9, 30),
    )
    PeriodSignOff.objects.create(
        period=MONTH.key, department=None, signed_off_by=signer, signed_off_at=SIGNED_OFF_AT
    )
    return Evidence(
        housing_green, housing_red, finance_green, finance_missing, service, serious_sla
    )
