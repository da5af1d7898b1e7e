"""Read-mostly admin for screening data: writes go through the services (pages, API), not the admin."""

from django.contrib import admin

from .models import (
    Assignment,
    Conflict,
    ExclusionReason,
    Label,
    Pilot,
    PilotVote,
    RecordLabel,
    Retrieval,
    ScreeningSettings,
    Verdict,
    Vote,
    VoteRevision,
)


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


@admin.register(ScreeningSettings)
class ScreeningSettingsAdmin(ReadOnlyAdmin):
    list_display = ["review", "title_abstract_reasons", "assignment", "updated_at"]


@admin.register(Label)
class LabelAdmin(ReadOnlyAdmin):
    list_display = ["name", "review", "position", "is_active"]


@admin.register(RecordLabel)
class RecordLabelAdmin(ReadOnlyAdmin):
    list_display = ["record", "label", "tagged_by", "created_at"]
    raw_id_fields = ["record"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "reviewer", "assigned_by", "created_at"]
    list_filter = ["stage"]
    raw_id_fields = ["record"]


@admin.register(Pilot)
class PilotAdmin(ReadOnlyAdmin):
    list_display = ["pk", "review", "size", "status", "started_by", "created_at", "closed_at"]
    list_filter = ["status"]


@admin.register(PilotVote)
class PilotVoteAdmin(ReadOnlyAdmin):
    list_display = ["pilot", "record", "reviewer", "decision", "updated_at"]
    raw_id_fields = ["record"]
