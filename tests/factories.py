"""factory_boy factories for the domain, with realistic defaults."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from departments.models import (
    Council,
    Department,
    KpiReturn,
    Membership,
    PerformanceIndicator,
    Referral,
    Target,
)
from departments.referrals.summaries import record_referral_changes, tally
from departments.returns.ratings import recount_ratings_of_returns
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    # Hashed before the one INSERT, as create_user does: a password set after it would
    # save the account again, with a "Password changed" row in its history.
    password = factory.django.Password("correct-horse-battery")


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ["name"]

    name = "Borsetshire County Council"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["council", "code"]

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"dept-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "officer"
    department = factory.SubFactory(DepartmentFactory)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceIndicator

    council = factory.SelfAttribute("department.council")
    department = factory.SubFactory(DepartmentFactory)
    code = factory.Sequence(lambda n: f"LPI-{n:03d}")
    title = factory.Sequence(lambda n: f"Local indicator {n}")
    definition = "Percentage of cases completed within the agreed time."
    unit = "percent"
    polarity = "higher"
    frequency = "monthly"
    year_to_date = "mean"
    dimension = "effectiveness"
    decimal_places = 1


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    financial_year = 2025
    annual_value = Decimal("90")
    tolerance = Decimal("5")


class KpiReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KpiReturn

    indicator = factory.SubFactory(IndicatorFactory)
    department = factory.SelfAttribute("indicator.department")
    period = "2025-26-P06"
    value = Decimal("91.5")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved and rated into the read model of ratings, as the services do."""
        kpi_return = super()._create(model_class, *args, **kwargs)
        recount_ratings_of_returns([kpi_return])
        return kpi_return


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["name"]

    name = "Meridian Digital Services Ltd"


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    council = factory.SubFactory(CouncilFactory)
    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"ICT Strategic Service Partnership {n}")
    start_date = date(2020, 4, 1)
    end_date = date(2030, 3, 31)
    annual_value = Decimal("12000000.00")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    partnership = factory.SubFactory(PartnershipFactory)
    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    monthly_charge = Decimal("100000.00")
    credit_cap_percent = Decimal("10")


class SlaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sla

    service = factory.SubFactory(ServiceFactory)
    code = factory.Sequence(lambda n: f"SLA-{n:02d}")
    title = "Availability in core hours"
    polarity = "higher"
    expected_level = Decimal("99.5")
    minimum_level = Decimal("98")
    credit_percent = Decimal("4")


class SlaResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SlaResult

    sla = factory.SubFactory(SlaFactory)
    period = "2025-26-P06"
    reported_value = Decimal("99.7")
    entered_at = factory.LazyFunction(timezone.now)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    partnership = factory.SubFactory(PartnershipFactory)
    title = "Data centre migration"
    owner = "Partner programme lead"
    due_date = date(2025, 9, 30)


class EscalationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Escalation

    partnership = factory.SubFactory(PartnershipFactory)
    title = "Repeated network outages at depots"
    owner = "Head of ICT client"
    raised_on = date(2025, 9, 1)
    severity = "medium"


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    partnership = factory.SubFactory(PartnershipFactory)
    title = "Key supplier staff turnover"
    owner = "Partner account director"
    raised_on = date(2025, 6, 1)
    likelihood = 3
    impact = 4


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    from_department = factory.SubFactory(DepartmentFactory)
    to_department = factory.SubFactory(DepartmentFactory)
    category = "Safeguarding concern"
    raised_on = date(2025, 9, 10)
    agreed_days = 5
    channel = "email"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved and counted into the monthly summaries, as the services do."""
        referral = super()._create(model_class, *args, **kwargs)
        record_referral_changes(added=[tally(referral)])
        return referral
