"""The audited records, one ``AuditSource`` each: its model (whose django-simple-history
table the trail reads), how its history rows reach a department or a partnership (the
reader's scope and the department filter), and how a row is named in the trail. The trail
itself is ``reporting.audit.selectors.AuditTrail``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.utils.text import capfirst
from simple_history.manager import HistoricalQuerySet

from departments.history import person_name
from departments.models import (
    ApiToken,
    BenchmarkMetric,
    BenchmarkValue,
    ComparatorGroup,
    ComparatorMember,
    Council,
    Department,
    DirectoryRoleMapping,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    Target,
)
from departments.periods import Period, key_in_words
from partnerships.contracts.models import (
    Assessment,
    ContractKpi,
    KpiRating,
    PerformanceNotice,
    RectificationPlan,
)
from partnerships.models import (
    Escalation,
    Milestone,
    Partner,
    Partnership,
    Risk,
    Service,
    Sla,
    SlaResult,
)
from publication.models import PublishedIndicator
from reporting.reports.exports.base import page_path as page_link
from scrutiny.models import AgendaItem, ScrutinyCommittee, ScrutinyItem

Described = tuple[str, str, str]  # (record, department name, link to the record's page)


def _related(row, name: str):
    """A related record of a history row, or None when it has since been deleted."""
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


def _name(obj, fallback: str = "") -> str:
    return obj.name if obj is not None else fallback


def _year(financial_year: int) -> str:
    """A financial year as people write it: 2025 → "2025/26"."""
    return Period.financial_year(financial_year).label


def _describe_return(row) -> Described:
    indicator = _related(row, "indicator")
    link = page_link("departments:return-detail", row.id) if row.history_type != "-" else ""
    code = indicator.code if indicator else f"Indicator {row.indicator_id}"
    return f"{code}, {key_in_words(row.period)}", _name(_related(row, "department")), link


def _describe_target(row) -> Described:
    indicator = _related(row, "indicator")
    if indicator is None:
        return f"Indicator {row.indicator_id}, {_year(row.financial_year)}", "", ""
    link = page_link("reporting:indicator", indicator.pk)
    return f"{indicator.code}, {_year(row.financial_year)}", indicator.department.name, link


def _describe_indicator(row) -> Described:
    link = page_link("reporting:indicator", row.id) if row.history_type != "-" else ""
    return f"{row.code} {row.title}", _name(_related(row, "department")), link


def _describe_sign_off(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    where = department.name if department else "Whole council"
    return f"{key_in_words(row.period)} for {where}", _name(department), ""


def _describe_referral(row) -> Described:
    sender, receiver = _related(row, "from_department"), _related(row, "to_department")
    reference = row.reference or f"#{row.id}"
    # It belongs to both departments, as it does for their readers (ReferralQuerySet).
    between = f"{_name(sender, '?')} to {_name(receiver, '?')}"
    return f"{reference} {row.category}", between, ""


def _describe_scrutiny_item(row) -> Described:
    department = _related(row, "department")
    what = f"{row.get_kind_display()} #{row.id} on {key_in_words(row.period)}"
    return what, _name(department, "The partnership"), page_link("scrutiny:item", row.id)


def _describe_agenda_item(row) -> Described:
    committee = _related(row, "committee")
    return f"{_name(committee, '?')}: {key_in_words(row.period)}", "", ""


def _describe_department(row) -> Described:
    link = page_link("reporting:department", row.id) if row.history_type != "-" else ""
    return row.name, row.name, link


def _describe_membership(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    partnership = _related(row, "partnership") if row.partnership_id else None
    role = row.get_role_display()
    return f"{role} of {department or partnership or 'the council'}", _name(department), ""


def _describe_directory_mapping(row) -> Described:
    department = _related(row, "department") if row.department_id else None
    partnership = _related(row, "partnership") if row.partnership_id else None
    scope = department or partnership or "the council"
    return f"{row.claim_value} gives {row.get_role_display()} of {scope}", _name(department), ""


def _describe_token(row) -> Described:
    owner = _related(row, "user")
    return f"{row.name} ({row.prefix}…) of {person_name(owner) if owner else '?'}", "", ""


def _describe_account(row) -> Described:
    """A person's account: its username, and the name it gives when it has one."""
    name = f"{row.first_name} {row.last_name}".strip()
    return (f"{name} ({row.username})" if name else row.username), "", ""


def _describe_partnership(row) -> Described:
    link = page_link("reporting:partnership", row.id) if row.history_type != "-" else ""
    return row.name, "", link


