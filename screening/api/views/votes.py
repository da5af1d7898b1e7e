"""The work list, votes, conflicts and verdicts."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reviewapp.permissions import REVIEWER, can_resolve_conflicts

from ... import selectors
from ...models import Conflict, Verdict, Vote
from ...services import votes as vote_services
from .. import filters, serializers
from ._common import STAGE_PARAM, ScreeningScoped


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
