from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from departments.api.fields import TypedInputsMixin
from departments.models import Department, PerformanceIndicator, Target


class CleanedModelSerializer(TypedInputsMixin, serializers.ModelSerializer):
    """A ModelSerializer that also runs the model's ``clean()``: the rules that span
    fields (an SLA's minimum on the worse side, a percentage target within 0-100) live
    once, on the model, for the admin, forms and the API alike. DRF does not call
    ``clean()`` itself; its errors come back in DRF's shape, keyed by field."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        many = {field.name for field in model._meta.many_to_many}
        instance = (
            model(
                **{
                    field.attname: getattr(self.instance, field.attname)
                    for field in model._meta.concrete_fields
                }
            )
            if self.instance is not None
            else model()
        )
        for name, value in attrs.items():
            if name not in many:
                setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        return attrs


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "council", "name", "code", "is_active"]


class IndicatorSerializer(TypedInputsMixin, serializers.ModelSerializer):
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


class TargetSerializer(CleanedModelSerializer):
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
