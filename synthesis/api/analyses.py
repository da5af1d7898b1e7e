"""REST API for analyses and their runs (thin: selectors read, services write).

/api/v1/reviews/<slug>/analyses/          CRUD (owners write, members read); POST .../{id}/exclusions/;
                                          GET .../{id}/inputs/ (the studies the next run would use)
/api/v1/reviews/<slug>/analysis-runs/     POST {analysis, kind} starts a run -> 202 with its id; GET polls
                                          status/progress; GET .../{id}/results/ the results JSON
Non-members get 404, members without the owner role 403 on writes (reviewapp.permissions.ReviewPermission).
"""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from extraction.models import OutcomeMeasure
from reviewapp.models import Role
from reviewapp.permissions import ReviewPermission

from .. import selectors, services
from ..models import Analysis, AnalysisRun, JobStatus, RunKind

OWNER = (Role.OWNER,)


class AnalysisSerializer(serializers.ModelSerializer):
    outcome = serializers.PrimaryKeyRelatedField(queryset=OutcomeMeasure.objects.all())
    exclusions = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = ["id", *services.FIELDS, "exclusions", "created_at", "updated_at"]
        read_only_fields = ["id", "exclusions", "created_at", "updated_at"]

    def get_exclusions(self, analysis) -> list[dict]:
        return [
            {"study": e.study_id, "label": e.study.label, "reason": e.reason}
            for e in analysis.exclusions.all()
        ]


class ExclusionSerializer(serializers.Serializer):
    study = serializers.IntegerField()
    reason = serializers.CharField(
        allow_blank=True, max_length=300, help_text="Blank includes the study again"
    )


class RunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisRun
        fields = [
            "id",
            "analysis",
            "kind",
            "status",
            "progress",
            "error",
            "attempts",
            "engine_version",
            "fingerprint",
            "stale",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, run) -> dict:
        return selectors.run_progress(run)

    def get_stale(self, run) -> bool | None:
        current = self.context.get("current")
        return None if current is None else selectors.is_stale(run, current)


class RunStartSerializer(serializers.Serializer):
    analysis = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RunKind.choices, default=RunKind.PRIMARY)


class AnalysisFilter(django_filters.FilterSet):
    class Meta:
        model = Analysis
        fields = ["outcome", "measure", "model", "time_point"]


class RunFilter(django_filters.FilterSet):
    class Meta:
        model = AnalysisRun
        fields = ["analysis", "kind", "status"]


class Scoped:
    permission_classes = [IsAuthenticated, ReviewPermission]


class AnalysisViewSet(Scoped, viewsets.ModelViewSet):
    serializer_class = AnalysisSerializer
    filterset_class = AnalysisFilter
    ordering_fields = ["title", "id", "created_at"]
    queryset = Analysis.objects.none()
    action_rules = {"exclusions": OWNER}

    def get_queryset(self):
        return selectors.analyses_of(self.review).prefetch_related("exclusions__study")

    def perform_create(self, serializer):
        serializer.instance = services.analysis_create(
            review=self.review, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.analysis_update(
            analysis=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.analysis_delete(analysis=instance, actor=self.request.user)

    @extend_schema(request=ExclusionSerializer, responses={200: AnalysisSerializer})
    @action(detail=True, methods=["post"])
    def exclusions(self, request, review_slug=None, pk=None):
        analysis = self.get_object()
        data = ExclusionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.analysis_exclusion_set(
            analysis=analysis,
            actor=request.user,
            study_id=data.validated_data["study"],
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=analysis.pk)).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def inputs(self, request, review_slug=None, pk=None):
        current = selectors.current_inputs(self.get_object())
        return Response({"fingerprint": current.fingerprint, "studies": current.inputs})


class AnalysisRunViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer
    filterset_class = RunFilter
    ordering_fields = ["created_at", "id"]
    queryset = AnalysisRun.objects.none()
    action_rules = {"create": OWNER}

    def get_queryset(self):
        return selectors.runs_of(self.review).defer("forest_svg", "funnel_svg", "inputs", "results")

    @extend_schema(request=RunStartSerializer, responses={202: RunSerializer})
    def create(self, request, review_slug=None):
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        analysis = get_object_or_404(Analysis, review=self.review, pk=data.validated_data["analysis"])
        run = services.analysis_run_start(
            analysis=analysis, actor=request.user, kind=data.validated_data["kind"]
        )
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def results(self, request, review_slug=None, pk=None):
        run = get_object_or_404(selectors.runs_of(self.review), pk=pk)
        if run.status != JobStatus.SUCCEEDED:
            raise ValidationError(
                {"detail": [f"The run is {run.status}; results exist once it has succeeded."]}
            )
        current = selectors.current_inputs(run.analysis, run.kind)
        return Response(
            {
                "run": run.pk,
                "analysis": run.analysis_id,
                "kind": run.kind,
                "engine_version": run.engine_version,
                "fingerprint": run.fingerprint,
                "stale": selectors.is_stale(run, current),
                "definition": run.definition,
                "inputs": run.inputs,
                "results": run.results,
            }
        )
