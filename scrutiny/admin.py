"""Administrators keep the committees and their members; the SMT's agenda and members'
items are changed through the scrutiny pages and services, so they are read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from scrutiny.models import AgendaItem, ScrutinyCommittee, ScrutinyItem


@admin.register(ScrutinyCommittee)
class ScrutinyCommitteeAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


class _ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgendaItem)
class AgendaItemAdmin(_ReadOnlyAdmin):
    list_display = ["committee", "meeting_on", "period", "indicator"]
    list_filter = ["committee"]


@admin.register(ScrutinyItem)
class ScrutinyItemAdmin(_ReadOnlyAdmin):
    list_display = ["pk", "subject", "period", "state", "asked_by", "due_on"]
    list_filter = ["state", "subject"]
