from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
    SingleSignOnIdentity,
    Target,
)
from departments.tokens import services as token_services


@admin.register(Council)
class CouncilAdmin(SimpleHistoryAdmin):
    list_display = ["name", "area_code", "weight_on_time", "weight_digital_share", "weight_reach"]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "council", "is_active"]
    list_filter = ["is_active", "council"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "department", "partnership"]
    list_filter = ["role", "department", "partnership"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "department"]


@admin.register(DirectoryRoleMapping)
class DirectoryRoleMappingAdmin(SimpleHistoryAdmin):
    """Which directory app role (or group) gives which role here: applied at every sign-in
    with the council account (departments.single_sign_on.directory)."""

    list_display = ["claim_value", "role", "department", "partnership"]
    list_filter = ["role", "department", "partnership"]
    search_fields = ["claim_value"]


@admin.register(SingleSignOnIdentity)
class SingleSignOnIdentityAdmin(SimpleHistoryAdmin):
    """Which account a council account's subject signs in to: set at first sign-in, or
    here to link an existing account before its owner first signs in."""

    list_display = ["user", "subject", "issuer", "created_at"]
    search_fields = ["user__username", "subject"]
    autocomplete_fields = ["user"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(PerformanceIndicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "title",
        "department",
        "unit",
        "polarity",
        "frequency",
        "year_to_date",
        "dimension",
        "statutory",
        "is_active",
    ]
    list_filter = [
        "department",
        "frequency",
        "dimension",
        "statutory",
        "polarity",
        "unit",
        "is_active",
    ]
    search_fields = ["code", "title", "definition"]
    list_select_related = ["department"]
    inlines = [TargetInline]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "financial_year", "annual_value", "tolerance"]
    list_filter = ["financial_year", "indicator__department"]
    search_fields = ["indicator__code", "indicator__title"]
    list_select_related = ["indicator"]
    autocomplete_fields = ["indicator"]


@admin.register(KpiReturn)
class KpiReturnAdmin(SimpleHistoryAdmin):
    """Returns change through the workflow services; the admin shows them and their history."""

    list_display = ["indicator", "period", "department", "value", "state", "version", "updated_at"]
    list_filter = ["state", "department", "financial_year"]
    search_fields = ["indicator__code", "period"]
    list_select_related = ["indicator", "department"]
    readonly_fields = [field.name for field in KpiReturn._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PeriodSignOff)
class PeriodSignOffAdmin(SimpleHistoryAdmin):
    list_display = ["period", "department", "signed_off_by", "signed_off_at", "reopened_at"]
    list_filter = ["department"]
    readonly_fields = [field.name for field in PeriodSignOff._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read only: referrals are written through the product (form, API, import), whose
    services record the reason in the audit trail and count them into the monthly
    summaries that coordination figures are read from."""

    list_display = [
        "from_department",
        "to_department",
        "category",
        "raised_on",
        "resolved_on",
        "agreed_days",
        "channel",
        "service",
    ]
    list_filter = ["channel", "from_department", "to_department"]
    search_fields = ["category", "reference"]
    date_hierarchy = "raised_on"
    list_select_related = ["from_department", "to_department", "service"]
    show_full_result_count = False  # a million referrals: skip the full COUNT(*)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    """Administrators see everyone's tokens and revoke them; keys are never stored."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # A token is made by its owner, who alone sees the key (the tokens page or API).
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        for token in queryset.active():
            token_services.revoke_token(token=token, actor=request.user)
        self.message_user(request, "The selected tokens are revoked.")


class ComparatorMemberInline(admin.TabularInline):
    model = ComparatorMember
    extra = 0


@admin.register(ComparatorGroup)
class ComparatorGroupAdmin(SimpleHistoryAdmin):
    """Groups are imported from CSV or kept here; each model year is its own group."""

    list_display = ["name", "kind", "model_year", "council"]
    list_filter = ["kind", "model_year"]
    search_fields = ["name", "members__area_name", "members__area_code"]
    inlines = [ComparatorMemberInline]


@admin.register(BenchmarkMetric)
class BenchmarkMetricAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "indicator", "unit", "polarity", "midpoint", "decimal_places"]
    list_filter = ["polarity", "unit"]
    search_fields = ["code", "title", "indicator__code"]
    list_select_related = ["indicator"]
    autocomplete_fields = ["indicator"]


@admin.register(BenchmarkValue)
class BenchmarkValueAdmin(SimpleHistoryAdmin):
    list_display = ["metric", "area_name", "area_code", "period", "value", "note"]
    list_filter = ["metric", "period"]
    search_fields = ["area_name", "area_code", "metric__code"]
    list_select_related = ["metric"]
    autocomplete_fields = ["metric"]