def _describe_sla_result(row) -> Described:
    sla = _related(row, "sla")
    if sla is None:
        return f"SLA {row.sla_id}, {key_in_words(row.period)}", "", ""
    link = page_link(
        "reporting:partnership", sla.service.partnership_id, query=f"period={row.period}"
    )
    return f"{sla.code}, {key_in_words(row.period)}", "", link


def _describe_partnership_record(row) -> Described:
    """Milestones, escalations and risks: their title, on the partnership's records page."""
    return row.title, "", page_link("partnerships:records", row.partnership_id)


def _describe_plain_title(row) -> Described:
    return row.title, "", page_link("partnerships:contract", row.partnership_id)


def _describe_assessment(row) -> Described:
    """A contract assessment: its period, on its review page."""
    text = f"Assessment {row.period_start:%-d %B %Y} to {row.period_end:%-d %B %Y}"
    return text, "", page_link("partnerships:assessment", row.id)


def _describe_kpi_rating(row) -> Described:
    return f"Rating of {row.kpi.title}", "", page_link("partnerships:assessment", row.assessment_id)


def _describe_plan(row) -> Described:
    text = f"Rectification plan due {row.due_date:%-d %B %Y}"
    return text, "", page_link("partnerships:contract", row.partnership_id)


def _describe_performance_notice(row) -> Described:
    """A breach or poor-performance notice: its kind and day, on its page."""
    text = f"{row.get_kind_display()}, {row.occurred_on:%-d %B %Y}"
    return text, "", page_link("partnerships:performance-notice", row.id)


def _describe_plain(row) -> Described:
    return str(getattr(row, "name", "") or row.id), "", ""


def _describe_comparator_group(row) -> Described:
    return f"{row.name} ({row.model_year} model)", "", page_link("reporting:benchmarking")


def _describe_comparator_member(row) -> Described:
    group = _related(row, "group")
    within = f" in {group.name} ({group.model_year} model)" if group else ""
    return f"{row.area_name} ({row.area_code}){within}", "", ""


def _describe_benchmark_metric(row) -> Described:
    return f"{row.code} {row.title}", "", page_link("reporting:benchmarking")


def _describe_benchmark_value(row) -> Described:
    metric = _related(row, "metric")
    code = metric.code if metric else f"Metric {row.metric_id}"
    return f"{code}, {row.area_name}, {key_in_words(row.period)}", "", ""


def _describe_publication(row) -> Described:
    """A publication to residents: the indicator and the title residents read."""
    indicator = _related(row, "indicator")
    code = indicator.code if indicator else f"Indicator {row.indicator_id}"
    department = indicator.department.name if indicator else ""
    link = page_link("publication:manage-edit", row.indicator_id) if indicator else ""
    return f"{code} published as “{row.public_title}”", department, link


def _describe_sla(row) -> Described:
    return f"{row.code} {row.title}", "", ""


@dataclass(frozen=True)
class AuditSource:
    """One audited model: how its history rows reach a department or a partnership (for
    the reader's scope and the department filter), and how a row is named."""

    key: str
    model: type
    describe: Callable[[object], Described]
    related: tuple[str, ...] = ()  # select_related on the history rows, for describe
    departments: tuple[str, ...] = ()  # lookups of the department ids on the history row
    partnership: str | None = None  # lookup of the partnership id on the history row
    personal: str | None = None  # a personal record: lookup of its user, who alone sees it
    label_override: str = ""

    @property
    def label(self) -> str:
        """The kind of record, as its model's verbose name ("SLA result", "Milestone")."""
        return self.label_override or capfirst(self.model._meta.verbose_name)

    @cached_property
    def history_model(self) -> type:
        """The model's django-simple-history model (its rows are the trail's entries), read
        off its ``history`` descriptor itself rather than through it (see ``history``)."""
        return inspect.getattr_static(self.model, "history").model

    def history(self) -> HistoricalQuerySet:
        """Every history row of the model: what ``Model.history.all()`` gives, without
        going through django-simple-history's descriptor, which builds a new manager class
        on every access (about a millisecond each: the trail's page asked it 66 times)."""
        return HistoricalQuerySet(model=self.history_model)


