from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partnerships.contracts.forms import say_threshold_range
from partnerships.contracts.models import KPI_DEFINITION_FIELDS
from partnerships.contracts.services import kpi_slas_problem
from partnerships.models import (
    ContractKpi,
    Escalation,
    Milestone,
    Partner,
    Partnership,
    Risk,
    Service,
    Sla,
    SlaResult,
)


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "company_number"]
    search_fields = ["name"]


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    list_display = ["name", "partner", "start_date", "end_date", "annual_value"]
    search_fields = ["name", "partner__name"]
    fieldsets = [
        (
            None,
            {"fields": ["council", "partner", "name", "start_date", "end_date", "annual_value"]},
        ),
        (
            "Contract details for performance notices (Procurement Act 2023)",
            {
                "description": "Section 52 applies to a contract worth more than "
                "£5 million unless an exemption is recorded here.",
                "fields": [
                    "procurement_title",
                    "procurement_identifier",
                    "contract_identifier",
                    "estimated_value",
                    "section_52_exemption",
                    "supplier_identifier",
                    "supplier_postal_address",
                    "supplier_email",
                    "authority_identifier",
                    "authority_postal_address",
                    "authority_email",
                ],
            },
        ),
        (
            "Contract health weights",
            {
                "description": "A component without data has its weight shared out in proportion.",
                "fields": [
                    "weight_sla",
                    "weight_credits",
                    "weight_milestones",
                    "weight_escalations",
                    "weight_timely",
                ],
            },
        ),
    ]


class SlaInline(admin.TabularInline):
    model = Sla
    extra = 0


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "partnership", "monthly_charge", "credit_cap_percent"]
    list_filter = ["partnership"]
    search_fields = ["name", "code"]
    filter_horizontal = ["departments"]
    inlines = [SlaInline]


@admin.register(Sla)
class SlaAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "title",
        "service",
        "polarity",
        "expected_level",
        "minimum_level",
        "credit_percent",
    ]
    list_filter = ["service__partnership", "service", "polarity"]
    search_fields = ["code", "title"]
    list_select_related = ["service"]


@admin.register(SlaResult)
class SlaResultAdmin(SimpleHistoryAdmin):
    list_display = ["sla", "period", "reported_value", "agreed_value", "verification", "entered_at"]
    list_filter = ["verification", "sla__service", "financial_year"]
    search_fields = ["sla__code", "period"]
    list_select_related = ["sla"]
    readonly_fields = [field.name for field in SlaResult._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partnership", "owner", "due_date", "delivered_date", "state"]
    list_filter = ["state", "partnership"]
    search_fields = ["title", "owner"]


@admin.register(Escalation)
class EscalationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partnership", "severity", "state", "raised_on", "due_date", "owner"]
    list_filter = ["severity", "state", "partnership"]
    search_fields = ["title", "owner"]


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["title", "partnership", "likelihood", "impact", "state", "raised_on", "owner"]
    list_filter = ["state", "partnership", "likelihood", "impact"]
    search_fields = ["title", "owner"]


class ContractKpiForm(forms.ModelForm):
    class Meta:
        model = ContractKpi
        fields = ["partnership", *KPI_DEFINITION_FIELDS, "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_threshold_range(self)

    def clean(self):
        cleaned = super().clean()
        partnership = cleaned.get("partnership")
        if partnership is not None:
            kpi = ContractKpi(partnership=partnership, measure=cleaned.get("measure"))
            if problem := kpi_slas_problem(kpi, list(cleaned.get("slas") or [])):
                self.add_error("slas", problem)
        return cleaned


@admin.register(ContractKpi)
class ContractKpiAdmin(SimpleHistoryAdmin):
    """The contract's section-52 KPIs: at least three when section 52 applies."""

    form = ContractKpiForm
    list_display = ["title", "partnership", "measure", "linked_to_payment", "active"]
    list_filter = ["partnership", "measure", "active"]
    filter_horizontal = ["slas"]
