"""Risk-of-bias API shapes. Answers, support and judgements are nested JSON keyed by domain and question."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Assessment, AssessmentStatus, ConsensusAssessment, Effect, RobItem, ToolKey

ID = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


def _answers(**kw):
    return serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=4, allow_blank=True)), **kw
    )


def _texts(**kw):
    return serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=5000, allow_blank=True)), **kw
    )


class ItemSerializer(serializers.ModelSerializer):
    study_label = serializers.CharField(source="study.label", read_only=True)
    result = serializers.CharField(source="result_label", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = RobItem
        fields = [
            "id",
            "study",
            "study_label",
            "tool",
            "effect",
            "outcome",
            "outcome_label",
            "timepoint",
            "result",
            "status",
        ]

    @extend_schema_field(
        serializers.ChoiceField(choices=["not_started", "in_progress", "conflict", "settled"])
    )
    def get_status(self, item) -> str:
        return item_status(item)


def item_status(item: RobItem) -> str:
    if getattr(item, "consensus", None) is not None:
        return "settled"
    conflict = getattr(item, "conflict", None)
    if conflict is not None and conflict.is_open:
        return "conflict"
    return "in_progress"


class AssessmentSerializer(serializers.ModelSerializer):
    assessor = serializers.CharField(source="assessor.username", read_only=True)
    item = ItemSerializer(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "item",
            "assessor",
            "status",
            "submitted_at",
            "answers",
            "support",
            "domains",
            "overall",
            "overall_proposed",
            "overall_reason",
            "note",
            "created_at",
            "updated_at",
        ]


class AssessmentStartSerializer(serializers.Serializer):
    study = ID
    tool = serializers.ChoiceField(choices=ToolKey.choices)
    effect = serializers.ChoiceField(choices=Effect.choices, default=Effect.ASSIGNMENT)
    outcome = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="RoB 2: an outcome of the review the study has consensus outcome data for (the result is "
        "that outcome at `timepoint`, which may be left blank when the study has one time point)",
    )
    outcome_label = serializers.CharField(
        max_length=300, allow_blank=True, default="", help_text="RoB 2 without extracted data: the outcome"
    )
    timepoint = serializers.CharField(max_length=100, allow_blank=True, default="")


class JudgementEntrySerializer(serializers.Serializer):
    judgement = serializers.CharField(
        max_length=100, allow_blank=True, default="", help_text='"" follows the proposal'
    )
    reason = serializers.CharField(max_length=5000, allow_blank=True, default="")
    choice = serializers.CharField(
        max_length=40, allow_blank=True, default="", help_text="one level of an ambiguous text"
    )
    support = serializers.CharField(max_length=5000, allow_blank=True, default="")


class AssessmentChangeSerializer(serializers.Serializer):
    answers = _answers(required=False)
    support = _texts(required=False)
    judgements = serializers.DictField(child=JudgementEntrySerializer(), required=False)
    overall = serializers.CharField(max_length=100, allow_blank=True, required=False)
    overall_reason = serializers.CharField(max_length=5000, allow_blank=True, required=False)


class ProposalRequestSerializer(serializers.Serializer):
    tool = serializers.ChoiceField(choices=ToolKey.choices)
    effect = serializers.ChoiceField(choices=Effect.choices, default=Effect.ASSIGNMENT)
    answers = _answers(default=dict)
    judgements = serializers.DictField(
        child=serializers.CharField(max_length=40, allow_blank=True),
        default=dict,
        help_text="the assessor's own level per domain, for the overall proposal",
    )


class DomainProposalSerializer(serializers.Serializer):
    domain = serializers.CharField()
    label = serializers.CharField()
    judgement = serializers.CharField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    needs_judgement = serializers.BooleanField()
    alternatives = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    visible = serializers.ListField(child=serializers.CharField(), help_text="questions to show")


class ProposalSerializer(serializers.Serializer):
    domains = DomainProposalSerializer(many=True)
    overall = serializers.CharField(allow_null=True)
    overall_reasons = serializers.ListField(child=serializers.CharField())


class ComparisonQuestionSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()
    answers = serializers.ListField(child=serializers.CharField(allow_blank=True))
    differs = serializers.BooleanField()


class ComparisonDomainSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    name = serializers.CharField()
    judgements = serializers.ListField(child=serializers.CharField(allow_null=True))
    reasons = serializers.ListField(child=serializers.CharField(allow_blank=True))
    differs = serializers.BooleanField()
    questions = ComparisonQuestionSerializer(many=True)


class ComparisonSerializer(serializers.Serializer):
    item = ItemSerializer()
    assessors = serializers.ListField(child=serializers.CharField())
    domains = ComparisonDomainSerializer(many=True)
    overall = serializers.ListField(child=serializers.CharField(allow_blank=True))
    overall_differs = serializers.BooleanField()
    differing = serializers.ListField(child=serializers.CharField())


class ConsensusSerializer(serializers.ModelSerializer):
    item = ItemSerializer(read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ConsensusAssessment
        fields = [
            "id",
            "item",
            "method",
            "decided_by",
            "note",
            "domains",
            "overall",
            "overall_reason",
            "created_at",
        ]


class ConsensusSettleSerializer(serializers.Serializer):
    item = ID
    domains = serializers.DictField(child=JudgementEntrySerializer(), default=dict)
    overall = serializers.CharField(max_length=100, allow_blank=True, default="")
    overall_reason = serializers.CharField(max_length=5000, allow_blank=True, default="")
    note = serializers.CharField(max_length=5000, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.OBJECT)
class ToolField(serializers.DictField):
    pass


class ToolSerializer(serializers.Serializer):
    key = serializers.CharField()
    effect = serializers.CharField()
    definition = ToolField(help_text="the tool's describe(): domains, questions, conditions, levels")


STATUS_CHOICES = AssessmentStatus.choices
