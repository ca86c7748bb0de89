from django.contrib import admin

from reporting.models import EarlyWarning


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    list_display = [
        "rule",
        "subject_label",
        "starting_period",
        "latest_period",
        "raised_at",
        "acknowledged_at",
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
    ]
