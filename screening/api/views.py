"""REST API for screening: thin viewsets that read through selectors and write through services."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewapp.models import Membership, Record, Review, Study
from reviewapp.permissions import OWNER, OWNER_OR_REVIEWER, REVIEWER, ReviewPermission, can_resolve_conflicts
from reviewapp.services import studies as study_services

from .. import selectors
from ..models import Assignment, Conflict, ExclusionReason, Label, Pilot, PilotStatus, Stage, Verdict, Vote
from ..offers import settings_of
from ..services import fulltext as fulltext_services
from ..services import pilot as pilot_services
from ..services import ranking as ranking_services
from ..services import setup as setup_services
from ..services import stopping as stopping_services
from ..services import votes as vote_services
from . import filters, serializers

STAGE_PARAM = OpenApiParameter(
    "stage", enum=Stage.values, default=Stage.TITLE_ABSTRACT, description="title_abstract or full_text"
)


class ScreeningScoped:
    """Everything under /reviews/<review_slug>/screening/: membership checked; roles per action."""

    permission_classes = [IsAuthenticated, ReviewPermission]
    review: Review
    member: Membership

    def stage_param(self) -> str:
        data = serializers.StageQuerySerializer(data=self.request.query_params)
        data.is_valid(raise_exception=True)
        return data.validated_data["stage"]


class WorklistViewSet(ScreeningScoped, viewsets.GenericViewSet):
    """The reviewer's screening work list (served at /screening/queue/ for API compatibility)."""

    serializer_class = serializers.QueueNextSerializer
    action_rules = {"next": REVIEWER}
    filter_backends: list = []
    pagination_class = None

    @extend_schema(parameters=[STAGE_PARAM], responses=serializers.QueueNextSerializer)
    @action(detail=False, methods=["get"])
    def next(self, request, review_slug=None):
        """The next record for me at a stage: the review's stable random order (or its relevance ranking),
        records others voted on interleaved with fresh ones per reviewer, so it reveals nobody's votes.
        Never a record I voted on, nor one whose voting is complete. Only reads: `worklist` is
        "preparing" (and `record` null) until my work list's first build is done."""
        stage = self.stage_param()
        record = selectors.next_record(self.review, stage, request.user)
        ready = record is not None or selectors.worklist_ready(self.review, stage, request.user)
        data = {"stage": stage, "record": record, "worklist": "ready" if ready else "preparing"}
        return Response(self.get_serializer(data).data)


class VoteViewSet(ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Votes: yours, and (while the review is blind) others' only on records whose voting is complete."""

    queryset = Vote.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.VoteSerializer
    filterset_class = filters.VoteFilter
    ordering_fields = ["id", "updated_at"]
    action_rules = {"create": REVIEWER, "partial_update": REVIEWER, "destroy": REVIEWER, "undo": REVIEWER}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.votes_visible_to(self.review, self.member)

    def _outcome(self, outcome, created_status=status.HTTP_201_CREATED):
        data = {
            "vote": outcome.vote,
            "created": outcome.created,
            "changed": outcome.changed,
            "record_status": serializers.record_status(outcome),
            "verdict": outcome.verdict,
            "conflict": outcome.conflict.pk if outcome.conflict else None,
        }
        code = created_status if outcome.created else status.HTTP_200_OK
        return Response(serializers.VoteOutcomeSerializer(data).data, status=code)

    @extend_schema(
        request=serializers.VoteWriteSerializer,
        responses={201: serializers.VoteOutcomeSerializer, 200: serializers.VoteOutcomeSerializer},
    )
    def create(self, request, review_slug=None):
        """Cast a vote, or change yours on that record (201 when new, 200 when changed or repeated)."""
        data = serializers.VoteWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        outcome = vote_services.vote_cast(
            review=self.review,
            actor=request.user,
            record_id=values["record"],
            stage=values["stage"],
            decision=values["decision"],
            reason=values.get("reason"),
            note=values["note"],
        )
        return self._outcome(outcome)

    @extend_schema(request=serializers.VoteChangeSerializer, responses=serializers.VoteOutcomeSerializer)
    def partial_update(self, request, review_slug=None, pk=None):
        """Change your vote (the earlier one is kept in the history)."""
        vote = get_object_or_404(self.get_queryset().filter(reviewer=request.user), pk=pk)
        data = serializers.VoteChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        outcome = vote_services.vote_cast(
            review=self.review,
            actor=request.user,
            record_id=vote.record_id,
            stage=vote.stage,
            decision=values["decision"],
            reason=values.get("reason"),
            note=values["note"],
        )
        return self._outcome(outcome)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, review_slug=None, pk=None):
        """Undo your vote: the record is offered again; the vote stays in the history."""
        vote = get_object_or_404(self.get_queryset().filter(reviewer=request.user), pk=pk)
        vote_services.vote_retract(review=self.review, actor=request.user, vote_id=vote.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=serializers.StageQuerySerializer, responses=serializers.ScreeningRecordSerializer)
    @action(detail=False, methods=["post"])
    def undo(self, request, review_slug=None):
        """Undo your most recent vote at a stage; answers the record, to be screened again."""
        data = serializers.StageQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = vote_services.vote_undo_last(
            review=self.review, actor=request.user, stage=data.validated_data["stage"]
        )
        return Response(
            serializers.ScreeningRecordSerializer(
                selectors.screening_records(self.review).get(pk=record.pk)
            ).data
        )


class ConflictViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Records whose votes disagree, with both votes, notes and reasons; the arbiter resolves them."""

    queryset = Conflict.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.ConflictSerializer
    filterset_class = filters.ConflictFilter
    ordering_fields = ["id", "created_at"]
    action_rules = {"resolve": can_resolve_conflicts}

    def get_queryset(self):
        return selectors.conflicts_of(self.review)

    @extend_schema(request=serializers.ConflictResolveSerializer, responses=serializers.ConflictSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, review_slug=None, pk=None):
        data = serializers.ConflictResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote_services.conflict_resolve(conflict=self.get_object(), actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


class VerdictViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Stage decisions and how they were reached (agreement, consensus, arbitration)."""

    queryset = Verdict.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.VerdictSerializer
    filterset_class = filters.VerdictFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return selectors.verdicts_of(self.review)


class ExclusionReasonViewSet(
    ScreeningScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The review's exclusion reasons (the owner configures them; used ones are deactivated, not deleted)."""

    queryset = ExclusionReason.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.ExclusionReasonSerializer
    filterset_class = filters.ExclusionReasonFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.exclusion_reasons_of(self.review, stage=None, active_only=False)

    def perform_create(self, serializer):
        serializer.instance = fulltext_services.exclusion_reason_create(
            review=self.review,
            actor=self.request.user,
            label=serializer.validated_data["label"],
            stage=serializer.validated_data.get("stage", Stage.FULL_TEXT),
        )

    def perform_update(self, serializer):
        values = {
            k: v for k, v in serializer.validated_data.items() if k in ("label", "is_active", "position")
        }
        fulltext_services.exclusion_reason_update(
            reason=serializer.instance, actor=self.request.user, **values
        )

    def perform_destroy(self, instance):
        fulltext_services.exclusion_reason_update(reason=instance, actor=self.request.user, is_active=False)

    @extend_schema(
        request=serializers.ExclusionReasonsSetSerializer,
        responses=serializers.ExclusionReasonSerializer(many=True),
    )
    @action(detail=False, methods=["post"], url_path="set", pagination_class=None, filter_backends=[])
    def set_list(self, request, review_slug=None):
        """Make these labels the active reasons, in this order."""
        data = serializers.ExclusionReasonsSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reasons = fulltext_services.exclusion_reasons_set(
            review=self.review, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(reasons, many=True).data)


class RetrievalViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Reports sought for retrieval (included at title/abstract), by record id; attach a PDF, link, or
    mark not retrieved."""

    queryset = Record.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.RetrievalSerializer
    filterset_class = filters.RetrievalFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    action_rules = {
        "attach": OWNER_OR_REVIEWER,
        "link": OWNER_OR_REVIEWER,
        "not_retrieved": OWNER_OR_REVIEWER,
    }
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.sought_reports(self.review)

    def _answer(self, pk):
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        request={"multipart/form-data": serializers.RetrievalAttachSerializer},
        responses=serializers.RetrievalSerializer,
    )
    @action(detail=True, methods=["post"])
    def attach(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalAttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_attach_pdf(
            review=self.review, actor=request.user, record_id=int(pk), upload=data.validated_data["file"]
        )
        return self._answer(pk)

    @extend_schema(request=serializers.RetrievalLinkSerializer, responses=serializers.RetrievalSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_link(
            review=self.review, actor=request.user, record_id=int(pk), url=data.validated_data["url"]
        )
        return self._answer(pk)

    @extend_schema(
        request=serializers.RetrievalNotRetrievedSerializer, responses=serializers.RetrievalSerializer
    )
    @action(detail=True, methods=["post"], url_path="not-retrieved")
    def not_retrieved(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalNotRetrievedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_not_retrieved(
            review=self.review, actor=request.user, record_id=int(pk), reason=data.validated_data["reason"]
        )
        return self._answer(pk)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, review_slug=None, pk=None):
        """The stored PDF (members only)."""
        return pdf_response(self.review, int(pk))


def pdf_response(review: Review, record_id: int) -> FileResponse:
    retrieval = selectors.retrieval_of(review, record_id)
    if retrieval is None or not retrieval.file:
        raise Http404("No PDF for this record.")
    response = FileResponse(retrieval.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="record-{record_id}.pdf"'
    response["Cache-Control"] = "private, max-age=300"
    return response


class StudyViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Studies and their reports; group reports, merge and split studies; suggestions from shared ids."""

    queryset = Study.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.StudySerializer
    filterset_class = filters.StudyFilter
    ordering_fields = ["label", "created_at"]
    action_rules = {"create": OWNER_OR_REVIEWER, "merge": OWNER_OR_REVIEWER, "split": OWNER_OR_REVIEWER}

    def get_queryset(self):
        return selectors.studies_of(self.review)

    def _answer(self, study, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=study.pk)).data, status=code)

    @extend_schema(request=serializers.StudyGroupSerializer, responses={201: serializers.StudySerializer})
    def create(self, request, review_slug=None):
        """Group reports into one study: a new one, the one some of them are in, or their studies merged."""
        data = serializers.StudyGroupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_group(
            review=self.review,
            actor=request.user,
            record_ids=data.validated_data["records"],
            label=data.validated_data["label"],
        )
        return self._answer(study, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.StudyMergeSerializer, responses=serializers.StudySerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, review_slug=None, pk=None):
        data = serializers.StudyMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_merge(
            review=self.review,
            actor=request.user,
            target_id=self.get_object().pk,
            other_ids=data.validated_data["studies"],
        )
        return self._answer(study)

    @extend_schema(request=serializers.StudyGroupSerializer, responses={201: serializers.StudySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, review_slug=None, pk=None):
        """Move some reports of this study into a new study."""
        data = serializers.StudyGroupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_split(
            review=self.review,
            actor=request.user,
            study_id=self.get_object().pk,
            record_ids=data.validated_data["records"],
            label=data.validated_data["label"],
        )
        return self._answer(study, status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.SuggestionSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[])
    def suggestions(self, request, review_slug=None):
        """Included reports that share an NCT (or other registry) id or a DOI and are not yet one study."""
        page = self.paginate_queryset(selectors.study_suggestions(self.review))
        return self.get_paginated_response(serializers.SuggestionSerializer(page, many=True).data)


class LabelViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The review's label set (the owner sets it; retired labels keep their tags) and your tags on records.
    Tags are blinded like votes: others' show only on records whose title/abstract voting is complete."""

    queryset = Label.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.LabelSerializer
    filterset_class = filters.LabelFilter
    action_rules = {"set_list": OWNER, "tag": OWNER_OR_REVIEWER}

    def get_queryset(self):
        return selectors.labels_of(self.review, active_only=False).order_by("-is_active", "position", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "review", None) is not None:
            context["counts"] = selectors.label_counts(self.review, self.request.user)
        return context

    @extend_schema(request=serializers.LabelsSetSerializer, responses=serializers.LabelSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="set", pagination_class=None, filter_backends=[])
    def set_list(self, request, review_slug=None):
        """Make these names the active labels, in this order (the others are retired, their tags kept)."""
        data = serializers.LabelsSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labels = setup_services.labels_set(
            review=self.review, actor=request.user, names=data.validated_data["names"]
        )
        return Response(self.get_serializer(labels, many=True).data)

    @extend_schema(request=serializers.LabelTagSerializer, responses=serializers.LabelTagResultSerializer)
    @action(detail=True, methods=["post"])
    def tag(self, request, review_slug=None, pk=None):
        """Put your tag with this label on a record (`tagged: true`, the default) or take it off."""
        label = self.get_object()
        data = serializers.LabelTagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tagged = setup_services.record_label_set(
            review=self.review,
            actor=request.user,
            record_id=data.validated_data["record"],
            label_id=label.pk,
            tagged=data.validated_data["tagged"],
        )
        body = {"label": label.pk, "record": data.validated_data["record"], "tagged": tagged}
        return Response(serializers.LabelTagResultSerializer(body).data)

    @extend_schema(responses=serializers.ScreeningRecordSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def records(self, request, review_slug=None, pk=None):
        """Records carrying this label, in the tags you may see."""
        label = self.get_object()
        page = self.paginate_queryset(selectors.records_labelled(self.review, request.user, label.pk))
        return self.get_paginated_response(serializers.ScreeningRecordSerializer(page, many=True).data)


class AssignmentViewSet(ScreeningScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who screens which records (while assignment is on, reviewers are offered only their records).
    The owner assigns records (by id or by the set-up page's filters), splits the unassigned ones among
    reviewers, clears a stage, and turns assignment on or off."""

    queryset = Assignment.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.AssignmentSerializer
    filterset_class = filters.AssignmentFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return Assignment.objects.filter(review=self.review).select_related("reviewer").order_by("id")

    def _count(self, stage, count, code=status.HTTP_200_OK):
        return Response(
            serializers.AssignmentCountSerializer({"stage": stage, "count": count}).data, status=code
        )

    @extend_schema(
        request=serializers.AssignmentAddSerializer, responses={201: serializers.AssignmentCountSerializer}
    )
    def create(self, request, review_slug=None):
        """Assign every one of the records to every one of the reviewers; `count`: the new assignments."""
        data = serializers.AssignmentAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        records = values.get("records")
        if records is None:
            records = selectors.records_matching(
                self.review,
                request.user,
                stage=values["stage"],
                label_id=values.get("label"),
                text=values["text"],
                unassigned_only=values["unassigned_only"],
            ).values_list("pk", flat=True)
        added = setup_services.assignment_add(
            review=self.review,
            actor=request.user,
            stage=values["stage"],
            record_ids=records,
            reviewer_ids=values["reviewers"],
        )
        return self._count(values["stage"], added, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.AssignmentSplitSerializer, responses=serializers.AssignmentCountSerializer
    )
    @action(detail=False, methods=["post"])
    def split(self, request, review_slug=None):
        """Split the records nobody is assigned to at random among the reviewers, N per record (the votes
        each record needs); `count`: the records assigned."""
        data = serializers.AssignmentSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        count = setup_services.assignment_split(
            review=self.review,
            actor=request.user,
            stage=values["stage"],
            reviewer_ids=values["reviewers"],
            seed=values.get("seed"),
        )
        return self._count(values["stage"], count)

    @extend_schema(request=serializers.StageQuerySerializer, responses=serializers.AssignmentCountSerializer)
    @action(detail=False, methods=["post"])
    def clear(self, request, review_slug=None):
        """Remove every assignment at a stage (votes already cast stay); `count`: those removed."""
        data = serializers.StageQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = data.validated_data["stage"]
        removed = setup_services.assignment_clear(review=self.review, actor=request.user, stage=stage)
        return self._count(stage, removed)

    def _summary(self, stage):
        counts = selectors.assignment_counts(self.review, stage)
        reviewers = (
            Membership.objects.filter(review=self.review, is_reviewer=True)
            .select_related("user")
            .order_by("user__username")
        )
        enabled = settings_of(self.review).assignment
        body = {
            "stage": stage,
            "enabled": enabled,
            "reviewers": [
                {"reviewer": m.user_id, "username": m.user.username, "assigned": counts.get(m.user_id, 0)}
                for m in reviewers
            ],
            "under_assigned": selectors.under_assigned(self.review, stage) if enabled else 0,
        }
        return Response(serializers.AssignmentSummarySerializer(body).data)

    @extend_schema(parameters=[STAGE_PARAM], responses=serializers.AssignmentSummarySerializer, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request, review_slug=None):
        """Whether assignment is on, and per reviewer how many records they are assigned at a stage."""
        return self._summary(self.stage_param())

    @extend_schema(
        request=serializers.AssignmentModeSerializer, responses=serializers.AssignmentSummarySerializer
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def mode(self, request, review_slug=None):
        """Turn assignment on (reviewers are offered only their records) or off; answers the summary."""
        data = serializers.AssignmentModeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        setup_services.screening_settings_update(
            review=self.review, actor=request.user, assignment=data.validated_data["enabled"]
        )
        return self._summary(Stage.TITLE_ABSTRACT)


class PilotViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pilot (calibration) rounds: the owner draws N records that every reviewer screens for practice
    (pilot votes never count); the round's agreement shows once it is closed (at once if not blind)."""

    queryset = Pilot.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.PilotSerializer
    filterset_class = filters.PilotFilter
    ordering_fields = ["id", "created_at"]
    action_rules = {"next": REVIEWER, "vote": REVIEWER}

    def get_queryset(self):
        return selectors.pilots_of(self.review)

    @extend_schema(request=serializers.PilotStartSerializer, responses={201: serializers.PilotSerializer})
    def create(self, request, review_slug=None):
        """Start a round: `size` random records with no votes yet (one round open at a time)."""
        data = serializers.PilotStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pilot = pilot_services.pilot_start(review=self.review, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(pilot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.PilotSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, review_slug=None, pk=None):
        """Close the round: its records go back to the work lists; its agreement is shown."""
        pilot = pilot_services.pilot_close(pilot=self.get_object(), actor=request.user)
        return Response(self.get_serializer(pilot).data)

    def _left(self, pilot) -> int:
        return (
            selectors.pilot_left_for(self.review, self.request.user)
            if pilot.status == PilotStatus.OPEN
            else 0
        )

    @extend_schema(responses=serializers.PilotNextSerializer, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def next(self, request, review_slug=None, pk=None):
        """The next record of the round for you (null once you have screened them all or it is closed)."""
        pilot = self.get_object()
        record = (
            selectors.pilot_next_record(pilot, request.user) if pilot.status == PilotStatus.OPEN else None
        )
        body = {"pilot": pilot.pk, "record": record, "left": self._left(pilot)}
        return Response(serializers.PilotNextSerializer(body).data)

    @extend_schema(request=serializers.PilotVoteSerializer, responses=serializers.PilotVoteResultSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request, review_slug=None, pk=None):
        """Your practice vote on one of the round's records (changeable while the round is open)."""
        pilot = self.get_object()
        data = serializers.PilotVoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        vote = pilot_services.pilot_vote_cast(
            pilot=pilot,
            actor=request.user,
            record_id=values["record"],
            decision=values["decision"],
            note=values["note"],
        )
        body = {
            "pilot": pilot.pk,
            "record": vote.record_id,
            "decision": vote.decision,
            "note": vote.note,
            "left": self._left(pilot),
        }
        return Response(serializers.PilotVoteResultSerializer(body).data)


class AgreementView(ScreeningScoped, APIView):
    """Inter-rater agreement per stage (only records whose voting is complete count)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "stage", enum=Stage.values, required=False, description="Only this stage (default: both)"
            )
        ],
        responses=serializers.AgreementSerializer,
    )
    def get(self, request, review_slug=None):
        data = serializers.StageFilterSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        stage = data.validated_data.get("stage")
        return Response(selectors.agreement(self.review, [stage] if stage else None))


class ProgressView(ScreeningScoped, APIView):
    """My progress (reviewers) and the team's. (The PRISMA 2020 counts: /api/v1/reviews/<slug>/prisma/.)"""

    @extend_schema(parameters=[STAGE_PARAM], responses=serializers.ProgressSerializer)
    def get(self, request, review_slug=None):
        stage = self.stage_param()
        mine, team = selectors.progress_of(self.review, stage, request.user, self.member)
        return Response({"stage": stage, "mine": mine, "team": team})


# --- prioritised screening: settings, the stopping rule, the owner's stop / undo ------------------------


class PriorityView(ScreeningScoped, APIView):
    """Prioritised title/abstract screening: ranking by predicted relevance on or off, retrain every K
    votes, the stopping test's recall target and confidence, the "irrelevant in a row" flag. Any member
    reads them; the owner changes them (turning ranking on queues a first training; off puts the work
    lists back in the stable random order)."""

    def _answer(self, row):
        context = {
            "ranking": selectors.latest_ranking(self.review),
            "model": selectors.current_model(self.review),
        }
        return Response(serializers.PrioritySettingsSerializer(row, context=context).data)

    @extend_schema(responses=serializers.PrioritySettingsSerializer)
    def get(self, request, review_slug=None):
        return self._answer(selectors.priority_settings(self.review))

    @extend_schema(
        request=serializers.PrioritySettingsSerializer, responses=serializers.PrioritySettingsSerializer
    )
    def patch(self, request, review_slug=None):
        """Change some settings (the others keep their values); 400 names each bad field."""
        current = selectors.priority_settings(self.review)
        data = serializers.PrioritySettingsSerializer(current, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        row = ranking_services.priority_settings_update(
            review=self.review, actor=request.user, **data.validated_data
        )
        return self._answer(row)


class StoppingView(ScreeningScoped, APIView):
    """When to stop title/abstract screening: the live statistics of the stopping panel, and the active
    stop if the owner stopped. Only reads."""

    @extend_schema(responses=serializers.StoppingSerializer)
    def get(self, request, review_slug=None):
        return Response(serializers.StoppingSerializer(selectors.stopping_state(self.review)).data)


class StopView(ScreeningScoped, APIView):
    """The owner stops title/abstract screening: every record nobody has voted on is marked ineligible by
    automation tools (its own PRISMA box); records with a vote still get all their votes. 400 while
    screening is already stopped or nothing is left unscreened (nothing changes)."""

    @extend_schema(request=None, responses={201: serializers.AutomationStopSerializer})
    def post(self, request, review_slug=None):
        stop = stopping_services.screening_stop(review=self.review, actor=request.user)
        return Response(serializers.AutomationStopSerializer(stop).data, status=status.HTTP_201_CREATED)


class StopUndoView(ScreeningScoped, APIView):
    """The owner undoes the active stop: its records go back into screening and the work lists. 400 when
    screening is not stopped (nothing changes)."""

    @extend_schema(request=None, responses=serializers.AutomationStopSerializer)
    def post(self, request, review_slug=None):
        stop = stopping_services.screening_stop_undo(review=self.review, actor=request.user)
        return Response(serializers.AutomationStopSerializer(stop).data)
