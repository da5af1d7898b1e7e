"""What every screening API view shares: the review scope and the stage parameter."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import IsAuthenticated

from reviewapp.models import Membership, Review
from reviewapp.permissions import ReviewPermission

from ...models import Stage
from .. import serializers

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
