"""The demo council's reference data: departments, indicators, targets, services, SLAs.

The 35 statutory Best Value indicators come from ``data/bvpi.csv`` (a copy of the
project's shared reference file); local indicators are added to reach the scale's count.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

BVPI_CSV = Path(__file__).parent / "data" / "bvpi.csv"

COUNCIL_NAME = "Borsetshire County Council"
PARTNER_NAME = "Meridian Digital Services Ltd"

# name, code: the eight departments the shared reference data assigns indicators to.
DEPARTMENTS = [
    ("Adult Social Care", "adult-social-care"),
    ("Children's Services", "childrens-services"),
    ("Environment & Waste", "environment-waste"),
    ("Finance", "finance"),
    ("Housing", "housing"),
    ("People & Corporate Services", "people-corporate"),
    ("Planning & Transport", "planning-transport"),
    ("Revenues & Benefits", "revenues-benefits"),
]

# Extra departments of the large council, named as English county councils name theirs.
LARGE_EXTRA_DEPARTMENT_NAMES = [
    "Public Health",
    "Libraries & Culture",
    "Trading Standards",
    "Highways",
    "Parking",
    "Legal & Democratic Services",
    "Procurement",
    "Property & Estates",
    "Emergency Planning",
    "Registration Services",
    "Education Services",
    "Special Educational Needs",
    "Youth Services",
    "Economic Development",
    "Building Control",
    "Licensing",
    "Customer Services",
    "Internal Audit",
    "Pensions",
    "Payroll",
    "Facilities Management",
    "Coroner's Service",
    "Archives",
    "Leisure Services",
    "Parks & Open Spaces",
    "Community Safety",
    "Regeneration",
    "Transport Planning",
    "Fleet Management",
    "Waste Disposal",
    "Environmental Health",
    "Adult Learning",
]

# Department pairs that really work together, with their share of referral traffic.
REFERRAL_PAIRS = [
    ("housing", "adult-social-care", 14),
    ("adult-social-care", "housing", 10),
    ("housing", "revenues-benefits", 12),
    ("revenues-benefits", "housing", 8),
    ("childrens-services", "housing", 7),
    ("housing", "childrens-services", 5),
    ("childrens-services", "adult-social-care", 5),
    ("adult-social-care", "childrens-services", 3),
    ("planning-transport", "environment-waste", 8),
    ("environment-waste", "planning-transport", 6),
    ("finance", "revenues-benefits", 4),
    ("revenues-benefits", "finance", 3),
    ("people-corporate", "finance", 3),
    ("finance", "people-corporate", 2),
    ("people-corporate", "housing", 2),
    ("adult-social-care", "revenues-benefits", 4),
    ("environment-waste", "housing", 2),
]

# category, agreed response days (calendar)
REFERRAL_CATEGORIES = [
    ("Safeguarding concern", 2),
    ("Housing needs assessment", 10),
    ("Benefit entitlement check", 5),
    ("Care package review", 14),
    ("Disabled facilities grant", 20),
    ("Planning consultation", 21),
    ("Waste enforcement", 10),
    ("Invoice query", 5),
    ("Staff vetting request", 7),
    ("Hospital discharge support", 3),
]


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    monthly_charge: Decimal
    cap_percent: Decimal
    departments: tuple[str, ...]  # department codes; ("*",) means every department
    referral_channel: bool  # referrals travel through it


SERVICES = [
    ServiceSpec("service-desk", "Service desk", Decimal("185000.00"), Decimal("12"), ("*",), False),
    ServiceSpec("network", "Corporate network", Decimal("152000.00"), Decimal("10"), ("*",), False),
    ServiceSpec(
        "hosting", "Hosting and data centre", Decimal("221000.00"), Decimal("10"), ("*",), False
    ),
    ServiceSpec(
        "case-management",
        "Shared case-management system",
        Decimal("118000.00"),
        Decimal("15"),
        ("housing", "adult-social-care", "childrens-services", "revenues-benefits"),
        True,
    ),
    ServiceSpec(
        "intranet-workflow",
        "Intranet workflow",
        Decimal("64000.00"),
        Decimal("15"),
        ("planning-transport", "environment-waste"),
        True,
    ),
    ServiceSpec(
        "finance-system",
        "Finance system",
        Decimal("93000.00"),
        Decimal("12"),
        ("finance", "revenues-benefits", "people-corporate"),
        False,
    ),
]

# The services that degrade in the deterioration episode: the shared systems referrals use.
EPISODE_SERVICES = ("case-management", "intranet-workflow")

# code suffix, title, unit, polarity, expected, minimum, credit %
SLA_TEMPLATES = [
    ("AVL", "Availability in core hours", "percent", "higher", "99.50", "98.50", "4"),
    (
        "P1",
        "Priority 1 incidents resolved within 4 hours",
        "percent",
        "higher",
        "95.00",
        "90.00",
        "3",
    ),
    (
        "P2",
        "Priority 2 incidents resolved within 1 working day",
        "percent",
        "higher",
        "92.00",
        "85.00",
        "2",
    ),
    ("RSP", "Average response time (seconds)", "seconds", "lower", "2.00", "3.50", "2"),
    ("CHG", "Changes implemented without incident", "percent", "higher", "97.00", "94.00", "1.5"),
]
SLAS_PER_SERVICE = {
    "service-desk": 3,
    "network": 2,
    "hosting": 3,
    "case-management": 3,
    "intranet-workflow": 3,
    "finance-system": 2,
}


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    title: str
    unit: str
    polarity: str
    frequency: str
    year_to_date: str
    department: str  # department code
    dimension: str
    definition: str
    statutory: bool
    target: Decimal  # annual target of the first year
    tolerance: Decimal
    season: str = ""  # seasonality profile: "", "rising", "winter_peak", "winter_dip"


DEPARTMENT_CODES_BY_NAME = dict(DEPARTMENTS)

# Annual targets and amber tolerances for the statutory indicators (first demo year),
# at levels English councils reported; seasonality where the indicator has it.
BVPI_TARGETS: dict[str, tuple[str, str, str]] = {
    "BV2a": ("3", "1", ""),
    "BV3": ("62", "4", ""),
    "BV4": ("38", "4", ""),
    "BV8": ("95", "2", ""),
    "BV9": ("97.5", "0.8", "rising"),
    "BV10": ("98.5", "0.7", "rising"),
    "BV11a": ("32", "3", ""),
    "BV12": ("9", "0.8", "winter_peak"),
    "BV14": ("0.8", "0.2", ""),
    "BV15": ("0.3", "0.1", ""),
    "BV16a": ("4.5", "0.5", ""),
    "BV49": ("11", "2", ""),
    "BV56": ("88", "4", ""),
    "BV78a": ("24", "3", ""),
    "BV78b": ("9", "2", ""),
    "BV82a": ("26", "2", "winter_dip"),
    "BV82b": ("20", "2", "winter_dip"),
    "BV84a": ("410", "15", "winter_dip"),
    "BV86": ("52", "4", ""),
    "BV87": ("48", "4", ""),
    "BV91a": ("98", "1.5", ""),
    "BV99a": ("4.8", "0.6", ""),
    "BV102": ("21000000", "800000", ""),
    "BV106": ("75", "5", ""),
    "BV109a": ("65", "5", ""),
    "BV109b": ("70", "5", ""),
    "BV109c": ("85", "4", ""),
    "BV156": ("78", "5", ""),
    "BV157": ("85", "5", ""),
    "BV163": ("9", "2", ""),
    "BV175": ("100", "2", ""),
    "BV184a": ("12", "3", ""),
    "BV195": ("85", "4", ""),
    "BV196": ("88", "4", ""),
    "BV212": ("28", "4", ""),
}

# Local indicators: (department code, title, unit, polarity, frequency, ytd, dimension,
# target, tolerance, season)
LOCAL_INDICATORS = [
    (
        "adult-social-care",
        "Care assessments completed within 28 days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "85",
        "5",
        "",
    ),
    (
        "adult-social-care",
        "Delayed transfers of care per 100,000 adults",
        "rate",
        "lower",
        "monthly",
        "mean",
        "effectiveness",
        "9",
        "1.5",
        "winter_peak",
    ),
    (
        "adult-social-care",
        "Cost per home care hour",
        "gbp",
        "lower",
        "quarterly",
        "mean",
        "economy",
        "24.5",
        "1.2",
        "",
    ),
    (
        "childrens-services",
        "Child protection plans reviewed on time",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "97",
        "2",
        "",
    ),
    (
        "childrens-services",
        "Social worker vacancy rate",
        "percent",
        "lower",
        "quarterly",
        "latest",
        "efficiency",
        "12",
        "3",
        "",
    ),
    (
        "childrens-services",
        "Early help assessments started",
        "count",
        "higher",
        "monthly",
        "sum",
        "effectiveness",
        "1800",
        "120",
        "",
    ),
    (
        "environment-waste",
        "Missed bin collections per 100,000",
        "rate",
        "lower",
        "monthly",
        "mean",
        "effectiveness",
        "45",
        "8",
        "winter_peak",
    ),
    (
        "environment-waste",
        "Fly-tipping incidents cleared within 2 days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "90",
        "4",
        "",
    ),
    (
        "environment-waste",
        "Cost of waste collection per household",
        "gbp",
        "lower",
        "quarterly",
        "mean",
        "economy",
        "58",
        "3",
        "",
    ),
    (
        "finance",
        "Budget monitoring returns on time",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "efficiency",
        "98",
        "2",
        "",
    ),
    (
        "finance",
        "Debt over 90 days",
        "gbp",
        "lower",
        "monthly",
        "latest",
        "economy",
        "1850000",
        "150000",
        "",
    ),
    (
        "finance",
        "Purchase orders raised before invoice",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "efficiency",
        "92",
        "3",
        "",
    ),
    (
        "housing",
        "Homelessness preventions",
        "count",
        "higher",
        "monthly",
        "sum",
        "effectiveness",
        "960",
        "60",
        "",
    ),
    (
        "housing",
        "Households in temporary accommodation",
        "count",
        "lower",
        "monthly",
        "latest",
        "effectiveness",
        "240",
        "25",
        "",
    ),
    (
        "housing",
        "Repairs completed right first time",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "efficiency",
        "88",
        "4",
        "",
    ),
    (
        "housing",
        "Rent collected as share of rent due",
        "percent",
        "higher",
        "monthly",
        "latest",
        "economy",
        "98",
        "1",
        "rising",
    ),
    (
        "people-corporate",
        "Staff turnover",
        "percent",
        "lower",
        "quarterly",
        "latest",
        "efficiency",
        "11",
        "2",
        "",
    ),
    (
        "people-corporate",
        "Freedom of information requests answered in 20 days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "90",
        "5",
        "",
    ),
    (
        "people-corporate",
        "Complaints answered within 10 working days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "85",
        "5",
        "",
    ),
    (
        "planning-transport",
        "Potholes repaired within 28 days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "90",
        "5",
        "winter_dip",
    ),
    (
        "planning-transport",
        "Bus services running on time",
        "percent",
        "higher",
        "monthly",
        "mean",
        "effectiveness",
        "84",
        "4",
        "",
    ),
    (
        "planning-transport",
        "Planning appeals allowed",
        "percent",
        "lower",
        "quarterly",
        "latest",
        "effectiveness",
        "30",
        "5",
        "",
    ),
    (
        "revenues-benefits",
        "New benefit claims processed in 14 days",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "efficiency",
        "88",
        "4",
        "",
    ),
    (
        "revenues-benefits",
        "Benefit overpayments recovered",
        "percent",
        "higher",
        "quarterly",
        "latest",
        "economy",
        "72",
        "5",
        "",
    ),
    (
        "revenues-benefits",
        "Business rates accounts with direct debit",
        "percent",
        "higher",
        "monthly",
        "latest",
        "efficiency",
        "64",
        "3",
        "",
    ),
    (
        "revenues-benefits",
        "Council tax reduction claims outstanding",
        "count",
        "lower",
        "monthly",
        "latest",
        "efficiency",
        "850",
        "120",
        "",
    ),
    (
        "childrens-services",
        "Care leavers in education, employment or training",
        "percent",
        "higher",
        "quarterly",
        "latest",
        "effectiveness",
        "60",
        "5",
        "",
    ),
    (
        "adult-social-care",
        "Safeguarding enquiries concluded within 3 months",
        "percent",
        "higher",
        "monthly",
        "ratio",
        "effectiveness",
        "80",
        "5",
        "",
    ),
]

DECIMAL_PLACES = {"percent": 1, "days": 1, "count": 0, "gbp": 2, "kg": 1, "rate": 1, "score": 0}


def bvpi_specs() -> list[IndicatorSpec]:
    """The 35 statutory indicators from the shared reference file, with their targets."""
    specs = []
    with BVPI_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            target, tolerance, season = BVPI_TARGETS[row["code"]]
            specs.append(
                IndicatorSpec(
                    code=row["code"],
                    title=row["title"],
                    unit="gbp" if row["unit"] == "GBP" else row["unit"],
                    polarity=row["polarity"],
                    frequency=row["frequency"],
                    year_to_date=row["year_to_date"],
                    department=DEPARTMENT_CODES_BY_NAME[row["department"]],
                    dimension=row["dimension"],
                    definition=row["definition"],
                    statutory=True,
                    target=Decimal(target),
                    tolerance=Decimal(tolerance),
                    season=season,
                )
            )
    return specs


def local_specs(department_codes: list[str], count: int) -> list[IndicatorSpec]:
    """``count`` local indicators, cycling through the templates and the departments."""
    specs = []
    prefix_counter: dict[str, int] = {}
    for index in range(count):
        template = LOCAL_INDICATORS[index % len(LOCAL_INDICATORS)]
        department = template[0]
        if index >= len(LOCAL_INDICATORS) or department not in department_codes:
            department = department_codes[index % len(department_codes)]
        (_, title, unit, polarity, frequency, ytd, dimension, target, tolerance, season) = template
        prefix = department.split("-")[0][:3].upper()
        prefix_counter[prefix] = prefix_counter.get(prefix, 0) + 1
        number = prefix_counter[prefix]
        specs.append(
            IndicatorSpec(
                code=f"LPI-{prefix}-{number:02d}",
                title=title if index < len(LOCAL_INDICATORS) else f"{title} ({number})",
                unit=unit,
                polarity=polarity,
                frequency=frequency,
                year_to_date=ytd,
                department=department,
                dimension=dimension,
                definition=f"{title}, as recorded in the department's case system.",
                statutory=False,
                target=Decimal(target),
                tolerance=Decimal(tolerance),
                season=season,
            )
        )
    return specs
