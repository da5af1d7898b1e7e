from django.contrib import admin

from .models import (
    AuditEvent,
    DuplicateCandidate,
    ImportBatch,
    Invitation,
    Membership,
    Record,
    Review,
    SearchSource,
    Study,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "created_at"]
    search_fields = ["slug", "title"]
    inlines = [MembershipInline]


@admin.register(SearchSource)
class SearchSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "review", "kind", "date_searched"]
    list_filter = ["kind"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["file_name", "review", "source", "status", "records_count", "created_at"]
    list_filter = ["status", "format"]
    readonly_fields = ["sha256"]


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "year", "review", "source", "duplicate_of", "removed_reason"]
    search_fields = ["title", "doi", "pmid"]
    raw_id_fields = ["duplicate_of", "batch", "study"]
    list_select_related = ["review", "source"]


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(admin.ModelAdmin):
    list_display = ["id", "review", "record_a", "record_b", "score", "status"]
    list_filter = ["status"]
    raw_id_fields = ["record_a", "record_b"]


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["label", "review"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "review", "actor", "verb", "record"]
    list_filter = ["verb"]
    raw_id_fields = ["record", "other_record", "batch"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent and answered through the members page (the token is only hashed)."""

    list_display = ["review", "email", "username", "roles", "status", "expires_at", "invited_by"]
    list_filter = ["status"]
    readonly_fields = ["token_hash"]
