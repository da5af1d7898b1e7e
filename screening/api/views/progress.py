"""Agreement, progress, and prioritised screening (ranking settings, the stopping rule, stop / undo)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import selectors
from ...models import Stage
from ...services import ranking as ranking_services
from ...services import stopping as stopping_services
from .. import serializers
from ._common import STAGE_PARAM, ScreeningScoped


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
