from django.contrib import admin

from reporting.models import EarlyWarning, ReportRun


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    list_display = [
        "rule",
        "subject_label",
        "starting_period",
        "latest_period",
        "raised_at",
        "acknowledged_at",
        "resolved_by_data_on",
    ]
    list_filter = ["rule"]
    search_fields = ["subject_label"]
    readonly_fields = [
        "rule",
        "subject_key",
        "subject_label",
        "starting_period",
        "latest_period",
        "evidence",
        "raised_at",
        "resolved_by_data_on",
    ]


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Report runs are records of what was built: administrators read them, never edit."""

    list_display = ["pk", "kind", "file_format", "requested_by", "state", "created_at", "sha256"]
    list_filter = ["kind", "state", "trigger"]
    search_fields = ["requested_by__username", "sha256"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
