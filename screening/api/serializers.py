from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviewapp.api.fields import IdField
from reviewapp.jobs import JobStatus
from reviewapp.models import CITATION_FIELDS, Record, Study
from reviewapp.uploads import API_FILE_ERRORS

from .. import selectors
from ..models import (
    Assignment,
    AutomationStop,
    Conflict,
    ConflictStatus,
    Decision,
    ExclusionReason,
    Label,
    Pilot,
    PrioritySettings,
    Stage,
    Verdict,
    VerdictDecision,
    Vote,
)
from ..services.pilot import MAX_PILOT
from ..services.ranking import PRIORITY_FIELDS


class ScreeningRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["id", *CITATION_FIELDS]


class RecordBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["id", "title", "authors", "year", "journal", "doi"]


class QueueNextSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    record = ScreeningRecordSerializer(
        allow_null=True, help_text="null when nothing is left for you to screen (or while preparing)"
    )
    worklist = serializers.ChoiceField(
        choices=["ready", "preparing"],
        help_text="preparing: your work list is being built (after you joined, or a large import); retry",
    )


class StageQuerySerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.TITLE_ABSTRACT)


class VoteSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    reason_label = serializers.CharField(source="reason.label", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Vote
        fields = [
            "id",
            "record",
            "stage",
            "reviewer",
            "decision",
            "reason",
            "reason_label",
            "note",
            "created_at",
            "updated_at",
        ]


class VoteWriteSerializer(serializers.Serializer):
    record = IdField()
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        default=Stage.TITLE_ABSTRACT,
        help_text="title_abstract (the default, as everywhere in the screening API) or full_text",
    )
    decision = serializers.ChoiceField(
        choices=Decision.choices, help_text="maybe (title/abstract only) counts as include for the verdict"
    )
    reason = IdField(
        required=False,
        allow_null=True,
        help_text="Exclusion reason id: required to exclude at full text (title/abstract: as set)",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class VoteChangeSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = IdField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class VerdictSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    reason_label = serializers.CharField(source="reason.label", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Verdict
        fields = [
            "id",
            "record",
            "stage",
            "decision",
            "method",
            "decided_by",
            "reason",
            "reason_label",
            "note",
            "created_at",
        ]


class VoteOutcomeSerializer(serializers.Serializer):
    vote = VoteSerializer()
    created = serializers.BooleanField()
    changed = serializers.BooleanField()
    record_status = serializers.ChoiceField(
        choices=["awaiting_votes", "conflict", "decided"],
        help_text="awaiting_votes reveals nothing about other votes",
    )
    verdict = VerdictSerializer(allow_null=True)
    conflict = IdField(allow_null=True)


class ConflictSerializer(serializers.ModelSerializer):
    record = RecordBriefSerializer(read_only=True)
    votes = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, default=None)

    class Meta:
        model = Conflict
        fields = [
            "id",
            "record",
            "stage",
            "status",
            "votes",
            "verdict",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]

    def get_votes(self, conflict) -> list[dict]:
        from ..selectors import conflict_votes

        return VoteSerializer(conflict_votes(conflict), many=True).data

    def get_verdict(self, conflict) -> dict | None:
        from ..selectors import conflict_verdict

        verdict = conflict_verdict(conflict)
        return VerdictSerializer(verdict).data if verdict else None


class ConflictResolveSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=VerdictDecision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = IdField(
        required=False,
        allow_null=True,
        help_text="Exclusion reason id: required to exclude at full text (title/abstract: as set)",
    )


class ExclusionReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExclusionReason
        fields = ["id", "stage", "label", "position", "is_active"]
        read_only_fields = ["id"]


class ExclusionReasonsSetSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.FULL_TEXT)
    labels = serializers.ListField(child=serializers.CharField(max_length=300))


class RetrievalSerializer(serializers.ModelSerializer):
    """A report sought for retrieval (included at title/abstract) and what became of its full text."""

    record = serializers.IntegerField(source="id", read_only=True)
    status = serializers.SerializerMethodField()
    file_name = serializers.CharField(source="retrieval.file_name", default="", read_only=True)
    size = serializers.IntegerField(source="retrieval.size", default=0, read_only=True)
    sha256 = serializers.CharField(source="retrieval.sha256", default="", read_only=True)
    url = serializers.CharField(source="retrieval.url", default="", read_only=True)
    not_retrieved_reason = serializers.CharField(
        source="retrieval.not_retrieved_reason", default="", read_only=True
    )
    has_pdf = serializers.SerializerMethodField()
    fulltext_verdict = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = [
            "record",
            "title",
            "year",
            "status",
            "file_name",
            "size",
            "sha256",
            "url",
            "has_pdf",
            "not_retrieved_reason",
            "fulltext_verdict",
        ]

    def _retrieval(self, record):
        return getattr(record, "retrieval", None)  # a missing one-to-one raises an AttributeError subclass

    def get_status(self, record) -> str:
        retrieval = self._retrieval(record)
        return retrieval.status if retrieval else "sought"

    def get_has_pdf(self, record) -> bool:
        retrieval = self._retrieval(record)
        return bool(retrieval and retrieval.file)

    def get_fulltext_verdict(self, record) -> str | None:
        verdicts = getattr(record, "fulltext_verdicts", [])
        return verdicts[0].decision if verdicts else None


class RetrievalAttachSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The report as a PDF", error_messages=API_FILE_ERRORS)


class RetrievalLinkSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)


class RetrievalNotRetrievedSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StudySerializer(serializers.ModelSerializer):
    reports = RecordBriefSerializer(many=True, read_only=True)
    reports_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = Study
        fields = ["id", "label", "registry_ids", "notes", "reports", "reports_total", "created_at"]


class StudyGroupSerializer(serializers.Serializer):
    records = serializers.ListField(
        child=IdField(), allow_empty=False, help_text="Ids of reports included at full text"
    )
    label = serializers.CharField(required=False, allow_blank=True, default="")


class StudyMergeSerializer(serializers.Serializer):
    studies = serializers.ListField(
        child=IdField(), allow_empty=False, help_text="Studies to merge into this one"
    )


class SuggestionSerializer(serializers.Serializer):
    report_ids = serializers.ListField(child=IdField())
    shared = serializers.ListField(child=serializers.CharField(), help_text="The NCT ids / DOIs they share")
    study_ids = serializers.ListField(child=IdField())


class StageFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)


class AgreementSerializer(serializers.Serializer):
    """One entry per stage asked for (`?stage=`), both when none is given."""

    title_abstract = serializers.DictField(required=False)
    full_text = serializers.DictField(required=False)


class ProgressSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    mine = serializers.DictField(allow_null=True, help_text="Your done/remaining (reviewers only)")
    team = serializers.DictField()


def record_status(outcome) -> str:
    if outcome.verdict is not None:
        return "decided"
    if outcome.conflict is not None and outcome.conflict.status == ConflictStatus.OPEN:
        return "conflict"
    return "awaiting_votes"


# --- labels, assignment, pilot rounds (the screening set-up) -------------------------------------


class LabelSerializer(serializers.ModelSerializer):
    records = serializers.SerializerMethodField(
        help_text="Records carrying the label, counting the tags you may see (blinding)"
    )

    class Meta:
        model = Label
        fields = ["id", "name", "position", "is_active", "records"]

    def get_records(self, label) -> int:
        return self.context.get("counts", {}).get(label.pk, 0)


class LabelsSetSerializer(serializers.Serializer):
    names = serializers.ListField(
        child=serializers.CharField(max_length=80, allow_blank=True),
        help_text="The active labels, in this order; labels left out are retired (their tags stay)",
    )


class LabelTagSerializer(serializers.Serializer):
    record = IdField()
    tagged = serializers.BooleanField(
        default=True, help_text="true: put your tag on the record; false: take yours off (idempotent)"
    )


class LabelTagResultSerializer(serializers.Serializer):
    label = IdField()
    record = IdField()
    tagged = serializers.BooleanField()


class AssignmentSerializer(serializers.ModelSerializer):
    reviewer_username = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "stage", "record", "reviewer", "reviewer_username", "assigned_by", "created_at"]


class AssignmentAddSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.TITLE_ABSTRACT)
    reviewers = serializers.ListField(child=IdField(), min_length=1, help_text="User ids of reviewers")
    records = serializers.ListField(
        child=IdField(),
        required=False,
        help_text="Record ids; leave out to assign the records up for the stage matching the filters below",
    )
    label = IdField(required=False, allow_null=True, help_text="Filter: records carrying this label")
    text = serializers.CharField(required=False, allow_blank=True, default="", help_text="Filter: words")
    unassigned_only = serializers.BooleanField(default=False, help_text="Filter: records nobody has yet")


class AssignmentSplitSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.TITLE_ABSTRACT)
    reviewers = serializers.ListField(child=IdField(), min_length=1, help_text="User ids of reviewers")
    seed = serializers.IntegerField(required=False, allow_null=True, help_text="For a repeatable split")


class AssignmentModeSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        help_text="On: reviewers are offered only the records assigned to them"
    )


class AssignmentCountSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    count = serializers.IntegerField(help_text="Assignments (or records) added, split or removed")


class AssignmentSummarySerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    enabled = serializers.BooleanField(help_text="Whether assignment is on for the review")
    reviewers = serializers.ListField(
        child=serializers.DictField(), help_text="[{reviewer, username, assigned}] per reviewer"
    )
    under_assigned = serializers.IntegerField(
        help_text="Records up for the stage with fewer assigned reviewers than the votes they need"
    )


