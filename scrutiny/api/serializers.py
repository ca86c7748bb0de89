"""Scrutiny's API bodies."""

from __future__ import annotations

from rest_framework import serializers

from departments.api.fields import WholeNumberRelatedField
from departments.models import Department, PerformanceIndicator
from partnerships.models import Partnership
from scrutiny.models import (
    ITEM_TEXT_LIMIT,
    AgendaItem,
    ItemKind,
    ScrutinyCommittee,
    ScrutinyItem,
    Subject,
)


class ScrutinyItemSerializer(serializers.ModelSerializer):
    about = serializers.CharField(read_only=True, help_text="What the item is about, in words.")
    overdue = serializers.SerializerMethodField(
        help_text="Open after its due date (Europe/London)."
    )

    class Meta:
        model = ScrutinyItem
        fields = [
            "id",
            "committee",
            "subject",
            "indicator",
            "department",
            "partnership",
            "period",
            "about",
            "kind",
            "text",
            "state",
            "asked_by",
            "asked_at",
            "due_on",
            "overdue",
            "answer",
            "answered_by",
            "answered_at",
            "closed_by",
            "closed_at",
        ]
        read_only_fields = fields

    def get_overdue(self, item: ScrutinyItem) -> bool:
        return item.is_overdue(self.context["today"])


class AskSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=Subject.choices)
    period = serializers.CharField(help_text="A month key such as 2026-27-P06.")
    kind = serializers.ChoiceField(choices=ItemKind.choices, default=ItemKind.QUESTION)
    # Blank and over-long pass here so the service says what is wrong, as the page does.
    text = serializers.CharField(
        allow_blank=True, default="", help_text=f"Up to {ITEM_TEXT_LIMIT:,} characters."
    )
    indicator = WholeNumberRelatedField(
        queryset=PerformanceIndicator.objects.all(), required=False, allow_null=True
    )
    department = WholeNumberRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    partnership = WholeNumberRelatedField(
        queryset=Partnership.objects.all(), required=False, allow_null=True
    )
    committee = WholeNumberRelatedField(
        queryset=ScrutinyCommittee.objects.all(),
        required=False,
        allow_null=True,
        help_text="Defaults to your committee when you sit on one only.",
    )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(
        allow_blank=True, default="", help_text="Up to 10,000 characters."
    )


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "meeting_on", "period", "indicator", "note"]
        read_only_fields = fields


class CommitteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScrutinyCommittee
        fields = ["id", "name", "members"]
        read_only_fields = fields
