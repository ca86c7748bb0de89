"""``visible_to(user)`` of every scoped model, for every persona.

One small council holds two of everything, so each persona's view can be told apart by
primary key:

- departments Housing (alice, harriet), Finance (bob) and Planning (nobody);
- pat's partnership p1 (partner Meridian) and a second partnership p2 (partner Northgate);
- services: svc_a (p1, serves Housing and Finance), svc_b (p1, Finance), svc_c (p2,
  Housing), svc_d (p2, Planning), each with one SLA and one result;
- referrals Housing→Finance, Finance→Planning, Planning→Housing;
- a milestone, an escalation and a risk per partnership; early warnings about Housing,
  Finance, p1, p2 and the council as a whole.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from departments.models import (
    Department,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    PeriodSignOff,
    Referral,
    Target,
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
from reporting.models import EarlyWarning
from tests.factories import (
    DepartmentFactory,
    EscalationFactory,
    IndicatorFactory,
    KpiReturnFactory,
    MilestoneFactory,
    PartnerFactory,
    PartnershipFactory,
    ReferralFactory,
    RiskFactory,
    ServiceFactory,
    SlaFactory,
    SlaResultFactory,
    TargetFactory,
)

PERSONAS = ["alice", "bob", "harriet", "sam", "pat", "audrey", "ada"]
COUNCIL_WIDE = ["sam", "audrey", "ada"]


@pytest.fixture
def world(request, council, housing, finance, partnership):
    """Every scoped row, by label; the personas are created first so their memberships exist."""
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    planning = DepartmentFactory(council=council, name="Planning", code="planning")
    p1 = partnership
    p2 = PartnershipFactory(
        council=council,
        partner=PartnerFactory(name="Northgate Public Services Ltd"),
        name="Revenues and Benefits Partnership",
        annual_value=Decimal("3400000.00"),
    )
    rows = {"housing": housing, "finance": finance, "planning": planning, "p1": p1, "p2": p2}
    rows["partner1"], rows["partner2"] = p1.partner, p2.partner

    for key, department, code in [("h", housing, "LPI-HOU-03"), ("f", finance, "BV8")]:
        indicator = IndicatorFactory(department=department, code=code)
        rows[f"ind_{key}"] = indicator
        rows[f"target_{key}"] = TargetFactory(indicator=indicator, annual_value=Decimal("90"))
        rows[f"return_{key}"] = KpiReturnFactory(indicator=indicator, value=Decimal("91.5"))

    signed = {"signed_off_by": people["sam"], "signed_off_at": datetime(2025, 10, 24, tzinfo=UTC)}
    rows["signoff_h"] = PeriodSignOff.objects.create(
        period="2025-26-P06", department=housing, **signed
    )
    rows["signoff_f"] = PeriodSignOff.objects.create(
        period="2025-26-P06", department=finance, **signed
    )
    rows["signoff_council"] = PeriodSignOff.objects.create(period="2025-26-P05", **signed)

    rows["ref_hf"] = ReferralFactory(from_department=housing, to_department=finance)
    rows["ref_fp"] = ReferralFactory(from_department=finance, to_department=planning)
    rows["ref_ph"] = ReferralFactory(from_department=planning, to_department=housing)

    served = {"a": (p1, [housing, finance]), "b": (p1, [finance]), "c": (p2, [housing])}
    served["d"] = (p2, [planning])
    for key, (owner, departments) in served.items():
        service = ServiceFactory(
            partnership=owner, code=f"service-{key}", monthly_charge=Decimal("125000.00")
        )
        service.departments.set(departments)
        rows[f"svc_{key}"] = service
        rows[f"sla_{key}"] = sla = SlaFactory(service=service)
        rows[f"result_{key}"] = SlaResultFactory(sla=sla, reported_value=Decimal("99.7"))

    for key, owner in [("1", p1), ("2", p2)]:
        rows[f"milestone_{key}"] = MilestoneFactory(partnership=owner, due_date=date(2025, 12, 31))
        rows[f"escalation_{key}"] = EscalationFactory(partnership=owner, severity="high")
        rows[f"risk_{key}"] = RiskFactory(partnership=owner, likelihood=4, impact=4)

    warning = {"starting_period": "2025-26-P05", "latest_period": "2025-26-P06"}
    rows["warning_h"] = EarlyWarning.objects.create(
        rule="missing_returns", subject_key="department:housing", department=housing, **warning
    )
    rows["warning_f"] = EarlyWarning.objects.create(
        rule="missing_returns", subject_key="department:finance", department=finance, **warning
    )
    rows["warning_p1"] = EarlyWarning.objects.create(
        rule="service_red",
        subject_key="partnership:p1/service:a",
        partnership=p1,
        service=rows["svc_a"],
        **warning,
    )
    rows["warning_p2"] = EarlyWarning.objects.create(
        rule="service_red",
        subject_key="partnership:p2/service:c",
        partnership=p2,
        service=rows["svc_c"],
        **warning,
    )
    rows["warning_council"] = EarlyWarning.objects.create(
        rule="falling_together", subject_key="council", **warning
    )
    for name, user in people.items():
        rows[f"member_{name}"] = Membership.objects.get(user=user)
    return rows


def _everything(prefix: str, keys: str) -> set[str]:
    return {f"{prefix}{key}" for key in keys.split()}


# What each persona sees of each model, by label. Council-wide roles see every row.
EXPECTED = {
    Department: {
        "alice": {"housing"},
        "bob": {"finance"},
        "harriet": {"housing"},
        "pat": {"housing", "finance"},  # the departments p1's services serve
        "all": {"housing", "finance", "planning"},
    },
    PerformanceIndicator: {
        "alice": {"ind_h"},
        "bob": {"ind_f"},
        "harriet": {"ind_h"},
        "pat": set(),
        "all": {"ind_h", "ind_f"},
    },
    Target: {
        "alice": {"target_h"},
        "bob": {"target_f"},
        "harriet": {"target_h"},
        "pat": set(),
        "all": {"target_h", "target_f"},
    },
    KpiReturn: {
        "alice": {"return_h"},
        "bob": {"return_f"},
        "harriet": {"return_h"},
        "pat": set(),
        "all": {"return_h", "return_f"},
    },
    PeriodSignOff: {
        "alice": {"signoff_h", "signoff_council"},
        "bob": {"signoff_f", "signoff_council"},
        "harriet": {"signoff_h", "signoff_council"},
        "pat": set(),
        "all": {"signoff_h", "signoff_f", "signoff_council"},
    },
    Referral: {
        "alice": {"ref_hf", "ref_ph"},
        "bob": {"ref_hf", "ref_fp"},
        "harriet": {"ref_hf", "ref_ph"},
        "pat": set(),
        "all": {"ref_hf", "ref_fp", "ref_ph"},
    },
    Membership: {
        # everyone sees their own; SMT, auditors and administrators see everyone's
        **{name: {f"member_{name}"} for name in PERSONAS},
        **{name: {f"member_{n}" for n in PERSONAS} for name in ("sam", "audrey", "ada")},
    },
    Partner: {
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": {"partner1"},
        "all": {"partner1", "partner2"},
    },
    Partnership: {
        # the contract is for SMT, auditors and its partner manager; departments see
        # only the services they depend on
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": {"p1"},
        "all": {"p1", "p2"},
    },
    Service: {
        "alice": _everything("svc_", "a c"),
        "bob": _everything("svc_", "a b"),
        "harriet": _everything("svc_", "a c"),
        "pat": _everything("svc_", "a b"),
        "all": _everything("svc_", "a b c d"),
    },
    Sla: {
        "alice": _everything("sla_", "a c"),
        "bob": _everything("sla_", "a b"),
        "harriet": _everything("sla_", "a c"),
        "pat": _everything("sla_", "a b"),
        "all": _everything("sla_", "a b c d"),
    },
    SlaResult: {
        # the partnership's records: departments see the services and SLAs they depend
        # on, and their health on the dashboard, not the partner's results themselves
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": _everything("result_", "a b"),
        "all": _everything("result_", "a b c d"),
    },
    Milestone: {
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": {"milestone_1"},
        "all": {"milestone_1", "milestone_2"},
    },
    Escalation: {
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": {"escalation_1"},
        "all": {"escalation_1", "escalation_2"},
    },
    Risk: {
        "alice": set(),
        "bob": set(),
        "harriet": set(),
        "pat": {"risk_1"},
        "all": {"risk_1", "risk_2"},
    },
    EarlyWarning: {
        "alice": {"warning_h"},
        "bob": {"warning_f"},
        "harriet": {"warning_h"},
        "pat": {"warning_p1"},
        "all": {"warning_h", "warning_f", "warning_p1", "warning_p2", "warning_council"},
    },
}


def _expected_labels(model, persona: str) -> set[str]:
    table = EXPECTED[model]
    if persona in table:
        return table[persona]
    assert persona in COUNCIL_WIDE
    return table["all"]


def _visible_pks(model, user) -> list[int]:
    return list(model.objects.visible_to(user).values_list("pk", flat=True))


@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda model: model.__name__)
def test_each_persona_sees_exactly_their_rows(request, world, model):
    seen, wanted = {}, {}
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        pks = _visible_pks(model, user)
        assert len(pks) == len(set(pks)), f"{persona} sees duplicate {model.__name__} rows"
        seen[persona] = set(pks)
        wanted[persona] = {world[label].pk for label in _expected_labels(model, persona)}
    assert seen == wanted


def test_the_world_holds_every_row(world):
    """Guard: every label the table names exists, and every row of each model is labelled."""
    for model, table in EXPECTED.items():
        labels = set().union(*table.values())
        assert {world[label].pk for label in labels} == set(
            model.objects.values_list("pk", flat=True)
        ), model.__name__


# --- the rules, one by one -----------------------------------------------------------------------


def test_alice_sees_housing_and_not_finance(world, alice):
    assert set(_visible_pks(KpiReturn, alice)) == {world["return_h"].pk}
    assert world["return_f"].pk not in _visible_pks(KpiReturn, alice)
    assert world["target_f"].pk not in _visible_pks(Target, alice)


def test_pat_sees_nothing_of_departments_returns_or_referrals(world, pat):
    for model in (PerformanceIndicator, Target, KpiReturn, PeriodSignOff, Referral):
        assert _visible_pks(model, pat) == [], model.__name__


def test_pat_sees_nothing_of_the_second_partnership(world, pat):
    p2 = world["p2"]
    assert not Partnership.objects.visible_to(pat).filter(pk=p2.pk).exists()
    assert not Service.objects.visible_to(pat).filter(partnership=p2).exists()
    assert not Sla.objects.visible_to(pat).filter(service__partnership=p2).exists()
    assert not SlaResult.objects.visible_to(pat).filter(sla__service__partnership=p2).exists()
    for model in (Milestone, Escalation, Risk):
        assert not model.objects.visible_to(pat).filter(partnership=p2).exists(), model.__name__


def test_alice_sees_services_serving_housing_but_no_contract_records(world, alice):
    assert set(_visible_pks(Service, alice)) == {world["svc_a"].pk, world["svc_c"].pk}
    assert set(_visible_pks(Sla, alice)) == {world["sla_a"].pk, world["sla_c"].pk}
    for model in (SlaResult, Milestone, Escalation, Risk):
        assert _visible_pks(model, alice) == [], model.__name__


def test_a_department_newly_served_becomes_visible_to_its_officer(world, bob):
    world["svc_d"].departments.add(world["finance"])
    assert set(_visible_pks(Service, bob)) == {
        world["svc_a"].pk,
        world["svc_b"].pk,
        world["svc_d"].pk,
    }
    assert set(_visible_pks(Partnership, bob)) == set()  # the contract stays SMT's


def test_referrals_are_seen_by_sender_and_receiver_only(world):
    paul = get_user_model().objects.create_user(username="paul")
    Membership.objects.create(user=paul, role="officer", department=world["planning"])
    assert set(_visible_pks(Referral, paul)) == {world["ref_fp"].pk, world["ref_ph"].pk}


SCOPED_BY_ROLE = list(EXPECTED)


def test_inactive_user_sees_no_scoped_rows(world, sam):
    get_user_model().objects.filter(pk=sam.pk).update(is_active=False)
    inactive = get_user_model().objects.get(pk=sam.pk)
    for model in SCOPED_BY_ROLE:
        assert _visible_pks(model, inactive) == [], model.__name__


def test_anonymous_visitor_sees_no_scoped_rows(world):
    for model in SCOPED_BY_ROLE:
        assert _visible_pks(model, AnonymousUser()) == [], model.__name__


def test_superuser_without_memberships_sees_everything(world):
    root = get_user_model().objects.create_user(username="root", is_superuser=True)
    for model in EXPECTED:
        assert set(_visible_pks(model, root)) == set(model.objects.values_list("pk", flat=True)), (
            model.__name__
        )


# --- queries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "model"),
    [
        ("alice", KpiReturn),
        ("alice", Referral),
        ("alice", Service),
        ("alice", Sla),
        ("pat", Department),
        ("pat", Risk),
        ("sam", EarlyWarning),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_scope_is_read_once_per_user_object(
    request, world, django_assert_num_queries, persona, model
):
    # A fresh user object, as each request has: its scope is not read yet.
    user = get_user_model().objects.get(pk=request.getfixturevalue(persona).pk)
    with django_assert_num_queries(2):  # the memberships, then the rows
        first = list(model.objects.visible_to(user))
    with django_assert_num_queries(1):  # the rows only
        second = list(model.objects.visible_to(user))
    assert first == second
    assert {row.pk for row in first} == {
        world[label].pk for label in _expected_labels(model, persona)
    }
