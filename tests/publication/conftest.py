"""A small published council: Housing's H1 and H2 and Finance's F1, with returns in
every state, for the publication tests.

H1 "Homes let within 28 days" (percent, higher is better, target 90, tolerance 5):
- 2024-25-P06 locked at 85 (a year earlier), signed off for the council;
- 2025-26-P05 approved at 92, signed off: locked, public;
- 2025-26-P06 approved at 80 with commentary, signed off: locked, public (red);
- 2025-26-P07 a draft at 99.9: never public.
H2 is published too but has only a submitted return (P06 not locked): nothing public.
F1 is not published, with a locked P06 return of 77.7: never public.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from departments.models import ReturnState
from departments.returns.services import approve_return
from departments.returns.sign_off import sign_off_period
from publication.services import PublicationWords, set_publication
from tests.factories import IndicatorFactory, KpiReturnFactory, TargetFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 11, 28, 12, tzinfo=LONDON)
DRAFT_VALUE = "99.9"
UNPUBLISHED_VALUE = "77.7"
SUBMITTED_VALUE = "66.6"
COMMENTARY = "Backlog after the system outage; agency staff for six weeks."


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def approve_new_return(indicator, period, value, approver, **extra):
    """A return of ``indicator`` submitted and then approved by ``approver``."""
    kpi_return = KpiReturnFactory(
        indicator=indicator, period=period, value=Decimal(value), state="submitted", **extra
    )
    return approve_return(kpi_return=kpi_return, actor=approver)


@pytest.fixture
def published(housing, finance, sam, harriet, alice):
    h1 = IndicatorFactory(department=housing, code="H1", title="Lettings within 28 days")
    h2 = IndicatorFactory(department=housing, code="H2", title="Repairs on time")
    f1 = IndicatorFactory(department=finance, code="F1", title="Invoices paid")
    for indicator in (h1, h2, f1):
        for year in (2024, 2025):
            TargetFactory(indicator=indicator, financial_year=year, annual_value=Decimal("90"))
    KpiReturnFactory(
        indicator=h1, period="2024-25-P06", value=Decimal("85"), state=ReturnState.APPROVED
    )
    approve_new_return(h1, "2025-26-P05", "92", harriet, submitted_by=alice)
    approve_new_return(
        h1,
        "2025-26-P06",
        "80",
        harriet,
        submitted_by=alice,
        commentary=COMMENTARY,
        improvement_action="Agency staff.",
    )
    KpiReturnFactory(indicator=h1, period="2025-26-P07", value=Decimal(DRAFT_VALUE), state="draft")
    KpiReturnFactory(
        indicator=h2, period="2025-26-P06", value=Decimal(SUBMITTED_VALUE), state="submitted"
    )
    approve_new_return(f1, "2025-26-P06", UNPUBLISHED_VALUE, sam)
    for period in ("2024-25-P06", "2025-26-P05", "2025-26-P06"):
        sign_off_period(period_key=period, actor=sam)
    words = PublicationWords(
        "How quickly council homes are let", "Homes let within 28 days of becoming empty.", "homes"
    )
    set_publication(indicator=h1, actor=sam, published=True, words=words)
    set_publication(
        indicator=h2,
        actor=sam,
        published=True,
        words=PublicationWords("Repairs done on time", "Repairs completed on time.", "homes"),
    )
    return SimpleNamespace(h1=h1, h2=h2, f1=f1)