class PilotSerializer(serializers.ModelSerializer):
    started_by = serializers.CharField(source="started_by.username", read_only=True, default=None)
    progress = serializers.SerializerMethodField()
    results_visible = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = Pilot
        fields = [
            "id",
            "stage",
            "size",
            "status",
            "started_by",
            "created_at",
            "closed_at",
            "progress",
            "results_visible",
            "agreement",
        ]

    def get_progress(self, pilot) -> list[dict]:
        return selectors.pilot_progress(pilot)

    def get_results_visible(self, pilot) -> bool:
        return selectors.pilot_results_visible(pilot)

    def get_agreement(self, pilot) -> dict | None:
        """Cohen's kappa per pair and Fleiss' kappa: once the round is closed (at once if not blind)."""
        return selectors.pilot_agreement(pilot) if selectors.pilot_results_visible(pilot) else None


class PilotStartSerializer(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=MAX_PILOT, help_text="Records to draw")
    seed = serializers.IntegerField(required=False, allow_null=True, help_text="For a repeatable draw")


class PilotVoteSerializer(serializers.Serializer):
    record = IdField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PilotVoteResultSerializer(serializers.Serializer):
    pilot = IdField()
    record = IdField()
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField()
    left = serializers.IntegerField(help_text="Records of the round you have not screened yet")


class PilotNextSerializer(serializers.Serializer):
    pilot = IdField()
    record = ScreeningRecordSerializer(allow_null=True, help_text="null when you have screened them all")
    left = serializers.IntegerField()


# --- prioritised screening: the owner's settings, the stopping rule, stop / undo -------------------------


class PrioritySettingsSerializer(serializers.ModelSerializer):
    """The prioritised-screening settings (the defaults until the owner first saves them). PATCH any of the
    writable fields; a field this API does not know is refused, not ignored."""

    saved = serializers.SerializerMethodField(help_text="false while the review uses the defaults")
    training = serializers.SerializerMethodField(
        help_text="Status of the latest training (queued, running, succeeded, failed); null if none yet"
    )
    model_trained_at = serializers.SerializerMethodField(
        help_text="When the model the work lists follow was trained; null while there is none"
    )

    class Meta:
        model = PrioritySettings
        fields = [*PRIORITY_FIELDS, "votes_since_training", "saved", "training", "model_trained_at"]
        read_only_fields = ["votes_since_training"]
        extra_kwargs = {"streak": {"max_value": 2**31 - 1}}  # the column's range on every database

    def validate(self, attrs):
        known = set(self.fields)
        unknown = sorted(str(key) for key in getattr(self, "initial_data", {}) if key not in known)
        if unknown:
            raise serializers.ValidationError(
                {key: ["Not a prioritised-screening setting."] for key in unknown}
            )
        return attrs

    def get_saved(self, row) -> bool:
        return row.pk is not None

    @extend_schema_field(serializers.ChoiceField(choices=JobStatus.choices, allow_null=True))
    def get_training(self, row) -> str | None:
        run = self.context.get("ranking")
        return run.status if run is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_model_trained_at(self, row) -> str | None:
        model = self.context.get("model")
        return serializers.DateTimeField().to_representation(model.finished_at) if model else None


class AutomationStopSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    undone_by = serializers.CharField(
        source="undone_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = AutomationStop
        fields = [
            "id",
            "created_at",
            "created_by",
            "records_count",
            "p_value",
            "recall_estimate",
            "recall_target",
            "confidence",
            "screened",
            "undone_at",
            "undone_by",
        ]
        extra_kwargs = {
            "records_count": {"help_text": "Records nobody had voted on, marked ineligible by automation"},
            "p_value": {"help_text": "The stopping test's p-value when stopped"},
        }


class StoppingSerializer(serializers.Serializer):
    """The stopping panel (selectors.stopping_state): the hypergeometric test on the title/abstract
    screening so far (Callaghan & Müller-Hansen 2020), the "N irrelevant in a row" heuristic beside it."""

    p_value = serializers.FloatField(
        source="test.p_value", help_text="For the hypothesis recall < target; 1.0 before any vote"
    )
    recall_estimate = serializers.FloatField(source="test.recall_estimate")
    recall_lower_bound = serializers.FloatField(
        source="test.recall_lower_bound", help_text="Recall is at least this at the confidence"
    )
    recall_target = serializers.FloatField(source="test.recall_target")
    confidence = serializers.FloatField(source="test.confidence")
    stop_advised = serializers.BooleanField(
        source="test.stop", help_text="p < 1 - confidence: recall below the target is ruled out"
    )
    screened = serializers.IntegerField(source="test.n_seen", help_text="Records with a title/abstract vote")
    relevant = serializers.IntegerField(source="test.r_seen", help_text="Of them, relevant")
    records = serializers.IntegerField(source="test.n_total", help_text="Records the test counts in all")
    unscreened = serializers.IntegerField(help_text="Records nobody has voted on (what a stop would exclude)")
    irrelevant_in_a_row = serializers.IntegerField(source="streak")
    streak_flag = serializers.IntegerField(
        source="settings.streak", help_text="The 'irrelevant in a row' count the owner flags at"
    )
    streak_reached = serializers.BooleanField()
    stop = AutomationStopSerializer(allow_null=True, help_text="The active stop; null while not stopped")
