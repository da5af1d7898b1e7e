"""REST: the live PRISMA 2020 counts of a review and the records of one box (members only)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from reviewapp.api.serializers import RecordSerializer
from reviewapp.models import Membership, Record, Review
from reviewapp.permissions import ReviewPermission
from reviewapp.selectors import rounds_of

from .. import prisma_selectors as selectors

ROUND_PARAM = OpenApiParameter(
    "round",
    int,
    description="One round of searching; 2 or more: an update, in the template for updated reviews",
)
BOX_PARAM = OpenApiParameter(
    "box",
    str,
    description="A box of the diagram: duplicates, records_excluded, dbr_excluded-reason-<id>, source-<id>",
    required=True,
)


class PrismaScoped:
    permission_classes = [IsAuthenticated, ReviewPermission]
    review: Review
    member: Membership

    def round_number(self) -> int | None:
        asked = self.request.query_params.get("round", "")  # type: ignore[attr-defined]
        if not asked:
            return None
        if not asked.isdigit() or not rounds_of(self.review).filter(number=int(asked)).exists():
            raise NotFound(f"round: no round {asked} in this review.")
        return int(asked)


class PrismaView(PrismaScoped, APIView):
    """The PRISMA 2020 counts, keyed like the PRISMA2020 R package's CSV template."""

    @extend_schema(parameters=[ROUND_PARAM], responses={200: dict})
    def get(self, request, review_slug=None):
        return Response(selectors.prisma_counts(self.review, self.round_number()).to_prisma2020())


class PrismaRecordsView(PrismaScoped, generics.ListAPIView):
    """The records in one box of the diagram (what a click on the box lists)."""

    serializer_class = RecordSerializer
    queryset = Record.objects.none()
    filter_backends: list = []  # the box is the filter

    @extend_schema(parameters=[BOX_PARAM, ROUND_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        box = self.request.query_params.get("box", "")
        records = selectors.box_records(self.review, box, self.round_number())
        if records is None:
            raise NotFound("No such box in the PRISMA diagram.")
        return records.select_related("source").defer("raw").order_by("id")
