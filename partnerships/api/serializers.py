from rest_framework import serializers

from departments.api.serializers import CleanedModelSerializer
from partnerships.models import Partner, Partnership, Service, Sla


class PartnerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "company_number"]


class PartnershipSerializer(CleanedModelSerializer):
    class Meta:
        model = Partnership
        fields = [
            "id",
            "council",
            "partner",
            "name",
            "start_date",
            "end_date",
            "annual_value",
            "weight_sla",
            "weight_credits",
            "weight_milestones",
            "weight_escalations",
            "weight_timely",
        ]


class ServiceSerializer(CleanedModelSerializer):
    class Meta:
        model = Service
        fields = [
            "id",
            "partnership",
            "code",
            "name",
            "monthly_charge",
            "credit_cap_percent",
            "departments",
        ]


class SlaSerializer(CleanedModelSerializer):
    class Meta:
        model = Sla
        fields = [
            "id",
            "service",
            "code",
            "title",
            "unit",
            "polarity",
            "expected_level",
            "minimum_level",
            "credit_percent",
        ]
