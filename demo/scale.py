"""The two sizes of demo council, and when its deterioration episode happens."""

from __future__ import annotations

from dataclasses import dataclass

from departments.periods import Period


@dataclass(frozen=True)
class Scale:
    name: str
    departments: int
    indicators: int
    years: int  # financial years of returns, ending with the current one
    referrals: int
    partnerships: int
    slas: int
    batch_size: int = 5000


DEMO = Scale(
    "demo", departments=8, indicators=63, years=3, referrals=21_000, partnerships=1, slas=16
)
LARGE = Scale(
    "large",
    departments=40,
    indicators=1000,
    years=10,
    referrals=1_000_000,
    partnerships=2,
    slas=150,
)
SCALES = {scale.name: scale for scale in (DEMO, LARGE)}


@dataclass(frozen=True)
class Episode:
    """The partner's services degrade for five months of the previous financial year (August
    to December); dependent departments' coordination falls one month later and recovers.
    """

    year: int
    first_month: int = 5
    last_month: int = 9
    coordination_lag: int = 1

    @property
    def service_months(self) -> list[Period]:
        return [Period.month(self.year, n) for n in range(self.first_month, self.last_month + 1)]

    @property
    def coordination_months(self) -> list[Period]:
        first = self.first_month + self.coordination_lag
        last = self.last_month + self.coordination_lag
        return [Period.month(self.year, n) for n in range(first, last + 1)]

    # The share of a failing service's SLAs that fail seriously in each episode month (the
    # rest fail less badly): it worsens for four months and eases in the fifth, so health,
    # then coordination, fall month after month as a real deterioration would.
    SERIOUS_SHARE = (0.0, 0.34, 0.67, 1.0, 0.34)

    def serious_share(self, period: Period) -> float:
        return self.SERIOUS_SHARE[self.service_months.index(period)]

    def services_failing(self, period: Period) -> bool:
        return period.kind == "month" and period in self.service_months

    def coordination_falling(self, period: Period) -> bool:
        return any(month in self.coordination_months for month in period.months())