SOURCES = {
    source.key: source
    for source in (
        AuditSource(
            "return",
            KpiReturn,
            _describe_return,
            ("indicator", "department"),
            departments=("department_id",),
        ),
        AuditSource(
            "target",
            Target,
            _describe_target,
            ("indicator__department",),
            departments=("indicator__department_id",),
        ),
        AuditSource(
            "indicator",
            PerformanceIndicator,
            _describe_indicator,
            ("department",),
            departments=("department_id",),
        ),
        AuditSource(
            "sign_off",
            PeriodSignOff,
            _describe_sign_off,
            ("department",),
            departments=("department_id",),
            # The model's verbose name is "period sign off"; people write the hyphen.
            label_override="Period sign-off",
        ),
        AuditSource(
            "referral",
            Referral,
            _describe_referral,
            ("from_department", "to_department"),
            departments=("from_department_id", "to_department_id"),
        ),
        # Publication to residents (publication/): published, reworded and withdrawn.
        AuditSource(
            "publication",
            PublishedIndicator,
            _describe_publication,
            ("indicator__department",),
            departments=("indicator__department_id",),
        ),
        AuditSource("department", Department, _describe_department, departments=("id",)),
        AuditSource("council", Council, _describe_plain),
        AuditSource(
            "membership",
            Membership,
            _describe_membership,
            ("department", "partnership"),
            departments=("department_id",),
            personal="user_id",
        ),
        # Which directory role gives which membership at sign-in with the council account.
        AuditSource(
            "directory_mapping",
            DirectoryRoleMapping,
            _describe_directory_mapping,
            ("department", "partnership"),
            departments=("department_id",),
            partnership="partnership_id",
        ),
        AuditSource("api_token", ApiToken, _describe_token, ("user",), personal="user_id"),
        # Accounts and permission groups, changed in Django admin (departments.models.accounts).
        AuditSource(
            "account",
            get_user_model(),
            _describe_account,
            personal="id",
            label_override="User account",
        ),
        AuditSource("group", Group, _describe_plain, label_override="Permission group"),
        # Benchmarking data: published and council-wide, kept by administrators.
        AuditSource("comparator_group", ComparatorGroup, _describe_comparator_group),
        AuditSource("comparator_member", ComparatorMember, _describe_comparator_member, ("group",)),
        AuditSource("benchmark_metric", BenchmarkMetric, _describe_benchmark_metric),
        AuditSource("benchmark_value", BenchmarkValue, _describe_benchmark_value, ("metric",)),
        AuditSource("partner", Partner, _describe_plain),
        AuditSource("partnership", Partnership, _describe_partnership, partnership="id"),
        AuditSource("service", Service, _describe_plain, partnership="partnership_id"),
        AuditSource("sla", Sla, _describe_sla, partnership="service__partnership_id"),
        AuditSource(
            "sla_result",
            SlaResult,
            _describe_sla_result,
            ("sla__service",),
            partnership="sla__service__partnership_id",
        ),
        AuditSource(
            "milestone", Milestone, _describe_partnership_record, partnership="partnership_id"
        ),
        AuditSource(
            "escalation", Escalation, _describe_partnership_record, partnership="partnership_id"
        ),
        AuditSource("risk", Risk, _describe_partnership_record, partnership="partnership_id"),
        AuditSource(
            "contract_kpi", ContractKpi, _describe_plain_title, partnership="partnership_id"
        ),
        # Assessments and their ratings name no partnership here, so only the council-wide
        # roles read their history: a partner's manager never sees a draft's changes.
        AuditSource("assessment", Assessment, _describe_assessment),
        AuditSource("kpi_rating", KpiRating, _describe_kpi_rating, ("kpi",)),
        AuditSource(
            "rectification_plan",
            RectificationPlan,
            _describe_plan,
            partnership="partnership_id",
        ),
        # Like assessments, these name no partnership here: a draft is the council's own.
        AuditSource("performance_notice", PerformanceNotice, _describe_performance_notice),
        # Scrutiny: members' questions and the answers, by the department that answers.
        AuditSource(
            "scrutiny_item",
            ScrutinyItem,
            _describe_scrutiny_item,
            ("department",),
            departments=("department_id",),
        ),
        AuditSource("scrutiny_committee", ScrutinyCommittee, _describe_plain),
        AuditSource("agenda_item", AgendaItem, _describe_agenda_item, ("committee",)),
    )
}
OBJECT_TYPES = [(source.key, source.label) for source in SOURCES.values()]

# Each kind of record's place among the labels in Python's order of strings. Entries at
# the same instant are ordered by label (then by record), so the database orders a page's
# candidates by time and then by this number, never by its own collation of the labels.
LABEL_ORDER = {
    source.key: sorted(label for _, label in OBJECT_TYPES).index(source.label)
    for source in SOURCES.values()
}
