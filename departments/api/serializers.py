from rest_framework import serializers

from departments.models import Department, PerformanceIndicator, Target


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "council", "name", "code", "is_active"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerformanceIndicator
        fields = [
            "id",
            "council",
            "code",
            "title",
            "definition",
            "unit",
            "polarity",
            "frequency",
            "year_to_date",
            "dimension",
            "statutory",
            "department",
            "decimal_places",
            "is_active",
        ]


class TargetSerializer(serializers.ModelSerializer):
    financial_year_key = serializers.CharField(source="year_key", read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "indicator",
            "financial_year",
            "financial_year_key",
            "annual_value",
            "tolerance",
        ]
