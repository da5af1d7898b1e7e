from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import (
    CITATION_FIELDS,
    AuditEvent,
    DedupRun,
    DuplicateCandidate,
    ImportBatch,
    Invitation,
    Membership,
    Record,
    Review,
    ReviewRound,
    Role,
    SearchSource,
    SourceKind,
)
from ..uploads import API_FILE_ERRORS
from .fields import IdField

User = get_user_model()


class ReviewSerializer(serializers.ModelSerializer):
    my_roles = serializers.SerializerMethodField()
    # Lists of words (never null: a multipart "null" used to reach the NOT NULL column as None, a 500)
    include_keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Words highlighted as relevant"
    )
    exclude_keywords = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Words hinting at exclusion"
    )

    class Meta:
        model = Review
        fields = [
            "slug",
            "title",
            "description",
            "votes_required",
            "blind",
            "allow_consensus",
            "owner_can_resolve",
            "inclusion_criteria",
            "exclusion_criteria",
            "include_keywords",
            "exclude_keywords",
            "created_at",
            "my_roles",
        ]
        read_only_fields = ["created_at", "my_roles"]

    def get_my_roles(self, review) -> list[str]:
        request = self.context.get("request")
        member = review.memberships.filter(user=request.user).first() if request else None
        return member.roles if member else []


class ReviewCreateSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "roles", "created_at"]


class MembershipWriteSerializer(serializers.Serializer):
    username = serializers.CharField(required=False, help_text="Invite an account by username")
    email = serializers.EmailField(required=False, allow_blank=True, help_text="Or invite an e-mail address")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), allow_empty=False)
    password = serializers.CharField(
        required=False, write_only=True, help_text="Staff only: create the account (with `username`) at once."
    )

    def validate(self, attrs):
        if not (attrs.get("username") or attrs.get("email")):
            raise serializers.ValidationError({"username": "Give a username or an e-mail address."})
        return attrs


class InvitationSerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="invitee", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "to", "roles", "status", "expires_at", "created_at"]
        read_only_fields = fields


class SearchSourceSerializer(serializers.ModelSerializer):
    records_total = serializers.IntegerField(read_only=True, default=0)
    kind = serializers.ChoiceField(choices=SourceKind.choices, default=SourceKind.DATABASE)

    class Meta:
        model = SearchSource
        fields = [
            "id",
            "name",
            "kind",
            "date_searched",
            "search_string",
            "notes",
            "records_total",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ImportBatchSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", read_only=True)
    round = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "source",
            "round",
            "file_name",
            "sha256",
            "size",
            "requested_format",
            "format",
            "forced",
            "status",
            "records_count",
            "error",
            "error_line",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_progress(self, batch) -> dict:
        from ..services.imports import import_progress

        return import_progress(batch)

    def get_round(self, batch) -> int:
        """The round of searching (an import written without one counts in round 1)."""
        return batch.round.number if batch.round_id else 1


class ReviewRoundSerializer(serializers.ModelSerializer):
    """A round of searching; POST starts an update (the imports that follow join it)."""

    imports = serializers.IntegerField(source="imports_total", read_only=True)
    date = serializers.DateField(required=False)

    class Meta:
        model = ReviewRound
        fields = ["id", "number", "label", "date", "notes", "imports", "created_at"]
        read_only_fields = ["id", "number", "imports", "created_at"]


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(error_messages=API_FILE_ERRORS)
    source = IdField(required=False, help_text="Search source id")
    source_name = serializers.CharField(required=False, help_text="Or a source name (created if missing)")
    format = serializers.ChoiceField(
        choices=["auto", "ris", "medline", "endnote-xml", "bibtex", "csv", "wos"], default="auto"
    )
    force = serializers.BooleanField(default=False)


class RecordSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = [
            "id",
            "source",
            "batch",
            "position",
            "source_key",
            *CITATION_FIELDS,
            "duplicate_of",
            "removed_reason",
            "removed_note",
            "study",
            "status",
            "created_at",
        ]

    def get_status(self, record) -> str:
        if record.duplicate_of_id:
            return "duplicate"
        if record.removed_reason:
            return "removed"
        return "active"


class RecordDetailSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        fields = [*RecordSerializer.Meta.fields, "raw"]


class RecordRemoveSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["incomplete", "automation", "other"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CandidateRecordSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = Record
        fields = [
            "id",
            "source",
            "source_key",
            "title",
            "authors",
            "year",
            "journal",
            "volume",
            "issue",
            "pages",
            "doi",
            "pmid",
            "duplicate_of",
        ]


class DuplicateCandidateSerializer(serializers.ModelSerializer):
    record_a = CandidateRecordSerializer(read_only=True)
    record_b = CandidateRecordSerializer(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = DuplicateCandidate
        fields = [
            "id",
            "record_a",
            "record_b",
            "score",
            "reasons",
            "guard",
            "status",
            "decided_by",
            "decided_at",
        ]


class DedupRunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = DedupRun
        fields = [
            "id",
            "status",
            "records_checked",
            "candidates_found",
            "auto_merged",
            "queued_for_review",
            "progress",
            "created_at",
            "finished_at",
        ]

    def get_progress(self, run) -> dict:
        from ..services.duplicates import dedup_progress

        return dedup_progress(run)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "verb", "record", "other_record", "batch", "data"]
