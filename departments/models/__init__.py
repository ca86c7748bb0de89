"""The base app's models, one module per part of the domain.

This app imports neither ``partnerships`` nor ``reporting``. Its two references to
partnerships (a partner manager's membership scope, a referral's channel service) are
lazy string references, so the dependency stays one way in code.
"""

# Registers the history of Django's User and Group (the audit trail reads it).
from departments.models import accounts  # noqa: F401
from departments.models.accounts import SignInTimes
from departments.models.benchmarks import (
    BenchmarkMetric,
    BenchmarkPolarity,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorGroupKind,
    ComparatorMember,
)
from departments.models.directory import DirectoryRoleMapping, SingleSignOnIdentity
from departments.models.figures import FiguresGeneration
from departments.models.indicators import (
    Dimension,
    Frequency,
    PerformanceIndicator,
    Polarity,
    Target,
    Unit,
    YearToDate,
)
from departments.models.jobs import ImportJob, ImportStatus, ReminderLog
from departments.models.organisation import Council, Department, Membership
from departments.models.ratings import IndicatorRating
from departments.models.referral_summaries import (
    ReferralDaysMonth,
    ReferralOpenMonth,
    ReferralPairMonth,
)
from departments.models.referrals import Channel, Referral
from departments.models.returns import (
    EDITABLE_RETURN_STATES,
    ForecastConfidence,
    KpiReturn,
    PeriodFields,
    PeriodSignOff,
    ReturnState,
)
from departments.models.tokens import ApiToken
from departments.roles import DEPARTMENT_ROLES, Role

__all__ = [
    "ApiToken",
    "BenchmarkMetric",
    "BenchmarkPolarity",
    "BenchmarkValue",
    "ComparatorGroup",
    "ComparatorGroupKind",
    "ComparatorMember",
    "DEPARTMENT_ROLES",
    "EDITABLE_RETURN_STATES",
    "ForecastConfidence",
    "Channel",
    "Council",
    "Department",
    "Dimension",
    "DirectoryRoleMapping",
    "FiguresGeneration",
    "Frequency",
    "ImportJob",
    "ImportStatus",
    "IndicatorRating",
    "KpiReturn",
    "Membership",
    "PerformanceIndicator",
    "PeriodFields",
    "PeriodSignOff",
    "Polarity",
    "Referral",
    "ReferralDaysMonth",
    "ReferralOpenMonth",
    "ReferralPairMonth",
    "ReminderLog",
    "ReturnState",
    "Role",
    "SignInTimes",
    "SingleSignOnIdentity",
    "Target",
    "Unit",
    "YearToDate",
]
