"""Read-mostly admin for screening data: writes go through the services (pages, API), not the admin."""

from django.contrib import admin

from .models import Conflict, ExclusionReason, Retrieval, Verdict, Vote, VoteRevision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExclusionReason)
class ExclusionReasonAdmin(ReadOnlyAdmin):
    list_display = ["label", "review", "stage", "position", "is_active"]
    list_filter = ["stage", "is_active"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "reviewer", "decision", "reason", "updated_at"]
    list_filter = ["stage", "decision"]
    raw_id_fields = ["record"]


@admin.register(VoteRevision)
class VoteRevisionAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "reviewer", "decision", "kind", "voted_at", "created_at"]
    list_filter = ["stage", "kind"]


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "decision", "method", "decided_by", "created_at"]
    list_filter = ["stage", "decision", "method"]


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "status", "resolved_by", "resolved_at"]
    list_filter = ["stage", "status"]


@admin.register(Retrieval)
class RetrievalAdmin(ReadOnlyAdmin):
    list_display = ["record", "status", "file_name", "url", "updated_at"]
    list_filter = ["status"]
