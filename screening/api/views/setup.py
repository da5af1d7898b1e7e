"""Screening set-up: labels, assignments, pilot rounds."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from reviewapp.models import Membership
from reviewapp.permissions import OWNER, OWNER_OR_REVIEWER, REVIEWER

from ... import selectors
from ...models import Assignment, Label, Pilot, PilotStatus, Stage
from ...offers import settings_of
from ...services import pilot as pilot_services
from ...services import setup as setup_services
from .. import filters, serializers
from ._common import STAGE_PARAM, ScreeningScoped


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
