from rest_framework import serializers

from reviewapp.api.fields import IdField

from ..models import (
    ConflictStatus,
    Consensus,
    ConsensusMethod,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
    Form,
    FormKind,
    FormVersion,
    OutcomeMeasure,
    TableLayout,
)
from ..outcomes import DataType


class ExtractionFormVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = FormVersion
        fields = ["id", "form", "number", "definition", "note", "created_by", "created_at"]


class ExtractionFormSerializer(serializers.ModelSerializer):
    latest_version = serializers.IntegerField(source="latest", read_only=True)
    extractions_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Form
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "is_active",
            "latest_version",
            "extractions_total",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["title", "description", "created_at", "updated_at"]


class ExtractionFormCreateSerializer(serializers.Serializer):
    definition = serializers.JSONField(
        required=False, help_text="A form definition (see the form builder docs)"
    )
    template = serializers.ChoiceField(choices=["clinical", "preclinical"], required=False)
    kind = serializers.ChoiceField(choices=FormKind.choices, default=FormKind.OTHER)
    title = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data):
        if bool(data.get("definition")) == bool(data.get("template")):
            raise serializers.ValidationError("Give either a definition or a template.")
        return data


class ExtractionDefinitionSerializer(serializers.Serializer):
    definition = serializers.JSONField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ExtractionFormImportSerializer(serializers.Serializer):
    data = serializers.JSONField(
        help_text="An exported form (format reviewapp.extraction-form) or a definition"
    )
    title = serializers.CharField(required=False, allow_blank=True, default="")


class ExtractionFormCopySerializer(serializers.Serializer):
    to_review = serializers.SlugField(help_text="Slug of a review you own")
    title = serializers.CharField(required=False, allow_blank=True, default="")


class ExtractionFormExportSerializer(serializers.Serializer):
    format = serializers.CharField()
    kind = serializers.CharField()
    version = serializers.IntegerField()
    definition = serializers.JSONField()


class ExtractionOutcomeSerializer(serializers.ModelSerializer):
    data_type = serializers.ChoiceField(choices=[t.value for t in DataType])
    time_points = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )

    class Meta:
        model = OutcomeMeasure
        fields = ["id", "key", "name", "data_type", "unit", "scale", "time_points", "position"]
        read_only_fields = ["position"]
        extra_kwargs = {"key": {"required": False, "help_text": "Defaults to the name, slugified"}}


class ExtractionSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    study_label = serializers.CharField(source="study.label", read_only=True)
    form_version_number = serializers.IntegerField(source="form_version.number", read_only=True)
    status = serializers.ChoiceField(choices=ExtractionStatus.choices, read_only=True)

    class Meta:
        model = Extraction
        fields = [
            "id",
            "study",
            "study_label",
            "form",
            "form_version",
            "form_version_number",
            "reviewer",
            "status",
            "answers",
            "outcomes",
            "version",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ExtractionStartSerializer(serializers.Serializer):
    study = IdField()
    form = IdField()


class ExtractionAnswerSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text='"section.field", "group.<row>.field", "@outcomes.<row>[.arms.<arm>].field"'
    )
    value = serializers.JSONField(allow_null=True, help_text="null or blank clears the field")
    version = serializers.IntegerField(help_text="The version you last read (optimistic lock)")


class ExtractionRowSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["add", "remove", "add_outcome", "add_arm"])
    section = serializers.CharField(required=False, default="")
    index = serializers.IntegerField(required=False)
    values = serializers.DictField(required=False, default=dict)
    outcome = IdField(required=False, help_text="OutcomeMeasure id (add_outcome)")
    time_point = serializers.CharField(required=False, default="")
    arm = serializers.CharField(required=False, default="")
    version = serializers.IntegerField()


class ExtractionVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class ExtractionDifferenceSerializer(serializers.Serializer):
    path = serializers.CharField()
    label = serializers.CharField()
    section = serializers.CharField()
    whole_row = serializers.BooleanField()
    a = serializers.JSONField()
    b = serializers.JSONField()
    a_text = serializers.CharField()
    b_text = serializers.CharField()
    settlement = serializers.JSONField(allow_null=True)


class ExtractionConsensusSerializer(serializers.ModelSerializer):
    study_label = serializers.CharField(source="study.label", read_only=True)
    reviewer_a = serializers.CharField(source="extraction_a.reviewer.username", read_only=True)
    reviewer_b = serializers.CharField(source="extraction_b.reviewer.username", read_only=True, default=None)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    method = serializers.ChoiceField(choices=ConsensusMethod.choices, read_only=True)

    class Meta:
        model = Consensus
        fields = [
            "id",
            "study",
            "study_label",
            "form",
            "form_version",
            "method",
            "reviewer_a",
            "reviewer_b",
            "answers",
            "outcomes",
            "settlements",
            "decided_by",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ExtractionConflictSerializer(serializers.ModelSerializer):
    study_label = serializers.CharField(source="study.label", read_only=True)
    reviewer_a = serializers.CharField(source="extraction_a.reviewer.username", read_only=True)
    reviewer_b = serializers.CharField(source="extraction_b.reviewer.username", read_only=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, default=None)
    status = serializers.ChoiceField(choices=ConflictStatus.choices, read_only=True)

    class Meta:
        model = ExtractionConflict
        fields = [
            "id",
            "study",
            "study_label",
            "form",
            "form_version",
            "status",
            "extraction_a",
            "extraction_b",
            "reviewer_a",
            "reviewer_b",
            "settlements",
            "version",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class ExtractionSettleSerializer(serializers.Serializer):
    path = serializers.CharField()
    choice = serializers.ChoiceField(choices=["a", "b", "value"])
    value = serializers.JSONField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False)


class ExtractionResolveSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ExtractionOutcomeDataQuerySerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="Outcome key")
    time_point = serializers.CharField()


class CharacteristicsTableLayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = TableLayout
        fields = ["id", "title", "form", "columns", "source"]


class CharacteristicsTableSerializer(serializers.Serializer):
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField(allow_blank=True)))
