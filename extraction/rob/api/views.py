"""REST API for risk of bias: thin viewsets over the selectors (reads) and services (writes)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from reviewapp.models import Membership, Review, Role
from reviewapp.permissions import REVIEWER, ReviewPermission, can_resolve_conflicts

from .. import selectors, services
from ..models import Assessment, ConsensusAssessment, Effect, RobItem, ToolKey
from ..tools import RobError, get_tool
from . import filters, serializers

READERS = selectors.ASSESSMENT_READERS
MEMBERS = tuple(Role.values)


class RobScoped:
    """Everything under /reviews/<review_slug>/risk-of-bias/: membership checked; roles per action."""

    permission_classes = [IsAuthenticated, ReviewPermission]
    review: Review
    member: Membership


class ToolViewSet(RobScoped, viewsets.ViewSet):
    """The risk-of-bias tools as data: domains, signalling questions with their conditions, levels."""

    serializer_class = serializers.ToolSerializer
    lookup_field = "key"
    lookup_value_regex = "rob2|robins_i|syrcle"

    def _one(self, key: str, effect: str) -> dict:
        return {"key": key, "effect": effect, "definition": get_tool(key, effect=effect).describe()}

    @extend_schema(responses=serializers.ToolSerializer(many=True))
    def list(self, request, review_slug=None):
        rows = [self._one(ToolKey.SYRCLE, Effect.ASSIGNMENT)]
        rows[:0] = [self._one(k, e) for k in (ToolKey.ROB2, ToolKey.ROBINS_I) for e in Effect.values]
        return Response(serializers.ToolSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("effect", enum=Effect.values, default=Effect.ASSIGNMENT)],
        responses=serializers.ToolSerializer,
    )
    def retrieve(self, request, review_slug=None, key=None):
        effect = request.query_params.get("effect", Effect.ASSIGNMENT)
        if effect not in Effect.values:
            raise ValidationError({"effect": [f"Choose one of {', '.join(Effect.values)}."]})
        return Response(serializers.ToolSerializer(self._one(key, effect)).data)


class ItemViewSet(RobScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What is assessed (study or result, tool, effect) and its status."""

    queryset = RobItem.objects.none()
    serializer_class = serializers.ItemSerializer
    filterset_class = filters.ItemFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return (
            RobItem.objects.filter(review=self.review)
            .select_related("study", "consensus", "conflict")
            .order_by("id")
        )


class AssessmentViewSet(RobScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assessments: yours (drafts too), and others' submitted ones once an item is complete (if blind).
    Reviewers assess; owners and arbiters read; viewers read the consensus only."""

    queryset = Assessment.objects.none()
    serializer_class = serializers.AssessmentSerializer
    filterset_class = filters.AssessmentFilter
    ordering_fields = ["id", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_rules = {
        "list": READERS,
        "retrieve": READERS,
        "create": REVIEWER,
        "partial_update": REVIEWER,
        "destroy": REVIEWER,
        "submit": REVIEWER,
        "reopen": REVIEWER,
    }

    def get_queryset(self):
        return selectors.assessments_visible_to(self.review, self.member)

    def _mine(self, pk) -> Assessment:
        return get_object_or_404(self.get_queryset().filter(assessor=self.request.user), pk=pk)

    def _answer(self, assessment: Assessment, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=assessment.pk)
        return Response(serializers.AssessmentSerializer(fresh).data, status=code)

    @extend_schema(
        request=serializers.AssessmentStartSerializer, responses={201: serializers.AssessmentSerializer}
    )
    def create(self, request, review_slug=None):
        """Start (or get back) your assessment of a study -- for RoB 2 of one result -- with a tool."""
        data = serializers.AssessmentStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        assessment = services.assessment_start(
            review=self.review,
            actor=request.user,
            study_id=v["study"],
            tool=v["tool"],
            effect=v["effect"],
            outcome_label=v["outcome_label"],
            timepoint=v["timepoint"],
            outcome_id=v["outcome"],
        )
        return self._answer(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.AssessmentChangeSerializer, responses=serializers.AssessmentSerializer)
    def partial_update(self, request, review_slug=None, pk=None):
        """Answer questions, give support text, judge domains and the overall (a draft only)."""
        assessment = self._mine(pk)
        data = serializers.AssessmentChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_save(
            review=self.review, actor=request.user, assessment_id=assessment.pk, **data.validated_data
        )
        return self._answer(assessment)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, review_slug=None, pk=None):
        """Withdraw your assessment (it is kept as a revision)."""
        services.assessment_retract(review=self.review, actor=request.user, assessment_id=self._mine(pk).pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, review_slug=None, pk=None):
        """Submit: with N submitted, equal assessments agree and different ones open a conflict."""
        assessment = services.assessment_submit(
            review=self.review, actor=request.user, assessment_id=self._mine(pk).pk
        )
        return self._answer(assessment)

    @extend_schema(request=None, responses=serializers.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, review_slug=None, pk=None):
        """Back to draft (withdraws an agreement)."""
        assessment = services.assessment_reopen(
            review=self.review, actor=request.user, assessment_id=self._mine(pk).pk
        )
        return self._answer(assessment)


def proposal_data(tool, answers: dict, judgements: dict) -> dict:
    """What the tool proposes for answers (and the overall from the domain levels); nothing is saved."""
    domains, levels = [], {}
    for d in tool.domains:
        given = {q: a for q, a in (answers.get(d.key) or {}).items() if a}
        p = tool.propose_domain(d.key, given)
        visible = [q.id for q in tool.visible_questions(d.key, given)]
        own = (judgements.get(d.key) or "").strip()
        level = tool.parse_judgement(own, d.key) if own else p.judgement
        if level:
            levels[d.key] = level
        domains.append(
            {
                "domain": d.key,
                "label": d.label,
                "judgement": p.judgement,
                "reasons": list(p.reasons),
                "needs_judgement": p.needs_judgement,
                "alternatives": list(p.alternatives),
                "missing": list(p.missing),
                "visible": visible,
            }
        )
    overall, reasons = None, []
    if tool.has_overall:
        o = tool.propose_overall(levels)
        overall, reasons = o.judgement, list(o.reasons)
    return {"domains": domains, "overall": overall, "overall_reasons": reasons}


class ProposalViewSet(RobScoped, viewsets.GenericViewSet):
    """The tool's proposals for a set of answers, without saving anything (the live form uses the same)."""

    serializer_class = serializers.ProposalSerializer
    action_rules = {"create": MEMBERS}
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        request=serializers.ProposalRequestSerializer, responses={200: serializers.ProposalSerializer}
    )
    def create(self, request, review_slug=None):
        data = serializers.ProposalRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        tool = get_tool(v["tool"], effect=v["effect"])
        try:
            for key in list(v["answers"]) + list(v["judgements"]):
                tool.domain(key)
            result = proposal_data(tool, v["answers"], v["judgements"])
        except RobError as exc:
            raise ValidationError({"answers": [str(exc)]}) from None
        return Response(serializers.ProposalSerializer(result).data)


class ComparisonViewSet(RobScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Two (or N) submitted assessments of an item side by side, domain by domain and question by question
    (an item's id; only items whose assessments you may all see)."""

    queryset = RobItem.objects.none()
    serializer_class = serializers.ComparisonSerializer
    filterset_class = filters.ItemFilter
    action_rules = {"list": READERS, "retrieve": READERS}
    ordering_fields = ["id"]

    def get_queryset(self):
        return (
            RobItem.objects.filter(review=self.review)
            .select_related("study", "consensus", "conflict")
            .order_by("id")
        )

    def _comparison(self, item: RobItem) -> dict | None:
        visible = [
            a
            for a in selectors.assessments_visible_to(self.review, self.member).filter(item=item)
            if a.is_submitted
        ]
        if len(visible) < 2:
            return None
        c = selectors.compare(item, visible)
        return {
            "item": item,
            "assessors": [a.assessor.username for a in c.assessments],
            "domains": [
                {
                    "key": d.key,
                    "label": d.label,
                    "name": d.name,
                    "judgements": d.judgements,
                    "reasons": d.reasons,
                    "differs": d.differs,
                    "questions": [
                        {"id": q.id, "text": q.text, "answers": q.answers, "differs": q.differs}
                        for q in d.questions
                    ],
                }
                for d in c.domains
            ],
            "overall": c.overall,
            "overall_differs": c.overall_differs,
            "differing": c.differing,
        }

    def list(self, request, review_slug=None):
        items = self.filter_queryset(self.get_queryset()).filter(assessments__status="submitted").distinct()
        page = self.paginate_queryset(items)
        rows = [c for c in (self._comparison(i) for i in page) if c]
        return self.get_paginated_response(serializers.ComparisonSerializer(rows, many=True).data)

    def retrieve(self, request, review_slug=None, pk=None):
        found = self._comparison(get_object_or_404(self.get_queryset(), pk=pk))
        if found is None:
            raise ValidationError(
                {"detail": ["This item has fewer than two submitted assessments you may see."]}
            )
        return Response(serializers.ComparisonSerializer(found).data)


class ConsensusViewSet(RobScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Settled assessments (every member reads them); the arbiter -- or the owner, if the review allows --
    settles a conflict with POST."""

    queryset = ConsensusAssessment.objects.none()
    serializer_class = serializers.ConsensusSerializer
    filterset_class = filters.ConsensusFilter
    ordering_fields = ["id", "created_at"]
    action_rules = {"create": can_resolve_conflicts}

    def get_queryset(self):
        return selectors.consensus_of(self.review)

    @extend_schema(
        request=serializers.ConsensusSettleSerializer, responses={201: serializers.ConsensusSerializer}
    )
    def create(self, request, review_slug=None):
        data = serializers.ConsensusSettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        consensus = services.consensus_settle(
            review=self.review,
            actor=request.user,
            item_id=v["item"],
            domains=v["domains"],
            overall=v["overall"],
            overall_reason=v["overall_reason"],
            note=v["note"],
        )
        return Response(
            serializers.ConsensusSerializer(self.get_queryset().get(pk=consensus.pk)).data,
            status=status.HTTP_201_CREATED,
        )
